"""``egov simulate``: a year of a generated population's life events, filed through the real services.

The model (docs/metrics.md, ADR 0102):

- the population is the register ``egov registries generate`` writes (the same seed, the
  same people); each resident who files gets an account linked to their record;
- every day of the year, each resident meets each life event with a fixed yearly
  probability (:data:`EVENTS`); an event is one or more applications for services of
  the catalogue;
- each application goes online with probability ``online_share`` when the service
  allows it (the rest, and every counter-only service, go to a counter, where a clerk
  files it); everyone agrees to the reads (the platform has no paper-evidence path yet,
  so the once-only rate measures the gate's refusals, not paper);
- after each filing the resident opens their inbox with probability :data:`READS_INBOX`
  (reading the notices received so far);
- the platform clock (``EGOV_NOW``) is moved to the day and the hour of each filing,
  so cases, documents and messages carry the simulated dates.

Everything goes through ``applications.public.application_file``: the same validation,
evidence reads through the gate, fees, notices, automatic decisions and issued
documents as a filing through the pages. Random draws come from ``random.Random(seed)``
in a fixed order, so the same seed on a fresh database gives the same output.

Driven today: certificate needs (resident registration copy and extract, family
relation certificates), taxes (local tax payment and assessment certificates). Births,
deaths, marriages, moves, vehicle sales and permits are services an official decides,
with documents attached: their events are drawn and reported as not filed until the
simulation has officials who decide (see docs/metrics.md).
"""

from __future__ import annotations

import os
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from egov.accounts import public as accounts
from egov.applications import public as applications
from egov.catalogue import public as catalogue
from egov.certificates import public as certificates
from egov.core.errors import ApplicationError
from egov.exchange import public as exchange
from egov.metrics import kpis
from egov.notifications import public as notifications
from egov.workflow import public as workflow

USERNAME_PREFIX = "sim-"
# Probability that a resident opens their inbox after filing (and so reads the notices of it).
READS_INBOX = 0.6


@dataclass(frozen=True)
class Event:
    """A life event: how often a resident meets it in a year, and the applications it leads to."""

    key: str
    per_year: float
    services: tuple[tuple[str, dict[str, Any]], ...]  # (service id, form answers)
    driven: bool = True


_COPY = ("resident-registration-copy", {"copies": 1})
_EXTRACT = ("resident-registration-extract", {"copies": 1})

EVENTS: tuple[Event, ...] = (
    Event("certificate_need", 0.9, (_COPY,)),
    Event("job_or_bank", 0.25, (_EXTRACT,)),
    Event("family_certificate", 0.2, (("family-relations-certificate", {"detail": "general", "copies": 1}),)),
    Event("tax", 0.3, (("local-tax-payment-certificate", {"use": "payment", "copies": 1}),)),
    Event("tax_assessment", 0.1, (("local-tax-assessment-certificate", {"year": 0, "copies": 1}),)),
    Event("birth", 0.008, (), driven=False),
    Event("death", 0.006, (), driven=False),
    Event("marriage", 0.004, (), driven=False),
    Event("move", 0.12, (), driven=False),
    Event("vehicle_purchase_or_sale", 0.06, (), driven=False),
    Event("permit", 0.02, (), driven=False),
)


@dataclass
class Outcome:
    """What a run created and what it measured."""

    created: dict[str, int] = field(default_factory=dict)
    filed: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    not_driven: Counter[str] = field(default_factory=Counter)
    kpis: list[kpis.Value] = field(default_factory=list)


def _counts() -> dict[str, int]:
    return {"applications": applications.application_count(), "cases": workflow.case_count(),
            "documents": certificates.document_count(), "messages": notifications.message_count()}


def _set_clock(moment: datetime) -> None:
    os.environ["EGOV_NOW"] = moment.isoformat()


def simulate(*, residents: int, year: int, seed: int, online_share: float, progress: Any, tz: Any) -> Outcome:
    """Drive ``year`` for ``residents`` people of the register; return the counts and the KPIs."""
    rng = random.Random(seed)
    outcome = Outcome()
    before = _counts()  # the clerk persona, if made here, is part of what the run created (its welcome message)
    clerk_id = accounts.simulated_clerk()
    start = datetime(year, 1, 1, tzinfo=tz)
    people = exchange.resident_ids_for_simulation(on=date(year, 1, 1), limit=residents)
    if len(people) < residents:
        progress.write(f"simulate: the register has {len(people)} living residents, not {residents}; "
                       "simulating those\n")
    reach = {s.service_id: s for s in catalogue.service_reach()}
    # The draws for the whole year first (one fixed order), then the filings day by day.
    plan: list[tuple[int, int, int, Event]] = []  # (day of year, second of the day, person index, event)
    days = (start.replace(year=year + 1) - start).days
    for index in range(len(people)):
        for event in EVENTS:
            count = _poisson(rng, event.per_year)
            for _n in range(count):
                plan.append((rng.randrange(days), rng.randrange(9 * 3600, 18 * 3600), index, event))
    plan.sort(key=lambda item: (item[0], item[1], item[2], item[3].key))
    filing = sorted({index for _d, _s, index, event in plan if event.driven})
    account = accounts.simulated_citizens(resident_ids=[people[i] for i in filing], prefix=USERNAME_PREFIX)
    progress.write(f"simulate: {len(people)} residents, {len(plan)} life events, {len(filing)} people file\n")
    for number, (day, second, index, event) in enumerate(plan):
        if number % 200 == 0:
            progress.write(f"simulate: {number}/{len(plan)} events, day {day + 1} of {days}\n")
        if not event.driven:
            outcome.not_driven[event.key] += 1
            continue
        moment = start + timedelta(days=day, seconds=second)
        _set_clock(moment)
        user_id = account[people[index]]
        for service_id, answers in event.services:
            definition = reach.get(service_id)
            if definition is None:
                outcome.refused[service_id] += 1
                continue
            data = {k: (year - 1 if k == "year" and v == 0 else v) for k, v in answers.items()}
            online = rng.random() < online_share
            channel = "online" if online else "counter"
            try:
                applications.application_file(
                    applicant_id=user_id, service_id=service_id, data=data, channel=channel,
                    clerk_id=clerk_id, consent=True,
                    idempotency_key=f"simulate-{seed}-{number}-{service_id}")
                outcome.filed[service_id] += 1
                if rng.random() < READS_INBOX:
                    notifications.inbox_mark_all_read(user_id=user_id)
            except ApplicationError as error:
                outcome.refused[f"{service_id}: {error}"] += 1
    after = _counts()
    outcome.created = {key: after[key] - before[key] for key in after}
    end = start.replace(year=year + 1) - timedelta(seconds=1)
    _set_clock(end)
    outcome.kpis = kpis.kpis_compute(kpis.year_scope(year))
    return outcome


def _poisson(rng: random.Random, mean: float) -> int:
    """Events in a year for a yearly rate ``mean`` (Knuth's method: small means, exact)."""
    import math

    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


"""``egov simulate``: a year of a generated population's life events, filed and decided through the real services.

The model (docs/metrics.md, ADR 0102 and ADR 0120):

- the population is the register ``egov registries generate`` writes (the same seed, the
  same people); each resident who files gets an account linked to their record;
- every day of the year, each resident meets each life event with a fixed yearly
  probability (:data:`EVENTS`), drawn for the whole year first from
  ``random.Random(seed)`` in a fixed order; the details of one event (a partner, an
  address, a date, a name) come from a generator seeded by the seed and the event's
  number, so they do not depend on what earlier events drew;
- a certificate need or a tax certificate is one application; a birth, a death, a
  marriage, a move, a vehicle purchase or sale and a permit are the reports and
  applications the law asks for (:func:`_birth` … :func:`_permit`), filed by the person
  the law names (a parent, a relative of the deceased, a spouse, the mover, the buyer,
  the applicant), with the documents the definition asks to be attached uploaded as
  small generated PDFs;
- each event's applications go online with probability ``online_share`` (the rest to
  a counter, where the demo clerk files them), drawn from a generator seeded by the
  seed and the event's number; everyone agrees to the reads. Online filing is open
  every day; the counters are closed on Saturdays, Sundays and the country pack's
  public holidays (the SLA clocks' calendar), so a resident who would go to the
  counter on such a day goes at the same hour of the next day the offices open;
- a birth is reported through the birth one-stop service (the birth report, the child
  allowance and the parental benefit on one form, ``applications.public.bundle_file``)
  by most parents (:data:`BIRTH_ONE_STOP`), else with the birth report alone; the
  benefits' office decides them once the birth report's approval has given the child
  a number;
- a case an official decides is claimed and decided by an official of its own office
  (one per office, :func:`accounts.simulated_official`) through the back office's own
  step, ``applications.public.application_decide``: two working hours after filing on
  the SLA clocks' calendar (weekends and the country pack's public holidays are the
  officials' days off too). An approval the registry refuses is rejected with the
  registry's reason. Approvals change the registers (the move moves, the death is
  recorded) and later events see it: a dead person files nothing, a married person
  does not marry again, a sold car is the buyer's;
- what a person knows of themself (their family, household, address, vehicles) is
  their own records, read on My Gov under their right of access; a person whose number
  another must write on a form (a spouse, a seller, a person who dies) reads it the
  same way and tells it (:func:`exchange.own_number`);
- after each filing the resident opens their inbox with probability :data:`READS_INBOX`
  (drawn as the channel is);
- the platform clock (``EGOV_NOW``) is moved to each filing's and each decision's
  time, so cases, documents and messages carry the simulated dates.

Everything goes through ``applications.public.application_file`` (a bundle through
``bundle_file``): the same validation, evidence reads through the gate, fees, notices,
automatic decisions and issued documents as a filing through the pages. The same seed
on a fresh database gives the same output.

Parallel work (ADR 0140): everything that changes the registers — a life event's
filing, its decision, the tax office's monthly run — is the coordinator's, one at a
time in the year's order; the certificate and tax events, nine filings in ten, are
filed by :class:`Share` s, in worker processes with ``workers`` > 1
(:mod:`egov.metrics.sharing`), each up to the coordinator's next action before it is
taken. Each touches its own person's records only, so the output is the same for any
number of workers.

Taxes: the local tax register (``finance.public``) assesses the year's instalments from
the registers at 06:00 on the first day of each month (its yearly run is idempotent); a
"tax" event is the resident paying what they owe that day, then asking for the payment
certificate; an assessment certificate is asked for the year before.
"""

from __future__ import annotations

import heapq
import math
import os
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.db import IntegrityError

from egov.accounts import public as accounts
from egov.applications import public as applications
from egov.catalogue import public as catalogue
from egov.certificates import public as certificates
from egov.core.errors import ApplicationError, ValidationError
from egov.exchange import public as exchange
from egov.finance import public as finance
from egov.metrics import kpis, sharing
from egov.notifications import public as notifications
from egov.workflow import public as workflow

USERNAME_PREFIX = "sim-"
# Probability that a resident opens their inbox after filing (and so reads the notices of it).
READS_INBOX = 0.6
# An official decides a case this many working hours after it was filed (the offices' calendar, holidays included).
DECISION_WORKING_HOURS = 2
# Probability that parents report a birth through the birth one-stop service (the report, the child allowance and the
# parental benefit with one form), rather than the birth report alone. A stated assumption of the model.
BIRTH_ONE_STOP = 0.8
BIRTH_ONE_STOP_SERVICE = "birth-one-stop"
# A bundle's members are decided in their order (the birth report, which gives the child's number, before the
# benefits that wait for it): member m of the filing numbered s is decided under the sub-key s * this + m.
_MEMBERS_PER_FILING = 16
# Why a counter visit is not made: the offices do not open again before the year ends.
CLOSED_TILL_YEAR_END = "the offices do not open again before the year ends"


@dataclass(frozen=True)
class Event:
    """A life event: how often a resident meets it in a year, and the applications it leads to.

    A certificate event names its services; a life event that the law makes a report
    of is filed by its handler (:data:`HANDLERS`), which decides who files what.
    """

    key: str
    per_year: float
    services: tuple[tuple[str, dict[str, Any]], ...] = ()  # (service id, form answers)


_COPY = ("resident-registration-copy", {"copies": 1})
_EXTRACT = ("resident-registration-extract", {"copies": 1})

EVENTS: tuple[Event, ...] = (
    Event("certificate_need", 0.9, (_COPY,)),
    Event("job_or_bank", 0.25, (_EXTRACT,)),
    Event("family_certificate", 0.2, (("family-relations-certificate", {"detail": "general", "copies": 1}),)),
    Event("tax", 0.3, (("local-tax-payment-certificate", {"use": "payment", "copies": 1}),)),
    Event("tax_assessment", 0.1, (("local-tax-assessment-certificate", {"year": 0, "copies": 1}),)),
    # Drawn for every resident; a birth is reported only by a married resident aged 20 to 45,
    # a marriage only by an unmarried adult of 20 or more, a move, a car or a permit only by
    # an adult: the other draws are counted as not applicable (about one birth draw in ten
    # and one marriage draw in two fit), so that births, deaths and marriages per 1,000
    # residents come out near Korea's crude rates (about 5, 7 and 4).
    Event("birth", 0.05),
    Event("death", 0.007),
    Event("marriage", 0.012),
    Event("move", 0.12),
    Event("vehicle_purchase_or_sale", 0.06),
    Event("permit", 0.02),
)


@dataclass
class Outcome:
    """What a run created and what it measured."""

    created: dict[str, int] = field(default_factory=dict)
    drawn: Counter[str] = field(default_factory=Counter)
    filed: Counter[str] = field(default_factory=Counter)
    decided: Counter[str] = field(default_factory=Counter)  # "<service> <final state>"
    refused: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)  # "<event>: <why it did not apply>"
    bundles: Counter[str] = field(default_factory=Counter)  # bundles filed (their members are counted in ``filed``)
    put_off: int = 0  # counter visits made on the next working day because the office was closed
    approvals: list[tuple[str, str, date]] = field(default_factory=list)  # (service, case reference, decided on)
    taxes_assessed: int = 0
    taxes_paid: int = 0
    kpis: list[kpis.Value] = field(default_factory=list)

    def merge(self, other: Outcome) -> None:
        """Add what a share filed and decided (the counts add up; the approvals are kept in the year's order)."""
        for mine, theirs in ((self.drawn, other.drawn), (self.filed, other.filed), (self.decided, other.decided),
                             (self.refused, other.refused), (self.skipped, other.skipped),
                             (self.bundles, other.bundles)):
            mine.update(theirs)
        self.put_off += other.put_off
        self.approvals = sorted([*self.approvals, *other.approvals], key=lambda a: (a[2], a[0], a[1]))
        self.taxes_paid += other.taxes_paid


@dataclass(frozen=True)
class Known:
    """What a person knows of themself: their own records as My Gov shows them (read under their own right)."""

    resident_id: UUID
    name_ko: str
    birth_date: date
    sex: str
    living: bool
    spouse_id: UUID | None
    family_ids: frozenset[UUID]  # parents, spouses and children
    children: tuple[UUID, ...]
    parents: tuple[UUID, ...]
    household_id: UUID | None
    household_members: tuple[UUID, ...]
    head: bool
    address: dict[str, str]
    plates: tuple[str, ...]

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


@dataclass(frozen=True)
class Filing:
    """One application a life event leads to: who files it, what, and what the world learns when it is approved.

    A ``bundle`` (the birth one-stop service) is filed with one form as one application
    per member service; ``approved`` is called when any of them is approved.
    """

    service_id: str
    applicant: UUID  # resident id
    data: dict[str, Any]
    approved: Callable[[], None] = lambda: None
    bundle: bool = False


# The order of everything that happens in a year: an official's decision due at a moment comes
# before the tax office's monthly run at that moment, which comes before a life event then.
_DECIDE, _ASSESS, _EVENT = 0, 1, 2
Key = tuple[datetime, int, int, int]  # (moment, kind, number of the event, number of the filing within it)


@dataclass(order=True)
class _Decision:
    key: Key
    case_id: UUID = field(compare=False)
    service_id: str = field(compare=False)
    approved: Callable[[], None] = field(compare=False)


@dataclass(frozen=True)
class Planned:
    """One drawn event: when it is filed, whose, which, and how (sortable by :data:`Key`).

    ``drawn_at`` is when it happened; the filing is then, online, or at the counter on
    the first day the offices are open (``put_off``). ``closed``: the offices do not open
    again before the year ends, so the resident does not file it this year.
    """

    key: Key
    index: int
    person: UUID
    event: Event
    drawn_at: datetime
    online: bool = True
    put_off: bool = False
    closed: bool = False


def _counts() -> dict[str, int]:
    return {"applications": applications.application_count(), "cases": workflow.case_count(),
            "documents": certificates.document_count(), "messages": notifications.message_count()}


def _set_clock(moment: datetime) -> None:
    os.environ["EGOV_NOW"] = moment.isoformat()


def simulate(*, residents: int, year: int, seed: int, online_share: float, progress: Any, tz: Any,
             events: tuple[Event, ...] | None = None, workers: int = 1) -> Outcome:
    """Drive ``year`` for ``residents`` people of the register; return the counts and the KPIs.

    ``events`` replaces the yearly rates of :data:`EVENTS` (a test makes every resident
    move in a small year).
    ``workers`` processes file the certificate and tax events (ADR 0140); the outcome is
    the same for any number of them.
    """
    return _Run(residents=residents, year=year, seed=seed, online_share=online_share, progress=progress,
                tz=tz, events=EVENTS if events is None else events, workers=workers).run()


@dataclass(frozen=True)
class DeskSetup:
    """What a desk needs to file and decide: the same for the coordinator and every worker process."""

    year: int
    seed: int
    online_share: float
    tz: Any
    clerk_id: UUID
    services: frozenset[str]  # the services the catalogue reaches
    accounts: dict[UUID, UUID]
    died: dict[UUID, date]
    death_event: dict[UUID, int]


class _Desk:
    """Files applications and has officials decide them, in the order of their keys.

    Every draw a filing makes (online or at the counter, whether the inbox is opened)
    comes from a generator seeded by the seed and the filing's key, so that it does not
    depend on which desk files it, nor on what was filed before.
    """

    def __init__(self, setup: DeskSetup) -> None:
        self.setup = setup
        self.seed, self.online_share, self.tz, self.clerk_id = setup.seed, setup.online_share, setup.tz, setup.clerk_id
        self.accounts = dict(setup.accounts)
        self.died, self.death_event = setup.died, setup.death_event
        self.start = datetime(setup.year, 1, 1, tzinfo=setup.tz)
        self.end = self.start.replace(year=setup.year + 1) - timedelta(seconds=1)
        self.outcome = Outcome()
        self.pending: list[_Decision] = []
        self.officials: dict[UUID, UUID] = {}

    def _account(self, person: UUID) -> UUID:
        if person not in self.accounts:
            self.accounts.update(accounts.simulated_citizens(resident_ids=[person], prefix=USERNAME_PREFIX))
        return self.accounts[person]

    def _dead_by(self, person: UUID, moment: datetime, number: int) -> bool:
        """The person died (reported or not) before this event, which is not the report of it."""
        died_on = self.died.get(person)
        return died_on is not None and died_on <= moment.date() and self.death_event[person] != number

    def _file(self, item: Filing, *, key: Key, planned: Planned) -> None:
        """File ``item`` online or at the counter, as the event's plan says; the cases left to an official wait."""
        if not item.bundle and item.service_id not in self.setup.services:
            self.outcome.refused[item.service_id] += 1
            return
        moment, number, sub = key[0], key[2], key[3]
        rng = random.Random(f"{self.seed}:{number}:{sub}:{item.service_id}")
        user_id = self._account(item.applicant)
        _set_clock(moment)
        channel = "online" if planned.online else "counter"
        idempotency_key = f"simulate-{self.seed}-{number}-{item.service_id}"
        try:
            if item.bundle:
                members = [(self._service_of(filed), filed) for filed in applications.bundle_file(
                    applicant_id=user_id, service_id=item.service_id, data=item.data, channel=channel,
                    clerk_id=self.clerk_id, consent=True, idempotency_key=idempotency_key)]
            else:
                members = [(item.service_id, applications.application_file(
                    applicant_id=user_id, service_id=item.service_id, data=item.data, channel=channel,
                    clerk_id=self.clerk_id, consent=True, idempotency_key=idempotency_key))]
        except ApplicationError as error:
            self.outcome.refused[f"{item.service_id}: {_one_line(error)}"] += 1
            return
        if item.bundle:
            self.outcome.bundles[item.service_id] += 1
        if planned.put_off and not planned.online:
            self.outcome.put_off += 1
        for member, (service_id, filed) in enumerate(members):
            self.outcome.filed[service_id] += 1
            if filed.state == "approved":
                item.approved()
            elif filed.state in ("submitted", "in_review"):
                decided_at = self._decision_time(moment)
                heapq.heappush(self.pending, _Decision(
                    (decided_at, _DECIDE, number, sub * _MEMBERS_PER_FILING + member), filed.case_id, service_id,
                    item.approved))
        if rng.random() < READS_INBOX:
            notifications.inbox_mark_all_read(user_id=user_id)

    @staticmethod
    def _service_of(filed: applications.Filed) -> str:
        case = workflow.case_get(case_id=filed.case_id)
        return case.service_id if case is not None else ""

    def _decision_time(self, filed_at: datetime) -> datetime:
        """Two working hours after filing on the offices' calendar (weekends, public holidays and lunch skipped).

        The calendar is the SLA clocks' (``workflow.public.due_at``): the country pack's
        holidays are the officials' days off too. Never past the year's end.
        """
        due = workflow.due_at(filed_at, DECISION_WORKING_HOURS, "hours").astimezone(self.tz)
        return min(due, self.end - timedelta(minutes=30))

    def _decide(self, decision: _Decision) -> None:
        """An official of the case's office claims and approves it (or rejects it with the registry's reason)."""
        at = decision.key[0]
        _set_clock(at)
        case = workflow.case_get(case_id=decision.case_id)
        if case is None or case.organisation_id is None:
            return
        official = self._official(case.organisation_id)
        state = case.state
        try:
            if state == "submitted":
                state = applications.application_decide(case_id=case.id, official_id=official, action="claim")
            state = applications.application_decide(case_id=case.id, official_id=official, action="approve")
        except ValidationError as error:
            # The guard or the registry refused: the official rejects, giving the reason to the applicant.
            state = applications.application_decide(case_id=case.id, official_id=official, action="reject",
                                                     reason=_one_line(error))
        self.outcome.decided[f"{decision.service_id} {state}"] += 1
        if state == "approved":
            decision.approved()
            self.outcome.approvals.append((decision.service_id, case.reference, at.astimezone(self.tz).date()))

    def _official(self, organisation_id: UUID) -> UUID:
        """The office's simulated official; made once (two worker processes may both ask first: one makes it)."""
        official = self.officials.get(organisation_id)
        if official is None:
            try:
                official = accounts.simulated_official(organisation_id=organisation_id, prefix=USERNAME_PREFIX)
            except IntegrityError:
                official = accounts.simulated_official(organisation_id=organisation_id, prefix=USERNAME_PREFIX)
            self.officials[organisation_id] = official
        return official

    def _pay_taxes(self, person: UUID, number: int, moment: datetime) -> None:
        """A taxpayer pays what they owe that day (then asks for the certificate that says so)."""
        user_id = self._account(person)
        _set_clock(moment)
        paid = finance.local_taxes_pay_outstanding(resident_id=person, on=moment.date(), by=f"user:{user_id}",
                                                   key_prefix=f"simulate-{self.seed}-{number}",
                                                   payer_user_id=user_id)
        self.outcome.taxes_paid += len(paid)


class Share(_Desk):
    """The certificate and tax events of some of the people: each touches only its own person's records.

    A certificate need, a job or bank paper, a family certificate, a tax paid or an
    assessment asked for reads the registers and writes the person's own application,
    case, document, payment and messages; nothing another person's certificate event
    reads. So these events can be filed by several processes at once (each person's by
    one of them, in order), as long as each stops where the coordinator's next action
    (a life event, a decision, the tax office's run, which change the registers) is due.
    """

    def __init__(self, setup: DeskSetup, planned: list[Planned]) -> None:
        super().__init__(setup)
        self.planned = sorted(planned, key=lambda p: p.key)
        self.next = 0

    def next_key(self) -> Key | None:
        """When this share next has something to do (None: nothing left)."""
        keys = [k for k in (self.planned[self.next].key if self.next < len(self.planned) else None,
                            self.pending[0].key if self.pending else None) if k is not None]
        return min(keys, default=None)

    def advance(self, until: Key) -> None:
        """File the events and take the decisions due before ``until``, in order."""
        while True:
            event = self.planned[self.next] if self.next < len(self.planned) else None
            decision = self.pending[0] if self.pending else None
            if decision is not None and decision.key < until and (event is None or decision.key < event.key):
                self._decide(heapq.heappop(self.pending))
            elif event is not None and event.key < until:
                self.next += 1
                self._certificate_event(event)
            else:
                return

    def _certificate_event(self, planned: Planned) -> None:
        moment, number, event = planned.key[0], planned.key[2], planned.event
        self.outcome.drawn[event.key] += 1
        if planned.closed:
            self.outcome.skipped[f"{event.key}: {CLOSED_TILL_YEAR_END}"] += 1
            return
        if self._dead_by(planned.person, moment, number):
            self.outcome.skipped[f"{event.key}: the person died earlier"] += 1
            return
        if event.key == "tax":
            self._pay_taxes(planned.person, number, moment)
        for sub, (service_id, answers) in enumerate(event.services):
            data = {k: (self.setup.year - 1 if k == "year" and v == 0 else v) for k, v in answers.items()}
            self._file(Filing(service_id, planned.person, data), key=(moment, _EVENT, number, sub), planned=planned)


class _Run(_Desk):
    """One simulated year: the plan, the people's knowledge of themselves, the life events and their decisions.

    The coordinator files the life events (births, deaths, marriages, moves, cars,
    permits), has officials decide them and runs the tax office's monthly assessment:
    everything that changes the registers, one at a time in the year's order. The
    certificate and tax events are the shares' (:class:`Share`), which file them up to
    each of the coordinator's actions first.
    """

    def __init__(self, *, residents: int, year: int, seed: int, online_share: float, progress: Any, tz: Any,
                 events: tuple[Event, ...], workers: int) -> None:
        self.rng = random.Random(seed)
        self.events = events
        self.year, self.seed, self.online_share, self.progress, self.tz = year, seed, online_share, progress, tz
        self.residents, self.workers = residents, workers
        self.start = datetime(year, 1, 1, tzinfo=tz)
        self.end = self.start.replace(year=year + 1) - timedelta(seconds=1)
        self.known: dict[UUID, Known] = {}
        self.numbers: dict[UUID, str] = {}
        self.accounts: dict[UUID, UUID] = {}
        self.died: dict[UUID, date] = {}  # people of the simulation who die this year (reported or not)
        self.death_event: dict[UUID, int] = {}  # the number of the event that reports it
        self.married: set[UUID] = set()
        self.office_days: dict[date, bool] = {}
        self.days = range((self.start.replace(year=year + 1) - self.start).days)

    # ------------------------------------------------------------ the year

    def run(self) -> Outcome:
        before = _counts()  # the clerk persona, if made here, is part of what the run created (its welcome message)
        clerk_id = accounts.simulated_clerk()
        self.people = exchange.resident_ids_for_simulation(on=date(self.year, 1, 1), limit=self.residents)
        if len(self.people) < self.residents:
            self.progress.write(f"simulate: the register has {len(self.people)} living residents, not "
                                f"{self.residents}; simulating those\n")
        reach = frozenset(s.service_id for s in catalogue.service_reach())
        plan = self._plan()
        filing = sorted({p.index for p in plan})
        self.accounts = accounts.simulated_citizens(resident_ids=[self.people[i] for i in filing],
                                                    prefix=USERNAME_PREFIX)
        self._know_the_start(plan)
        super().__init__(DeskSetup(year=self.year, seed=self.seed, online_share=self.online_share, tz=self.tz,
                                   clerk_id=clerk_id, services=reach, accounts=self.accounts, died=self.died,
                                   death_event=self.death_event))
        self.progress.write(f"simulate: {len(self.people)} residents, {len(plan)} life events, "
                            f"{len(filing)} people file, {self.workers} worker process(es)\n")
        mine = [p for p in plan if not p.event.services]
        with sharing.shares(self.setup, [p for p in plan if p.event.services], self.workers) as self.shares:
            self._coordinate(mine)
            self._decide_until((self.end, _DECIDE + 1, 0, 0))
            for outcome in self.shares.finish():
                self.outcome.merge(outcome)
        after = _counts()
        self.outcome.created = {key: after[key] - before[key] for key in after}
        _set_clock(self.end)
        self.outcome.kpis = kpis.kpis_compute(kpis.year_scope(self.year))
        return self.outcome

    def _coordinate(self, mine: list[Planned]) -> None:
        """The life events in order, each after the decisions and the monthly assessment due before it."""
        months = self._assessments()
        for planned in mine:
            moment, number, event = planned.key[0], planned.key[2], planned.event
            while months and months[0] <= planned.key:
                self._assess_taxes(months.pop(0))
            self._decide_until(planned.key)
            self.outcome.drawn[event.key] += 1
            if planned.closed:
                self.outcome.skipped[f"{event.key}: {CLOSED_TILL_YEAR_END}"] += 1
                continue
            if self._dead_by(planned.person, moment, number):
                self.outcome.skipped[f"{event.key}: the person died earlier"] += 1
                continue
            _set_clock(moment)
            filings = HANDLERS[event.key](self, planned.person, moment, random.Random(f"{self.seed}:{number}"), number)
            if isinstance(filings, str):
                self.outcome.skipped[f"{event.key}: {filings}"] += 1
                continue
            for sub, item in enumerate(filings):
                key = (moment, _EVENT, number, sub)
                self.shares.advance(key)
                self._file(item, key=key, planned=planned)
        while months:
            self._assess_taxes(months.pop(0))

    def _assessments(self) -> list[Key]:
        """The tax office runs at 06:00 on the first day of each month (its yearly run is idempotent)."""
        return [(datetime(self.year, month, 1, 6, tzinfo=self.tz), _ASSESS, 0, 0) for month in range(1, 13)]

    def _decide_until(self, until: Key) -> None:
        """Officials decide the life events' cases due before ``until``, in the order they are due."""
        while self.pending and self.pending[0].key < until:
            decision = heapq.heappop(self.pending)
            self.shares.advance(decision.key)
            self._decide(decision)

    def _plan(self) -> list[Planned]:
        """The draws for the whole year first (one fixed order), then sorted by time; deaths dated in advance.

        Each event is filed online with probability ``online_share`` (drawn from a
        generator seeded by the seed and the event's number), else at the counter: on the
        day it happens if the offices are open, else at the same hour of the next day they
        are (Saturdays, Sundays and the country pack's public holidays are closed days).
        """
        draws: list[tuple[int, int, int, Event]] = []  # (day of year, second of the day, person index, event)
        for index in range(len(self.people)):
            for event in self.events:
                for _n in range(_poisson(self.rng, event.per_year)):
                    draws.append((self.rng.randrange(len(self.days)), self.rng.randrange(9 * 3600, 18 * 3600),
                                  index, event))
        draws.sort(key=lambda item: (item[0], item[1], item[2], item[3].key))
        plan = []
        for number, (day, second, index, event) in enumerate(draws):
            drawn_at = self.start + timedelta(days=day, seconds=second)
            online = random.Random(f"{self.seed}:{number}:channel").random() < self.online_share
            visit = drawn_at if online else self._counter_open(drawn_at)
            plan.append(Planned((visit or drawn_at, _EVENT, number, 0), index, self.people[index], event,
                                drawn_at=drawn_at, online=online, put_off=visit != drawn_at, closed=visit is None))
        plan.sort(key=lambda p: p.key)
        for planned in plan:
            if planned.event.key == "death" and planned.person not in self.died:
                # The death happened up to three days before the day it was drawn, when it is reported
                # (online, or at the counter the first day it opens).
                self.died[planned.person] = self._died_on(planned.drawn_at)
                self.death_event[planned.person] = planned.key[2]
        return plan

    def _died_on(self, drawn: datetime) -> date:
        back = int(self.rng.random() * 4)
        return max(self.start.date(), drawn.date() - timedelta(days=back))

    def _counter_open(self, moment: datetime) -> datetime | None:
        """The same hour on the first day from ``moment``'s on which the offices open (None: not this year)."""
        day = moment.date()
        while not self._office_day(day):
            day += timedelta(days=1)
            if day > self.end.date():
                return None
        return moment + timedelta(days=(day - moment.date()).days)

    def _office_day(self, day: date) -> bool:
        """Whether the offices open on ``day``: it has working time on the SLA clocks' calendar (``workflow.public``)."""
        if day not in self.office_days:
            opens = datetime.combine(day, time(0), self.tz)
            self.office_days[day] = workflow.working_time_between(opens, opens + timedelta(days=1)) > timedelta(0)
        return self.office_days[day]

    def _know_the_start(self, plan: list[Planned]) -> None:
        """On New Year's Day everyone with a life event to come looks at their own records (the simulation's world).

        Their households' addresses are the places people move to, and they are the
        people a partner or a buyer is found among. Whoever will die this year learns
        their number then (their relative writes it on the death report).
        """
        _set_clock(self.start + timedelta(hours=8))
        involved = sorted({p.index for p in plan if not p.event.services})
        self.pool: list[UUID] = []
        self.addresses: list[dict[str, str]] = []
        seen: set[UUID | None] = {None}
        for index in involved:
            person = self.people[index]
            known = self._knowledge(person)
            if known is None:
                continue
            self.pool.append(person)
            if known.household_id not in seen and known.address:
                seen.add(known.household_id)
                self.addresses.append(known.address)
            if person in self.died:
                self._number(person)

    # ------------------------------------------------------------ taxes

    def _assess_taxes(self, key: Key) -> None:
        """The local tax system assesses the instalments whose base date has come, from the registers as they stand.

        Its yearly run is idempotent, so a monthly run assesses each tax once (a car sold
        in March is taxed to its buyer in June).
        """
        self._decide_until(key)
        self.shares.advance(key)
        moment = key[0]
        self.progress.write(f"simulate: {moment.date().isoformat()}\n")
        _set_clock(moment)
        run = finance.local_taxes_assess_year(year=self.year, by="system:simulate", on=moment.date())
        self.outcome.taxes_assessed += run.assessed

    # ------------------------------------------------------------ what people know

    def _knowledge(self, person: UUID) -> Known | None:
        """The person's own records as they stand now (read once, read again after a change the year made)."""
        if person in self.known:
            return self.known[person]
        mine = exchange.own_records(user_id=self._account(person), resident_id=person)
        if mine is None:
            return None
        resident, family = mine.resident, mine.family
        spouse = family.spouse
        address = mine.resident.address
        known = Known(
            resident_id=person, name_ko=resident.name_ko, birth_date=resident.birth_date, sex=resident.sex,
            living=resident.status == "living" and resident.died_on is None,
            spouse_id=spouse.person.id if spouse is not None and spouse.until is None else None,
            family_ids=frozenset(t.person.id for t in (*family.parents, *family.spouses, *family.children)),
            children=tuple(t.person.id for t in family.children), parents=tuple(t.person.id for t in family.parents),
            household_id=resident.household_id,
            household_members=tuple(m.id for m in mine.household.members) if mine.household else (),
            head=resident.household_relation == "head",
            address={k: str(v) for k, v in _address_parts(address).items()} if address else {},
            plates=tuple(v.plate_number for v in mine.vehicles if v.status == "registered"),
        )
        self.known[person] = known
        return known

    def _forget(self, *people: UUID | None) -> None:
        """The registers changed for these people: they read their records afresh when next needed."""
        for person in people:
            if person is not None:
                self.known.pop(person, None)

    def _number(self, person: UUID) -> str:
        if person not in self.numbers:
            self.numbers[person] = exchange.own_number(user_id=self._account(person), resident_id=person)
        return self.numbers[person]

    def _alive(self, person: UUID, on: date) -> bool:
        died_on = self.died.get(person)
        return died_on is None or died_on > on


# ---------------------------------------------------------------- the life events

Handler = Callable[[_Run, UUID, datetime, random.Random, int], "list[Filing] | str"]

_SYLLABLES = "민서준하윤지우도현예은수아시연주원채호유진건희"
_SURNAMES = "김이박최정강조윤장임"


def _given_name(rng: random.Random) -> str:
    return rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES)


def _birth(run: _Run, person: UUID, moment: datetime, rng: random.Random, number: int) -> list[Filing] | str:
    """A parent reports the birth with the hospital's proof; the child joins their household.

    Most parents (:data:`BIRTH_ONE_STOP`) file it through the birth one-stop service,
    which asks for the child allowance and the parental benefit on the same form; the
    benefits' office waits for the child's number that the birth report's approval gives.
    """
    me = run._knowledge(person)
    today = moment.date()
    if me is None or not me.address:
        return "not on the register with an address"
    if me.spouse_id is None or not run._alive(me.spouse_id, today) or not 20 <= me.age_on(today) <= 45:
        return "not a married parent aged 20 to 45"
    father_name = me.name_ko if me.sex == "M" else (run._knowledge(me.spouse_id) or me).name_ko
    born_on = max(date(run.year, 1, 1), today - timedelta(days=rng.randrange(8)))
    data = {"child_name_ko": father_name[:1] + _given_name(rng), "born_on": born_on.isoformat(),
            "sex": rng.choice(("male", "female")), "birthplace": me.address,
            "birth_proof": _attachment("birth-proof", number, "Proof of birth")}
    if rng.random() < BIRTH_ONE_STOP:
        data |= {"bank_account": f"{rng.randrange(100, 1000)}-{rng.randrange(100, 1000)}-{rng.randrange(10**5, 10**6)}",
                 "childcare": rng.choice(("home", "daycare"))}
        return [Filing(BIRTH_ONE_STOP_SERVICE, person, data, approved=lambda: run._forget(person, me.spouse_id),
                       bundle=True)]
    return [Filing("birth-report", person, data, approved=lambda: run._forget(person, me.spouse_id))]


def _death(run: _Run, person: UUID, moment: datetime, rng: random.Random, number: int) -> list[Filing] | str:
    """A relative (the spouse, else a child, else a parent, else a housemate) reports the death with the doctor's certificate."""
    me = run._knowledge(person)
    if me is None or not me.living:
        return "not on the register as living"
    today = moment.date()
    candidates = [(r, "spouse") for r in ([me.spouse_id] if me.spouse_id else [])]
    candidates += [(r, "child") for r in me.children] + [(r, "parent") for r in me.parents]
    candidates += [(r, "cohabitant") for r in me.household_members if r != person and r not in me.family_ids]
    reporter = next(((r, relation) for r, relation in candidates
                     if run._alive(r, today) and _adult(run, r, today)), None)
    if reporter is None:
        return "no living adult relative or housemate to report it"
    deceased_number = run._number(person)
    data = {"deceased_number": deceased_number, "died_on": run.died[person].isoformat(),
            "place_of_death": me.address, "relation": reporter[1],
            "death_proof": _attachment("death-proof", number, "Death certificate")}
    return [Filing("death-report", reporter[0], data,
                   approved=lambda: run._forget(person, *me.family_ids, *me.household_members))]


def _adult(run: _Run, person: UUID, on: date) -> bool:
    known = run._knowledge(person)
    return known is not None and known.living and known.age_on(on) >= 19


def _marriage(run: _Run, person: UUID, moment: datetime, rng: random.Random, number: int) -> list[Filing] | str:
    """Two unmarried adults marry: one files, the other consents and tells their number; two witnesses sign."""
    me = run._knowledge(person)
    today = moment.date()
    if me is None or not me.living or me.spouse_id is not None or person in run.married or me.age_on(today) < 20:
        return "not an unmarried adult"
    start = rng.randrange(len(run.pool)) if run.pool else 0
    partner = None
    for step in range(len(run.pool)):
        other = run.pool[(start + step) % len(run.pool)]
        them = run._knowledge(other) if other != person and other not in me.family_ids else None
        if (them is not None and them.living and them.sex != me.sex and them.spouse_id is None
                and other not in run.married and run._alive(other, today) and them.age_on(today) >= 20
                and abs(them.age_on(today) - me.age_on(today)) <= 10 and them.household_id != me.household_id):
            partner = other
            break
    if partner is None:
        return "no unmarried partner found"
    run.married.update((person, partner))
    data = {"spouse_number": run._number(partner), "spouse_consents": True,
            "children_take_mothers_surname": False,
            "witness_1": rng.choice(_SURNAMES) + _given_name(rng), "witness_2": rng.choice(_SURNAMES) + _given_name(rng)}
    return [Filing("marriage-report", person, data, approved=lambda: run._forget(person, partner))]


def _move(run: _Run, person: UUID, moment: datetime, rng: random.Random, number: int) -> list[Filing] | str:
    """The resident (with their household, if they head it) moves into a flat of a building where others live."""
    me = run._knowledge(person)
    if me is None or not me.address or me.age_on(moment.date()) < 19:
        return "not an adult on the register with an address"
    choices = [a for a in run.addresses if a.get("admin_dong_code") != me.address.get("admin_dong_code")]
    if not choices:
        return "no other address known"
    destination = dict(choices[rng.randrange(len(choices))])
    destination["detail"] = f"{rng.randrange(1, 20)}{rng.randrange(1, 9):02d}호"
    whole = me.head
    data = {"new_address": destination, "moved_on": moment.date().isoformat(),
            "movers": "whole_household" if whole else "applicant_only", "joins_household": False,
            "update_vehicles": bool(me.plates)}
    movers = me.household_members if whole else (person,)
    return [Filing("move-in-report", person, data, approved=lambda: run._forget(person, *movers))]


_MAKES = (("현대", "아반떼"), ("기아", "레이"), ("현대", "아이오닉 5"), ("기아", "쏘렌토"), ("쉐보레", "트랙스"))
_FUELS = ("gasoline", "diesel", "lpg", "electric", "hybrid")
_VIN_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def _vehicle(run: _Run, person: UUID, moment: datetime, rng: random.Random, number: int) -> list[Filing] | str:
    """An owner sells a car to another resident, who reports the transfer; someone with none buys a new one."""
    me = run._knowledge(person)
    today = moment.date()
    if me is None or not me.living or me.age_on(today) < 19:
        return "not an adult on the register"
    if not me.plates:
        make, model = _MAKES[rng.randrange(len(_MAKES))]
        vin = "".join(rng.choice(_VIN_LETTERS) for _n in range(17))
        data = {"vin": vin, "make": make, "model": model, "model_year": run.year, "fuel": rng.choice(_FUELS),
                "insurance_proof": _attachment("insurance", number, "Certificate of motor insurance")}
        return [Filing("vehicle-new-registration", person, data, approved=lambda: run._forget(person))]
    start = rng.randrange(len(run.pool))
    buyer = next((b for step in range(len(run.pool)) for b in [run.pool[(start + step) % len(run.pool)]]
                  if b != person and run._alive(b, today) and _adult(run, b, today)), None)
    if buyer is None:
        return "no buyer found"
    plate = me.plates[0]
    data = {"plate_number": plate, "seller_number": run._number(person),
            "sale_price": rng.randrange(20, 400) * 100_000, "sold_on": today.isoformat()}
    return [Filing("vehicle-ownership-transfer", buyer, data, approved=lambda: run._forget(person, buyer))]


def _permit(run: _Run, person: UUID, moment: datetime, rng: random.Random, number: int) -> list[Filing] | str:
    """A resident asks to occupy the road in front of their building for a while (scaffolding, a skip)."""
    me = run._knowledge(person)
    today = moment.date()
    if me is None or not me.address or me.age_on(today) < 19:
        return "not an adult on the register with an address"
    begins = today + timedelta(days=rng.randrange(3, 15))
    data = {"road_address": me.address, "object": rng.choice(("공사용 비계", "폐기물 적치함", "이삿짐 차량")),
            "area_m2": rng.randrange(2, 40), "from_on": begins.isoformat(),
            "until_on": (begins + timedelta(days=rng.randrange(1, 30))).isoformat()}
    return [Filing("road-occupancy-permit", person, data)]


HANDLERS: dict[str, Handler] = {
    "birth": _birth, "death": _death, "marriage": _marriage, "move": _move,
    "vehicle_purchase_or_sale": _vehicle, "permit": _permit,
}


# ---------------------------------------------------------------- helpers


def _address_parts(address: Any) -> dict[str, str]:
    return {part: getattr(address, part) for part in ("sido", "sigungu", "road", "building_number", "detail",
                                                      "postcode", "legal_dong_code", "admin_dong_code")}


def _attachment(kind: str, number: int, title: str) -> dict[str, Any]:
    """A small generated PDF, kept through the upload path of the application pages."""
    return applications.attachment_store(name=f"{kind}-{number}.pdf", content=_pdf(f"{title} (simulated, {number})"),
                                         content_type="application/pdf")


def _pdf(text: str) -> bytes:
    """A one-page PDF with one line of text (ASCII), built by hand: a few hundred bytes."""
    stream = f"BT /F1 12 Tf 72 760 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def _one_line(error: ApplicationError) -> str:
    return " ".join(str(getattr(error, "message", "") or error).split())


def _poisson(rng: random.Random, mean: float) -> int:
    """Events in a year for a yearly rate ``mean`` (Knuth's method: small means, exact)."""
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k

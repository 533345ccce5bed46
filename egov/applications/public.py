"""applications: civil applications (minwon) — the interface other apps use (ids in, frozen dataclasses out).

Citizens apply online (``/applications/apply/<service>/``) or a clerk files for a
walk-in visitor at the counter; submissions carry an idempotency key (rule 8). The
portal's My Gov lists a person's applications with :func:`applications_of` (the page
``/applications/mine/`` shows them in full); the back office works them from
``/back-office/cases/``. ``docs/applications.md`` explains the flow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from egov.applications import selectors
from egov.applications.selectors import ApplicationView, Step

__all__ = ["ApplicationView", "Step", "applications_of"]


def applications_of(*, applicant_id: UUID, limit: int = 20) -> list[ApplicationView]:
    """A person's applications with their state, the newest first (for My Gov)."""
    return selectors.applications_of(applicant_id=applicant_id, limit=limit)


# --- programme KPIs (metrics, issue 8) ----------------------------------------------------------


@dataclass(frozen=True)
class ApplicationTally:
    """Applications filed in one month, through one channel, at one office, for one service (one GROUP BY row)."""

    month: date
    channel: str
    organisation_id: UUID | None
    service_id: str
    count: int
    with_evidence: int  # of which the gate fetched evidence (the once-only principle at work)


@dataclass(frozen=True)
class ApplicantTally:
    """Distinct applicants over a period: everyone who filed, and those who came to a counter at least once."""

    applicants: int
    counter_applicants: int


def application_tallies(*, since: datetime, until: datetime) -> list[ApplicationTally]:
    """Applications submitted in ``[since, until)`` counted in the database (GROUP BY), never loaded row by row.

    The metrics app computes its KPIs from these rows: the channel, the office and the
    service are the application's own record, so the figure agrees with the cases.
    """
    from django.db.models import Count, Q
    from django.db.models.functions import TruncMonth

    from egov.applications.models import Application

    rows = (
        Application.objects.filter(submitted_at__gte=since, submitted_at__lt=until)
        .annotate(month=TruncMonth("submitted_at"))
        .values("month", "channel", "organisation_id", "service_id")
        .annotate(count=Count("id"), with_evidence=Count("id", filter=~Q(evidence=[])))
        .order_by("month", "channel", "service_id")
    )
    return [
        ApplicationTally(month=_as_date(row["month"]), channel=row["channel"], organisation_id=row["organisation_id"],
                         service_id=row["service_id"], count=row["count"], with_evidence=row["with_evidence"])
        for row in rows
    ]


def applicant_tally(*, since: datetime, until: datetime) -> ApplicantTally:
    """How many distinct people (resident records) filed in ``[since, until)``, and how many of them at a counter."""
    from django.db.models import Count, Q

    from egov.applications.models import Application

    counts = Application.objects.filter(submitted_at__gte=since, submitted_at__lt=until,
                                        resident_id__isnull=False).aggregate(
        applicants=Count("resident_id", distinct=True),
        counter_applicants=Count("resident_id", distinct=True, filter=Q(channel="counter")),
    )
    return ApplicantTally(applicants=counts["applicants"] or 0, counter_applicants=counts["counter_applicants"] or 0)


def application_count() -> int:
    """Every application on record (the simulation reports what it created against it)."""
    from egov.applications.models import Application

    return Application.objects.count()


def _as_date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


__all__ += ["ApplicantTally", "ApplicationTally", "applicant_tally", "application_count", "application_tallies"]


@dataclass(frozen=True)
class Filed:
    """An application just filed: its reference, case and the state its case is in."""

    reference: str
    case_id: UUID
    channel: str
    state: str


def application_file(
    *, applicant_id: UUID, service_id: str, data: dict[str, Any], idempotency_key: str, channel: str = "online",
    clerk_id: UUID | None = None, consent: bool = True,
) -> Filed:
    """File an application as the portal or the counter does (``egov simulate`` drives the year through this).

    Online the applicant files for themself; at the counter ``clerk_id`` is the official
    who files. The same validation, evidence reads, fee, notices and automatic decision
    as a filing through the pages or the API; errors are raised as they are there.
    """
    from django.contrib.auth import get_user_model

    from egov.applications import services
    from egov.workflow import public as workflow

    users = get_user_model().objects
    applicant = users.get(id=applicant_id)
    by = users.get(id=clerk_id) if channel == "counter" and clerk_id else applicant
    application = services.application_submit(applicant=applicant, service_id=service_id, data=data,
                                              idempotency_key=idempotency_key, channel=channel, consent=consent, by=by)
    case = workflow.case_get(case_id=application.case_id)
    return Filed(reference=application.reference, case_id=application.case_id, channel=application.channel,
                 state=case.state if case else "")


def bundle_file(
    *, applicant_id: UUID, service_id: str, data: dict[str, Any], idempotency_key: str, channel: str = "online",
    clerk_id: UUID | None = None, consent: bool = True,
) -> list[Filed]:
    """File a bundle (a life-event service such as the birth one-stop) as the portal or the counter does.

    One form and one key, one application per member service, all or none, exactly as
    :func:`application_file` files a single service (``egov simulate`` files the birth
    one-stop through this). The filed members come back in the order they were filed.
    """
    from django.contrib.auth import get_user_model

    from egov.applications import services
    from egov.workflow import public as workflow

    users = get_user_model().objects
    applicant = users.get(id=applicant_id)
    by = users.get(id=clerk_id) if channel == "counter" and clerk_id else applicant
    members = services.bundle_submit(applicant=applicant, service_id=service_id, data=data,
                                     idempotency_key=idempotency_key, channel=channel, consent=consent, by=by)
    filed = []
    for application in members:
        case = workflow.case_get(case_id=application.case_id)
        filed.append(Filed(reference=application.reference, case_id=application.case_id, channel=application.channel,
                           state=case.state if case else ""))
    return filed


__all__ += ["Filed", "application_file", "bundle_file"]


def attachment_store(*, name: str, content: bytes, content_type: str) -> dict[str, Any]:
    """Keep an uploaded file as the application pages do, and return the answer a ``file`` question takes.

    ``egov simulate`` attaches the documents a definition asks for (a proof of birth, an
    insurance certificate) through this, the same storage and hashing as an upload on
    the apply and counter pages.
    """
    from django.core.files.uploadedfile import SimpleUploadedFile

    from egov.applications.presenters import store_upload

    return store_upload(SimpleUploadedFile(name, content, content_type=content_type))


def application_decide(*, case_id: UUID, official_id: UUID, action: str, reason: str = "") -> str:
    """An official's step on a case, as the back office's case page takes it; returns the case's new state.

    The case is loaded as the page loads it (the official's office must decide it or be
    told of it) and the step is ``services.application_act``: the engine checks the
    official's office and role, an approval runs the definition's effects on the
    registries and promises the document. ``egov simulate`` decides through this.
    """
    from django.contrib.auth import get_user_model

    from egov.applications import access, services

    official = get_user_model().objects.get(id=official_id)
    application, _info, _decides = access.application_for_official(user=official, case_id=case_id)
    return services.application_act(application=application, action=action, official=official, reason=reason).state


__all__ += ["application_decide", "attachment_store"]

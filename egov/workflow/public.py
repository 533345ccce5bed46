"""The case engine's interface to other apps: ids in, frozen dataclasses out.

``case_transition`` is the only way to change a case's state (ARCHITECTURE.md rule
3). A service's workflow (states, transitions with roles, guards and effects named by
dotted path, SLA, supplement rule) comes from its definition in the catalogue, as
plain data: see ``egov.workflow.definition``. SLA clocks run on the working-time
calendar of the Civil Petitions Act (``egov.workflow.calendar``); ``docs/workflow.md``
explains both.

Actors are audit actor strings (``user:<uuid>``, ``system:<name>``). The roles a user
acts in are worked out here: ``applicant`` for the case's applicant, and the roles an
official holds when the case belongs to their office or to a place within its
jurisdiction. A caller may narrow them with ``roles``, never widen them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from egov.accounts.public import OrganisationInfo
from egov.core import memo
from egov.workflow import assignment, calendar, selectors, services
from egov.workflow.definition import WorkflowDefinition, definition_parse
from egov.workflow.info import CaseInfo, HistoryEntry, TransitionContext

__all__ = [
    "COMPETENCE_FALLBACK",
    "CaseInfo",
    "HistoryEntry",
    "TransitionContext",
    "WorkflowDefinition",
    "case_available_transitions",
    "case_get",
    "case_history",
    "case_step_count",
    "case_open",
    "case_transition",
    "cases_check_deadlines",
    "cases_for_applicant",
    "cases_for_queue",
    "competent_organisation",
    "definition_parse",
    "due_at",
    "working_time_between",
]


def case_open(
    *,
    definition: Mapping[str, Any] | WorkflowDefinition,
    service_id: str,
    service_version: str,
    applicant_id: UUID,
    organisation_id: UUID | None,
    channel: str,
    data: Mapping[str, Any],
    by: str,
    subject_resident_id: UUID | None = None,
    admin_dong_code: str = "",
    by_label: str = "",
) -> CaseInfo:
    """Open a case in the initial state of ``definition`` (the service's workflow section) and start its clock."""
    case = services.case_open(
        definition=definition, service_id=service_id, service_version=service_version, applicant_id=applicant_id,
        organisation_id=organisation_id, channel=channel, data=data, by=by, subject_resident_id=subject_resident_id,
        admin_dong_code=admin_dong_code, by_label=by_label,
    )
    return services.case_info(case)


def case_transition(
    *,
    case_id: UUID,
    transition: str,
    by: str,
    reason: str = "",
    roles: Iterable[str] | None = None,
    payload: Mapping[str, Any] | None = None,
    data_update: Mapping[str, Any] | None = None,
    supplement_deadline: datetime | None = None,
    by_label: str = "",
) -> CaseInfo:
    """Take a named transition; raises Conflict (not from this state), PermissionDenied (role) or the guard's error.

    ``payload`` reaches the guard and the effect; ``data_update`` is merged into the
    case's data (a supplement's answer, a decision's grounds); ``supplement_deadline``
    replaces the definition's default deadline when the step requests a supplement.
    """
    case = services.case_transition(
        case_id=case_id, transition=transition, by=by, reason=reason, roles=roles, payload=payload,
        data_update=data_update, supplement_deadline=supplement_deadline, by_label=by_label,
    )
    return services.case_info(case)


def case_get(*, case_id: UUID | None = None, reference: str = "") -> CaseInfo | None:
    """The case now; within a memo scope that opened and committed it, the case as that unit of work committed it.

    (A filing's answer is what the filing did, without reading the case back: ADR 0147.)
    """
    if case_id is not None:
        committed = memo.recall(services.committed_key(case_id))
        if committed is not None:
            return committed[0]  # type: ignore[no-any-return]
    case = selectors.case_get(case_id=case_id) if case_id else selectors.case_get_by_reference(reference=reference)
    return services.case_info(case) if case else None


def case_history(*, case_id: UUID) -> list[HistoryEntry]:
    """Every step of the case, oldest first: opening, transitions (actor, from, to, reason, time), escalations.

    Within a memo scope that opened and committed the case, the steps that unit of work committed.
    """
    committed = memo.recall(services.committed_key(case_id))
    if committed is not None:
        return list(committed[1])
    return selectors.case_history(case_id=case_id)


def case_step_count(*, case_id: UUID) -> int:
    """How many steps the case's history holds (a step's ordinal, for keys that must differ per step)."""
    return selectors.case_step_count(case_id=case_id)


def case_available_transitions(*, case_id: UUID, by: str, roles: Iterable[str] | None = None) -> list[str]:
    """The transitions ``by`` may take from the case's current state (guards not evaluated)."""
    case = selectors.case_get(case_id=case_id)
    if case is None:
        return []
    acting = services.roles_of(case, by, roles)
    definition = definition_parse(case.definition)
    return [t.name for t in definition.available(case.state) if acting & t.roles]


def cases_for_queue(
    *,
    organisation_id: UUID | None = None,
    organisation_ids: Iterable[UUID] = (),
    states: Iterable[str] | None = None,
    service_ids: Iterable[str] | None = None,
    overdue_only: bool = False,
    limit: int = 200,
) -> list[CaseInfo]:
    """Open cases of an office (or several), the earliest due first."""
    ids = [*organisation_ids, *([organisation_id] if organisation_id else [])]
    rows = selectors.cases_for_queue(organisation_ids=ids, states=states, service_ids=service_ids,
                                     overdue_only=overdue_only, limit=limit)
    return [services.case_info(case) for case in rows]


def cases_for_applicant(*, applicant_id: UUID, limit: int = 100) -> list[CaseInfo]:
    """An applicant's cases, the newest first (My Gov)."""
    return [services.case_info(case) for case in selectors.cases_for_applicant(applicant_id=applicant_id, limit=limit)]


def cases_check_deadlines(*, now: datetime | None = None) -> dict[str, int]:
    """Run the daily deadline check now (escalations, expired supplements); the scheduler calls it daily."""
    return services.cases_check_deadlines(now=now)


# Where no office of a level serves an address, the levels tried after it, in order.
COMPETENCE_FALLBACK: dict[str, tuple[str, ...]] = assignment.FALLBACK


def competent_organisation(*, level: str, admin_dong_code: str = "", code: str = "") -> OrganisationInfo | None:
    """The office competent at ``level`` (dong, si_gun_gu, sido) for an address, or the organisation ``code``.

    ``field_office`` with an agency's ``code``: the most local office of that agency
    whose jurisdiction holds the address (a tax office), else the agency itself.
    """
    return assignment.competent_organisation(level=level, admin_dong_code=admin_dong_code, code=code)


def due_at(start: datetime, value: int, unit: str) -> datetime:
    """When an SLA of ``value`` hours or days started at ``start`` ends on the working-time calendar."""
    if unit not in ("hours", "days"):
        raise ValueError(f"unknown SLA unit {unit!r}")
    return calendar.due_at(start, value, unit)  # type: ignore[arg-type]


def working_time_between(a: datetime, b: datetime) -> timedelta:
    return calendar.working_time_between(a, b)


# --- programme KPIs (metrics, issue 8) ----------------------------------------------------------


@dataclass(frozen=True)
class CaseTally:
    """Cases opened in one month at one office, through one channel, for one service (a GROUP BY row)."""

    month: date
    organisation_id: UUID | None
    channel: str
    service_id: str
    opened: int
    closed: int
    approved: int
    closed_on_time: int  # closed no later than the SLA's due time
    closed_late: int
    open_overdue: int  # still open past the due time at ``now``


def case_tallies(*, since: datetime, until: datetime, now: datetime) -> list[CaseTally]:
    """Cases opened in ``[since, until)`` counted in the database (GROUP BY), for the programme's KPIs."""
    from django.db.models import Count, F, Q
    from django.db.models.functions import TruncMonth

    from egov.workflow.models import Case

    closed = Q(closed_at__isnull=False)
    rows = (
        Case.objects.filter(opened_at__gte=since, opened_at__lt=until)
        .annotate(month=TruncMonth("opened_at"))
        .values("month", "organisation_id", "channel", "service_id")
        .annotate(
            opened=Count("id"),
            closed=Count("id", filter=closed),
            approved=Count("id", filter=closed & Q(state="approved")),
            closed_on_time=Count("id", filter=closed & (Q(due_at__isnull=True) | Q(closed_at__lte=F("due_at")))),
            closed_late=Count("id", filter=closed & Q(closed_at__gt=F("due_at"))),
            open_overdue=Count("id", filter=Q(closed_at__isnull=True, due_at__lt=now)),
        )
        .order_by("month", "service_id")
    )
    return [
        CaseTally(month=row["month"].date() if isinstance(row["month"], datetime) else row["month"],
                  organisation_id=row["organisation_id"], channel=row["channel"],
                  service_id=row["service_id"], opened=row["opened"], closed=row["closed"],
                  approved=row["approved"], closed_on_time=row["closed_on_time"], closed_late=row["closed_late"],
                  open_overdue=row["open_overdue"])
        for row in rows
    ]


def case_count() -> int:
    """Every case on record."""
    from egov.workflow.models import Case

    return Case.objects.count()


__all__ += ["CaseTally", "case_count", "case_tallies"]

"""Reads of the case engine: one case, its history, an office's queue, an applicant's cases."""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType
from uuid import UUID

from django.db.models import F

from egov.workflow.info import HistoryEntry
from egov.workflow.models import Case, CaseHistory


def case_get(*, case_id: UUID) -> Case | None:
    return Case.objects.filter(id=case_id).first()


def case_get_by_reference(*, reference: str) -> Case | None:
    return Case.objects.filter(reference=reference).first()


def history_entry(row: CaseHistory) -> HistoryEntry:
    return HistoryEntry(kind=row.kind, kind_label=str(row.get_kind_display()), transition=row.transition,
                        from_state=row.from_state, to_state=row.to_state, actor=row.actor, reason=row.reason,
                        at=row.at, detail=MappingProxyType(dict(row.detail)))


def case_history(*, case_id: UUID) -> list[HistoryEntry]:
    return [history_entry(row) for row in CaseHistory.objects.filter(case_id=case_id)]


def cases_for_queue(*, organisation_ids: Iterable[UUID], states: Iterable[str] | None = None,
                    service_ids: Iterable[str] | None = None, overdue_only: bool = False,
                    limit: int = 200) -> list[Case]:
    """Open cases of these offices, the most urgent first (the earliest due; those without an SLA last)."""
    rows = Case.objects.filter(organisation_id__in=list(organisation_ids), closed_at__isnull=True)
    if states is not None:
        rows = rows.filter(state__in=list(states))
    if service_ids is not None:
        rows = rows.filter(service_id__in=list(service_ids))
    if overdue_only:
        rows = rows.filter(escalated_at__isnull=False)
    return list(rows.order_by(F("due_at").asc(nulls_last=True), "opened_at")[:limit])


def cases_for_applicant(*, applicant_id: UUID, limit: int = 100) -> list[Case]:
    return list(Case.objects.filter(applicant_id=applicant_id).order_by("-opened_at")[:limit])


def case_step_count(*, case_id: UUID) -> int:
    return CaseHistory.objects.filter(case_id=case_id).count()

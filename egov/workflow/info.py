"""The frozen views of cases that leave the app (through ``public``) and reach guards and effects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any
from uuid import UUID

from egov.core import clock


@dataclass(frozen=True)
class CaseInfo:
    id: UUID
    reference: str
    service_id: str
    service_version: str
    applicant_id: UUID
    subject_resident_id: UUID | None
    organisation_id: UUID | None
    admin_dong_code: str
    channel: str
    state: str
    is_final: bool
    data: Mapping[str, Any]
    opened_at: datetime
    due_at: datetime | None
    closed_at: datetime | None
    sla_paused_since: datetime | None
    supplement_due_at: datetime | None
    escalated_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def is_overdue(self) -> bool:
        """Open, its clock running, and past its due time."""
        return (self.closed_at is None and self.sla_paused_since is None and self.due_at is not None
                and self.due_at < clock.now())


@dataclass(frozen=True)
class HistoryEntry:
    kind: str
    kind_label: str
    transition: str
    from_state: str
    to_state: str
    actor: str
    reason: str
    at: datetime
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TransitionContext:
    """What a guard or an effect is told: the case (before the step for a guard, after it for an effect)."""

    case: CaseInfo
    transition: str
    from_state: str
    to_state: str
    by: str
    roles: frozenset[str]
    reason: str
    at: datetime
    payload: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

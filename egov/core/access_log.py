"""The audit chain read by data subject: the lines of "Who viewed my data".

Kept apart from :mod:`egov.core.audit`, which writes, seals and verifies the chain;
this module only reads it, through the seals' subject index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from egov.core.audit import pending_entries
from egov.core.models.audit import AuditEntry, AuditSeal


@dataclass(frozen=True)
class AuditView:
    """One line of "Who viewed my data".

    ``object_ref``, ``detail`` and ``source_ip`` come last, with defaults, so that code
    building a view from the first seven fields keeps working; they carry what the
    PIPA access-log fields need beyond the first seven (which data product, which
    organisation, from where).
    """

    at: datetime
    action: str
    actor_label: str
    purpose: str
    legal_basis: str
    consent: str
    outcome: str
    object_ref: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    source_ip: str = ""


_VIEW_FIELDS = ("id", "at", "action", "actor_label", "purpose", "legal_basis", "consent", "outcome", "object_ref",
                "detail", "source_ip")


def entries_about(subjects: Sequence[str], *, limit: int | None = 100, since: datetime | None = None) -> list[AuditView]:
    """The entries naming any of ``subjects`` as the data subject, newest first.

    Sealed entries are found through the seals' index; the few not sealed yet (a
    fraction of a second's worth) are added, so a read shows up at once. ``since``
    keeps only entries at or after it (a download of the last two years); ``limit``
    None returns all of them.
    """
    if not subjects:
        return []
    # Pending first: an entry sealed between the two queries then appears twice (and
    # is counted once), never not at all.
    pending = pending_entries().filter(subject__in=list(subjects))
    seals = AuditSeal.objects.filter(subject__in=list(subjects))
    if since is not None:
        pending = pending.filter(at__gte=since)
        seals = seals.filter(at__gte=since)
    rows = {row[0]: row for row in pending.values_list(*_VIEW_FIELDS)}
    sealed_ids = seals.order_by("-at", "-sequence").values_list("entry_id", flat=True)
    if limit is not None:
        sealed_ids = sealed_ids[:limit]
    rows.update((row[0], row) for row in AuditEntry.objects.filter(id__in=list(sealed_ids)).values_list(*_VIEW_FIELDS))
    newest = sorted(rows.values(), key=lambda row: (row[1], row[0]), reverse=True)
    if limit is not None:
        newest = newest[:limit]
    return [
        AuditView(at=row[1], action=row[2], actor_label=row[3], purpose=row[4], legal_basis=row[5], consent=row[6],
                  outcome=row[7], object_ref=row[8] or "", detail=dict(row[9] or {}), source_ip=row[10] or "")
        for row in newest
    ]

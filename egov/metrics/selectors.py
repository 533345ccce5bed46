"""Reads of the kernel's own records the KPIs need (the audit log is ``core``'s, open to every app)."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count
from django.db.models.functions import TruncMonth

from egov.core.models.audit import AuditEntry


def verification_tallies(*, since: datetime, until: datetime) -> dict[tuple[date, str], int]:
    """Verifications of issued documents by (month, outcome): each one is an audit entry (``certificate.verified``)."""
    rows = (
        AuditEntry.objects.filter(action="certificate.verified", at__gte=since, at__lt=until)
        .annotate(month=TruncMonth("at"))
        .values("month", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(row["month"].date() if isinstance(row["month"], datetime) else row["month"], row["outcome"]): row["n"]
            for row in rows}

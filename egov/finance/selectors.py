"""Reads of finance: the local tax register as it stood on a date.

The register is append-only, so "as of" is a filter, not a reconstruction: an
assessment counts from its ``assessed_on`` until a correction made on or before the
date replaces it, and a payment counts from its ``paid_on``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from uuid import UUID

from django.db.models import Q, Sum

from egov.finance.models import LocalTaxAssessment, LocalTaxPayment


def local_tax_assessments_in_force(*, taxpayer_kind: str, taxpayer_id: UUID, on: date) -> list[LocalTaxAssessment]:
    """The taxpayer's assessments that stood on ``on`` (not yet replaced by a correction), oldest due first."""
    return list(
        LocalTaxAssessment.objects.filter(taxpayer_kind=taxpayer_kind, taxpayer_id=taxpayer_id, assessed_on__lte=on)
        .exclude(Q(replaced_by__isnull=False) & Q(replaced_by__assessed_on__lte=on))
        .order_by("due_on", "tax_item", "period", "object_ref")
    )


def local_tax_paid(*, assessment_ids: Iterable[UUID], on: date) -> dict[UUID, int]:
    """How much had been paid against each assessment by the end of ``on``."""
    paid: dict[UUID, int] = defaultdict(int)
    rows = (LocalTaxPayment.objects.filter(assessment_id__in=list(assessment_ids), paid_on__lte=on)
            .values("assessment_id").annotate(total=Sum("amount")).values_list("assessment_id", "total"))
    for assessment_id, total in rows:
        paid[assessment_id] = int(total or 0)
    return paid


def local_tax_assessment_get(*, assessment_id: UUID) -> LocalTaxAssessment | None:
    return LocalTaxAssessment.objects.filter(id=assessment_id).first()


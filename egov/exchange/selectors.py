"""Reads of the gate's data, for the pages and for the public interface."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from egov.exchange.models import AccessRight, Consent, DataProduct, ExchangeLog, Member, Purpose


def products_list(*, active_only: bool = True) -> QuerySet[DataProduct]:
    """The data products, newest version first within a code."""
    found = DataProduct.objects.all()
    return found.filter(active=True) if active_only else found


def purposes_list() -> QuerySet[Purpose]:
    return Purpose.objects.all()


def consents_of(*, resident_id: uuid.UUID) -> QuerySet[Consent]:
    """A person's consents, newest first, revoked and expired ones included (the person's own history)."""
    return Consent.objects.filter(subject_resident_id=resident_id).select_related("purpose")


def rights_list(*, include_revoked: bool = False) -> QuerySet[AccessRight]:
    found = AccessRight.objects.select_related("purpose")
    return found if include_revoked else found.filter(revoked_at__isnull=True)


def log_list(*, limit: int = 100) -> QuerySet[ExchangeLog]:
    return ExchangeLog.objects.defer("request_jws", "response_jws").order_by("-at", "-id")[:limit]


def member_name(code: str) -> str | None:
    """The name of a member organisation of another deployment known from a trusted member registry, or None.

    The federation's member registry fills this in (egov.exchange.federation); until a
    deployment trusts another, no outside member is known.
    """
    return Member.objects.filter(code=code).values_list("name", flat=True).first()

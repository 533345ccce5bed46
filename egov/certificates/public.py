"""certificates: signed civil documents — issuance and public verification (issue 6).

The app's only interface to other apps: ids and plain data in, frozen dataclasses out.
The applications app calls :func:`issue_document` when a case of a service whose
definition names a ``document:`` is approved, and :func:`documents_of_application` to
offer the download on the applicant's page; My Gov shows :func:`wallet_list`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.urls import reverse

from egov.certificates import selectors, services
from egov.certificates.models import IssuedDocument
from egov.certificates.templates_pack import template_exists

__all__ = [
    "IssuedDocumentInfo",
    "WalletEntry",
    "document_issued_for",
    "document_template_exists",
    "documents_of_application",
    "issue_document",
    "wallet_list",
]


@dataclass(frozen=True)
class IssuedDocumentInfo:
    id: UUID
    number: str
    document_type: str
    title: Mapping[str, str]
    issued_at: datetime
    expires_at: datetime
    status: str
    download_url: str


def _info(document: Any) -> IssuedDocumentInfo:
    return IssuedDocumentInfo(
        id=document.id,
        number=document.number,
        document_type=document.document_type,
        title=dict(document.title),
        issued_at=document.issued_at,
        expires_at=document.expires_at,
        status=document.status,
        download_url=reverse("certificates:download", args=[document.id]),
    )


def document_template_exists(document_type: str) -> bool:
    """Whether the country pack has a template for ``document_type`` (services without one issue nothing yet)."""
    return template_exists(document_type)


def issue_document(
    *,
    document_type: str,
    holder_id: UUID,
    subject_resident_ids: list[UUID],
    case_reference: str,
    application_id: UUID | None,
    values: Mapping[str, Any],
    authority: str,
    by: str,
) -> IssuedDocumentInfo:
    """Render, sign, time-stamp and store the document; ``values`` holds ``facts``, ``form``, ``applicant``, ``case``."""
    # The facts are kept with the document so that its e-certificate (SD-JWT VC) states them.
    return _info(
        services.document_issue_with_facts(
            document_type=document_type,
            holder_id=holder_id,
            subject_resident_ids=subject_resident_ids,
            case_reference=case_reference,
            application_id=application_id,
            values=values,
            authority=authority,
            by=by,
        )
    )


def document_issued_for(*, application_id: UUID, document_type: str) -> bool:
    """Whether the application's document of this kind exists (issuing is then not repeated)."""
    return IssuedDocument.objects.filter(application_id=application_id, document_type=document_type).exists()


def documents_of_application(*, application_id: UUID, holder_id: Any) -> list[IssuedDocumentInfo]:
    """The documents issued for an application to its holder (none for anyone else)."""
    return [
        _info(d)
        for d in selectors.documents_for_application(application_id=application_id, holder_id=holder_id)
    ]


@dataclass(frozen=True)
class WalletEntry:
    """One document of a citizen's wallet, as My Gov lists it (the wallet page has the rest)."""

    id: UUID
    number: str
    title: Mapping[str, str]
    status: str  # valid, revoked or expired
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    download_url: str
    wallet_url: str


def wallet_list(*, holder_id: Any) -> list[WalletEntry]:
    """The documents issued to ``holder_id``, newest first, with the status a verifier would see."""
    from egov.certificates import wallet

    return [
        WalletEntry(
            id=d.id,
            number=d.number,
            title=d.title,
            status=d.status,
            issued_at=d.issued_at,
            expires_at=d.expires_at,
            revoked_at=d.revoked_at,
            download_url=d.download_url,
            wallet_url=reverse("certificates:wallet") + f"#document-{d.id}",
        )
        for d in wallet.wallet_documents(holder_id=holder_id, with_shares=False)
    ]


# --- programme KPIs (metrics, issue 8) ----------------------------------------------------------


@dataclass(frozen=True)
class IssuanceTally:
    """Documents issued in one month, of one type (one GROUP BY row); every one is a signed digital original."""

    month: Any  # datetime.date, the first day of the month
    document_type: str
    issued: int
    revoked: int


def issuance_tallies(*, since: datetime, until: datetime) -> list[IssuanceTally]:
    """Documents issued in ``[since, until)``, counted in the database (the metrics app's born-digital KPI)."""
    from django.db.models import Count, Q
    from django.db.models.functions import TruncMonth

    from egov.certificates.models import IssuedDocument

    rows = (
        IssuedDocument.objects.filter(issued_at__gte=since, issued_at__lt=until)
        .annotate(month=TruncMonth("issued_at"))
        .values("month", "document_type")
        .annotate(issued=Count("id"), revoked=Count("id", filter=Q(revoked_at__isnull=False)))
        .order_by("month", "document_type")
    )
    return [
        IssuanceTally(month=row["month"].date() if isinstance(row["month"], datetime) else row["month"],
                      document_type=row["document_type"], issued=row["issued"], revoked=row["revoked"])
        for row in rows
    ]


def document_count() -> int:
    """Every document issued on record."""
    from egov.certificates.models import IssuedDocument

    return IssuedDocument.objects.count()


__all__ += ["IssuanceTally", "document_count", "issuance_tallies"]

"""certificates: signed civil documents — issuance and public verification (issue 6).

The app's only interface to other apps: ids and plain data in, frozen dataclasses out.
The applications app calls :func:`issue_document` when a case of a service whose
definition names a ``document:`` is approved, and :func:`documents_of_application` to
offer the download on the applicant's page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.urls import reverse

from egov.certificates import selectors, services
from egov.certificates.templates_pack import template_exists

__all__ = ["IssuedDocumentInfo", "document_template_exists", "documents_of_application", "issue_document"]


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
    return _info(
        services.document_issue(
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


def documents_of_application(*, application_id: UUID, holder_id: Any) -> list[IssuedDocumentInfo]:
    """The documents issued for an application to its holder (none for anyone else)."""
    return [
        _info(d)
        for d in selectors.documents_for_application(application_id=application_id, holder_id=holder_id)
    ]

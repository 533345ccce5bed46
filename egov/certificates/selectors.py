"""Reads of issued documents for their holder (their application page, the download)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from egov.certificates.models import IssuedDocument


def documents_for_application(*, application_id: UUID, holder_id: Any) -> list[IssuedDocument]:
    """The documents issued for one application, only if ``holder_id`` holds them (anyone else gets none)."""
    return list(
        IssuedDocument.objects.filter(application_id=application_id, holder_id=holder_id)
        .defer("pdf")
        .order_by("issued_at")
    )


def document_for_holder(*, document_id: UUID, holder_id: Any) -> IssuedDocument | None:
    return IssuedDocument.objects.filter(id=document_id, holder_id=holder_id).first()

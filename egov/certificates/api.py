"""The certificates API (mounted at /api/v1/certificates/): document verification for a bank's or an agency's system.

The same verdicts as the public page, in JSON: by confirmation number or by the PDF
itself, sent as ``multipart/form-data``. Anyone may call it (as anyone may open the
page); it shares the page's rate limit per client address and every call is audited
with the holder as subject.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from egov.certificates import services
from egov.core.api_auth import PUBLIC_API
from egov.core.errors import ValidationError

router = Router(tags=["certificates"])


class PublicFactOut(Schema):
    label: dict[str, str]
    value: str


class VerificationOut(Schema):
    verdict: str
    number: str
    document_type: str
    title: dict[str, str]
    authority: str
    issued_at: datetime | None
    expires_at: datetime | None
    public_facts: list[PublicFactOut]


def _out(result: services.VerificationResult) -> VerificationOut:
    return VerificationOut(
        verdict=result.verdict,
        number=result.number,
        document_type=result.document_type,
        title=dict(result.title),
        authority=result.authority,
        issued_at=result.issued_at,
        expires_at=result.expires_at,
        public_facts=[
            PublicFactOut(label=dict(f["label"]), value=str(f["value"])) for f in result.public_facts
        ],
    )


def _caller(request: HttpRequest) -> dict[str, Any]:
    user: Any = getattr(request, "user", None)
    actor = f"user:{user.pk}" if user is not None and user.is_authenticated else "anonymous"
    return {"actor": actor, "source_ip": request.META.get("REMOTE_ADDR") or None}


@router.post(
    "/verify",
    response=VerificationOut,
    auth=PUBLIC_API,
    summary="Verify a document by its confirmation number or its PDF",
)
def verify(
    request: HttpRequest, number: Form[str] = "", file: File[UploadedFile | None] = None
) -> VerificationOut:
    """Verdict ``valid``, ``revoked``, ``expired`` or ``not_valid``, and only the facts the document declares public."""
    if file is not None:
        return _out(services.document_verify_pdf(pdf=file.read(), **_caller(request)))
    if not number:
        raise ValidationError(
            _("Send either the confirmation number (“number”) or the PDF (“file”)."),
            field_errors={"number": [_("Give the 16-digit confirmation number.")]},
        )
    return _out(services.document_verify_number(number=number, **_caller(request)))

"""The certificates API (mounted at /api/v1/certificates/): verification for a bank's or an agency's system, e-certificates.

The same verdicts as the public page, in JSON: by confirmation number or by the PDF
itself, sent as ``multipart/form-data``. Anyone may call it (as anyone may open the
page); it shares the page's rate limit per client address and every call is audited
with the holder as subject.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from egov.certificates import credentials, selectors, services, sharing
from egov.core.api_auth import CITIZEN_API, PUBLIC_API
from egov.core.errors import NotFound, ValidationError

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
    revoked_at: datetime | None = None


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
        revoked_at=services.document_revocation(number=result.number)[0]
        if result.verdict == services.Verdict.REVOKED
        else None,
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


# --- e-certificates (SD-JWT VC) and share links ---------------------------------------------------


class DisclosedFactOut(Schema):
    name: str
    label: dict[str, str]
    value: str


class CredentialVerifyIn(Schema):
    presentation: str
    nonce: str = ""
    audience: str = ""
    require_key_binding: bool = False


class CredentialVerificationOut(Schema):
    verdict: str
    reason: str
    vct: str
    document_type: str
    title: dict[str, str]
    authority: str
    issued_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    key_bound: bool
    facts: list[DisclosedFactOut]


def _credential_out(result: credentials.CredentialVerification) -> CredentialVerificationOut:
    return CredentialVerificationOut(
        verdict=result.verdict,
        reason=result.reason,
        vct=result.vct,
        document_type=result.document_type,
        title=dict(result.title or {}),
        authority=result.authority,
        issued_at=result.issued_at,
        expires_at=result.expires_at,
        revoked_at=result.revoked_at,
        key_bound=result.key_bound,
        facts=[DisclosedFactOut(name=f.name, label=dict(f.label), value=f.value) for f in result.facts],
    )


@router.post(
    "/credentials/verify",
    response=CredentialVerificationOut,
    auth=PUBLIC_API,
    summary="Verify a presented e-certificate (SD-JWT VC, optionally with its Key Binding JWT)",
)
def credential_verify(request: HttpRequest, payload: CredentialVerifyIn) -> CredentialVerificationOut:
    """Chain to the platform root, signature, disclosures, key binding (nonce, audience), revocation and expiry."""
    return _credential_out(
        credentials.credential_verify(
            presentation=payload.presentation,
            nonce=payload.nonce,
            audience=payload.audience,
            require_key_binding=payload.require_key_binding,
            **_caller(request),
        )
    )


class HolderKeyIn(Schema):
    jwk: dict[str, Any]


class CredentialOut(Schema):
    credential_id: UUID
    vct: str
    expires_at: datetime
    sd_jwt: str


@router.post(
    "/documents/{document_id}/credential",
    response=CredentialOut,
    auth=CITIZEN_API,
    summary="Issue the holder's document as an SD-JWT VC bound to the holder app's own key",
)
def credential_for_holder_key(request: HttpRequest, document_id: UUID, payload: HolderKeyIn) -> CredentialOut:
    """For a holder app that keeps its own key: send its public JWK (EC P-256); the VC's ``cnf`` names it."""
    user: Any = request.user
    document = selectors.document_for_holder(document_id=document_id, holder_id=user.pk)
    if document is None:
        raise NotFound("document")
    jwk, thumbprint = credentials.holder_jwk_checked(payload.jwk)
    credential = credentials.credential_issue(
        document=document, holder_jwk=jwk, thumbprint=thumbprint, binding="holder", by=f"user:{user.pk}"
    )
    return CredentialOut(
        credential_id=credential.id,
        vct=credentials.vct_for(document.document_type),
        expires_at=credential.expires_at,
        sd_jwt=credential.sd_jwt,
    )


class ShareOpenIn(Schema):
    nonce: str = ""
    audience: str = ""


class SharedPresentationOut(Schema):
    outcome: str
    presentation: str
    revoked_at: datetime | None
    verification: CredentialVerificationOut | None


@router.post(
    "/shares/{token}/presentation",
    response=SharedPresentationOut,
    auth=PUBLIC_API,
    summary="Fetch the presentation behind a share link (uses one opening)",
)
def share_presentation(request: HttpRequest, token: str, payload: ShareOpenIn) -> SharedPresentationOut:
    """The SD-JWT with only the facts the holder chose; with a ``nonce``, a Key Binding JWT for ``audience`` too.

    ``outcome`` is ``shown``, or why nothing is shown: ``used``, ``expired``,
    ``withdrawn``, ``revoked``, ``not_found``. Each call is recorded for the holder.
    """
    if len(payload.nonce) > 200 or len(payload.audience) > 500:
        raise ValidationError(_("The nonce or the audience is too long."))
    result = sharing.share_open(
        token=token, channel="api", nonce=payload.nonce, audience=payload.audience, **_caller(request)
    )
    return SharedPresentationOut(
        outcome=result.outcome,
        presentation=result.presentation,
        revoked_at=result.revoked_at,
        verification=_credential_out(result.verification) if result.verification else None,
    )

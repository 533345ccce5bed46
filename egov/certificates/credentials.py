"""E-certificates: the facts of an issued document as an SD-JWT VC, and their verification (ADR 0081, 0082).

Each document's facts (every field of its template, captured at issue) can be issued
as an SD-JWT VC: ``vct`` names the document type under the deployment's base URL,
``iss`` is the deployment, ``exp`` the end of the document's verification period,
``cnf.jwk`` the holder's public key, ``jti`` the credential's id (which is how a
verifier learns from us whether it was revoked), and every fact is a salted
disclosure. It is signed (ES256) with the platform's ``document-signing`` key, the
same key that signs the PDF, with the issuing CA's chain in ``x5c`` so a verifier
chains it to the platform root as it does the PDF's signature.

Verification checks, in order: the chain up to the platform root, the signature, the
digest of every presented disclosure, the Key Binding JWT when one is presented (or
required), then the document's status in our database (revoked) and the expiry.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from egov.certificates import sdjwt, signing
from egov.certificates.models import (
    Credential,
    CredentialBinding,
    DocumentFacts,
    DocumentStatus,
    HolderKey,
    IssuedDocument,
)
from egov.core import clock
from egov.core import keys as platform_keys
from egov.core.audit import audit_append
from egov.core.errors import ValidationError

# A Key Binding JWT older than this (or this far in the future) is not accepted: it answers one nonce, now.
KEY_BINDING_MAX_AGE = timedelta(minutes=5)


class Verdict:
    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_VALID = "not_valid"


def vct_for(document_type: str) -> str:
    """The VC type of a document type: a URL under this deployment, e.g. ``…/vct/resident-registration-extract``."""
    return f"{settings.EGOV_BASE_URL.rstrip('/')}/vct/{document_type}"


def issuer_id() -> str:
    return str(settings.EGOV_BASE_URL.rstrip("/"))


# --- facts and holder keys --------------------------------------------------------------------


def facts_of_document(*, document: IssuedDocument, rows: Iterable[Mapping[str, Any]]) -> DocumentFacts:
    """Every fact of ``document`` (name, label, value, public), kept for its e-certificates: the row, not yet stored.

    Issuing stores it in the document's own transaction (``services.document_issue``).
    """
    kept = [
        {"name": r["name"], "label": dict(r["label"]), "value": str(r["value"]), "public": bool(r["public"])}
        for r in rows
    ]
    return DocumentFacts(document=document, rows=json.dumps(kept, ensure_ascii=False))


def facts_of(document: IssuedDocument) -> list[dict[str, Any]]:
    facts = DocumentFacts.objects.filter(document=document).first()
    return list(json.loads(facts.rows)) if facts is not None else []


def holder_key_for(*, holder_id: Any) -> HolderKey:
    """The citizen's web-wallet key, made on first use (ADR 0082: the platform holds it, encrypted)."""
    found = HolderKey.objects.filter(holder_id=holder_id).first()
    if found is not None:
        return found
    key = ECKey.generate_key("P-256")
    try:
        with transaction.atomic():
            return HolderKey.objects.create(
                holder_id=holder_id,
                private_jwk=json.dumps(key.as_dict(private=True)),
                public_jwk=key.as_dict(private=False),
                thumbprint=key.thumbprint(),
            )
    except IntegrityError:  # two first uses at once: the other one's key stands
        return HolderKey.objects.get(holder_id=holder_id)


def holder_private_key(holder_key: HolderKey) -> ECKey:
    return ECKey.import_key(json.loads(holder_key.private_jwk))


def holder_jwk_checked(jwk: Any) -> tuple[dict[str, Any], str]:
    """A holder-supplied public JWK (EC P-256, no private part) and its RFC 7638 thumbprint; else ValidationError."""
    problem = _("Send the holder's public key as a JWK of type EC on the P-256 curve, without its private part.")
    if not isinstance(jwk, Mapping) or jwk.get("kty") != "EC" or jwk.get("crv") != "P-256" or "d" in jwk:
        raise ValidationError(problem, field_errors={"jwk": [problem]})
    try:
        key = ECKey.import_key({k: v for k, v in jwk.items() if k in ("kty", "crv", "x", "y")})
    except (JoseError, ValueError, TypeError):
        raise ValidationError(problem, field_errors={"jwk": [problem]}) from None
    return key.as_dict(private=False), key.thumbprint()


# --- issuing ----------------------------------------------------------------------------------


def _x5c() -> list[str]:
    """The signing certificate and the issuing CA (standard base64 DER, RFC 7515 §4.1.6); the root is the verifier's."""
    chain = platform_keys.certificate_chain(signing.SIGNING_KEY)
    return [base64.b64encode(c.public_bytes(Encoding.DER)).decode("ascii") for c in chain if not _is_root(c)]


def _is_root(certificate: x509.Certificate) -> bool:
    return certificate.subject == certificate.issuer


def _issuer_key() -> ECKey:
    private = platform_keys.load_private_key(signing.SIGNING_KEY)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    return ECKey.import_key(private)


def _usable(document: IssuedDocument) -> None:
    if document.status == DocumentStatus.REVOKED:
        raise ValidationError(_("This document has been revoked; no e-certificate can be issued for it."))
    if clock.now() >= document.expires_at:
        raise ValidationError(_("This document's verification period is over; apply for a new one."))


@transaction.atomic
def credential_issue(
    *, document: IssuedDocument, holder_jwk: Mapping[str, Any], thumbprint: str, binding: str, by: str
) -> Credential:
    """Issue an SD-JWT VC of ``document``'s facts bound to ``holder_jwk``; audited with the holder as subject."""
    _usable(document)
    rows = facts_of(document)
    if not rows:
        raise ValidationError(_("This document was issued before e-certificates existed; apply for a new one."))
    now = clock.now()
    credential = Credential(
        document=document,
        binding=binding,
        holder_jwk=dict(holder_jwk),
        holder_thumbprint=thumbprint,
        issued_at=now,
        expires_at=document.expires_at,
    )
    claims = {
        "iss": issuer_id(),
        "iat": int(now.timestamp()),
        "exp": int(document.expires_at.timestamp()),
        "vct": vct_for(document.document_type),
        "jti": str(credential.id),
        "cnf": {"jwk": dict(holder_jwk)},
    }
    header = {"typ": sdjwt.VC_TYPES[0], "x5c": _x5c()}
    credential.sd_jwt = sdjwt.issue(
        header=header, claims=claims, disclosed={r["name"]: r["value"] for r in rows}, key=_issuer_key()
    )
    credential.save()
    audit_append(
        action="certificate.credential_issued",
        actor=by,
        subject=f"user:{document.holder_id}",
        object_ref=f"document:{document.id}",
        detail={"credential": str(credential.id), "binding": binding, "holder_key": thumbprint},
    )
    return credential


def wallet_credential(*, document: IssuedDocument, by: str) -> Credential:
    """The document's e-certificate bound to the holder's web-wallet key (issued on first need, then kept)."""
    key = holder_key_for(holder_id=document.holder_id)
    found = (
        Credential.objects.filter(
            document=document, binding=CredentialBinding.WALLET, holder_thumbprint=key.thumbprint
        )
        .order_by("-issued_at")
        .first()
    )
    if found is not None:
        return found
    return credential_issue(
        document=document, holder_jwk=key.public_jwk, thumbprint=key.thumbprint, binding=CredentialBinding.WALLET, by=by
    )


# --- verifying --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DisclosedFact:
    name: str
    label: Mapping[str, str]
    value: str


@dataclass(frozen=True)
class CredentialVerification:
    verdict: str
    reason: str = ""
    vct: str = ""
    document_type: str = ""
    title: Mapping[str, str] | None = None
    authority: str = ""
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    facts: tuple[DisclosedFact, ...] = ()
    key_bound: bool = False
    holder_id: Any = None
    document_id: UUID | None = None


def _chain_key(header: Mapping[str, Any]) -> ECKey:
    """The signing key named by ``x5c``, once its chain reaches the platform root and it is our document-signing key."""
    x5c = header.get("x5c")
    if not isinstance(x5c, list) or not 1 <= len(x5c) <= 3 or not all(isinstance(c, str) for c in x5c):
        raise sdjwt.SdJwtError("chain")
    try:
        chain = [x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in x5c]
    except ValueError:
        raise sdjwt.SdJwtError("chain") from None
    root = platform_keys.load_certificate(platform_keys.ROOT)
    if chain[-1] != root:
        chain.append(root)
    now = clock.now()
    for child, parent in zip(chain, chain[1:], strict=False):
        try:
            child.verify_directly_issued_by(parent)
        except (InvalidSignature, ValueError, TypeError):
            raise sdjwt.SdJwtError("chain") from None
    for certificate in chain:
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise sdjwt.SdJwtError("chain")
    leaf = chain[0]
    public = leaf.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey):
        raise sdjwt.SdJwtError("chain")
    # Any certificate under the issuing CA chains to the root; only the document-signing key issues documents.
    try:
        ours = platform_keys.load_certificate(signing.SIGNING_KEY, platform_keys.key_id_of(public))
    except platform_keys.KeyError_:
        raise sdjwt.SdJwtError("chain") from None
    if ours != leaf:
        raise sdjwt.SdJwtError("chain")
    return ECKey.import_key(public)


def _within(kb_iat: Any) -> bool:
    if not isinstance(kb_iat, int):
        return False
    now = clock.now().timestamp()
    return abs(now - kb_iat) <= KEY_BINDING_MAX_AGE.total_seconds()


def presentation_check(
    *, presentation: str, nonce: str = "", audience: str = "", require_key_binding: bool = False
) -> CredentialVerification:
    """The verdict on a presentation, with the facts it discloses; reads only, audits nothing."""
    try:
        parsed = sdjwt.parse(presentation)
        key = _chain_key(sdjwt.unverified_header(parsed.jwt))
        parsed, checked = sdjwt.check(presentation, issuer_key=key)
        kb: dict[str, Any] | None = None
        if parsed.key_binding or require_key_binding:
            if not parsed.key_binding:
                raise sdjwt.SdJwtError("key_binding_missing")
            kb = sdjwt.check_binding(parsed, checked.payload)
            if (nonce and kb.get("nonce") != nonce) or (audience and kb.get("aud") != audience):
                raise sdjwt.SdJwtError("key_binding")
            if not _within(kb.get("iat")):
                raise sdjwt.SdJwtError("key_binding_stale")
    except sdjwt.SdJwtError as error:
        return CredentialVerification(verdict=Verdict.NOT_VALID, reason=error.reason)
    payload = checked.payload
    try:
        credential = Credential.objects.select_related("document").filter(id=UUID(str(payload.get("jti")))).first()
    except ValueError:
        credential = None
    if credential is None or payload.get("iss") != issuer_id():
        return CredentialVerification(verdict=Verdict.NOT_VALID, reason="unknown")
    document = credential.document
    labels = {row["name"]: row["label"] for row in facts_of(document)}
    facts = tuple(
        DisclosedFact(name=name, label=labels.get(name, {"ko": name, "en": name}), value=str(value))
        for name, value in checked.disclosed.items()
    )
    exp = payload.get("exp")
    if document.status == DocumentStatus.REVOKED:
        verdict = Verdict.REVOKED
    elif not isinstance(exp, int) or clock.now().timestamp() >= exp:
        verdict = Verdict.EXPIRED
    else:
        verdict = Verdict.VALID
    shown = verdict == Verdict.VALID
    return CredentialVerification(
        verdict=verdict,
        reason="" if shown else verdict,
        vct=str(payload.get("vct", "")),
        document_type=document.document_type,
        title=dict(document.title),
        authority=document.authority,
        issued_at=document.issued_at,
        expires_at=document.expires_at,
        revoked_at=document.revoked_at,
        # Only a valid credential shows its facts: a revoked or expired one no longer proves them.
        facts=facts if shown else (),
        key_bound=kb is not None,
        holder_id=document.holder_id,
        document_id=document.id,
    )


@transaction.atomic
def credential_verify(
    *,
    presentation: str,
    nonce: str = "",
    audience: str = "",
    require_key_binding: bool = False,
    actor: str = "anonymous",
    source_ip: str | None = None,
) -> CredentialVerification:
    """Verify a presented SD-JWT VC for a verifier; audited with the holder as subject, like every verification."""
    from egov.certificates import services

    if not isinstance(presentation, str) or not presentation.strip() or len(presentation) > 64_000:
        message = _("Send the SD-JWT presentation as text: the issuer-signed JWT, its disclosures, separated by “~”.")
        raise ValidationError(message, field_errors={"presentation": [message]})
    services.verification_throttle(source_ip)
    result = presentation_check(
        presentation=presentation, nonce=nonce, audience=audience, require_key_binding=require_key_binding
    )
    audit_append(
        action="certificate.verified",
        actor=actor,
        source_ip=source_ip,
        subject=f"user:{result.holder_id}" if result.holder_id is not None else None,
        object_ref=f"document:{result.document_id}" if result.document_id else "",
        outcome="success" if result.verdict == Verdict.VALID else "failure",
        detail={
            "how": "credential",
            "verdict": result.verdict,
            "reason": result.reason,
            "disclosed": sorted(f.name for f in result.facts),
        },
    )
    return result

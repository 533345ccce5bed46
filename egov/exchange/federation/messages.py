"""The signed messages between deployments: compact JWS (ES256), the signer's key id in the header.

A request names everything the gate needs and the data subject will see: the request
id, the client and provider member codes, the data product, the purpose, the service,
the consent id or the article that dispenses with consent, the subject's resident
registration number (or, for a product of parcels or buildings, the PNU or road
address), the official or system that asks (``label``) and when (``iat``); and, when
the request has them, the product's parameters (``params``, a mapping) and the
registration number of the applicant on whose behalf it asks (``applicant``), so that
both are covered by the signature (ADR 0110). A request without them carries neither
claim, and signs the same bytes as before they existed.
A response repeats the request id and the SHA-256 of the request it answers (``req``),
so that the pair proves itself; it carries either the released fields or the
refusal's reason code.

The payload is canonical JSON (sorted keys, no spaces) so that the same claims always
sign the same bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.utils.translation import gettext as _
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from egov.core import keys
from egov.core.errors import PermissionDenied
from egov.exchange.gate import REASONS, Refused

KEY_NAME = "exchange-member"
ALGORITHM = "ES256"
REQUEST_TYPE = "egov-exchange-request+jws"
RESPONSE_TYPE = "egov-exchange-response+jws"
REGISTRY_TYPE = "egov-member-registry+jws"

# Refusals decided before the gate: the message itself, its signer or its time.
FEDERATION_REASONS = (
    "malformed", "unknown_member", "certificate_expired", "certificate_revoked", "bad_signature",
    "stale", "wrong_provider", "configuration_expired",
)


def federation_reason_message(reason: str) -> str:
    messages = {
        "malformed": _("The request is not a well-formed signed exchange message."),
        "unknown_member": _("The request is signed by a key of no member this deployment trusts."),
        "certificate_expired": _("The certificate of the key that signed the request is not valid at this time."),
        "certificate_revoked": _("The key that signed the request has been withdrawn by its deployment."),
        "bad_signature": _("The request's signature does not verify."),
        "stale": _("The request's timestamp is too far from this deployment's clock; send a new request."),
        "wrong_provider": _("The request is addressed to another member."),
        "configuration_expired": _(
            "This deployment's copy of the sender's member registry is too old; it must be refreshed first."
        ),
    }
    return messages.get(reason, reason)


class FederationRefused(Refused):
    """A refusal decided before the gate (see :data:`FEDERATION_REASONS`); nothing was released."""

    def __init__(self, reason: str, *, request_id: uuid.UUID) -> None:
        PermissionDenied.__init__(self, federation_reason_message(reason), reason=reason, request_id=str(request_id))
        self.reason = reason
        self.request_id = request_id


def refused(reason: str, *, request_id: uuid.UUID) -> Refused:
    """The exception for a refusal reason, of the gate or of the federation, with its translated message."""
    if reason in REASONS:
        return Refused(reason, request_id=request_id)
    return FederationRefused(reason, request_id=request_id)


class MessageError(Exception):
    """A message that cannot be read or whose signature does not verify (``reason``: a federation reason)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def canonical(claims: dict[str, Any]) -> bytes:
    return json.dumps(claims, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(message: str) -> str:
    """The SHA-256 of a compact JWS as sent, hex: a response names the request it answers by it."""
    return hashlib.sha256(message.encode()).hexdigest()


_signing: dict[int, tuple[Any, ECKey, str]] = {}


def _signing_key() -> tuple[ECKey, str]:
    """The exchange-member key as a JWK, and its key id (cached while the key file is unchanged)."""
    private = keys.load_private_key(KEY_NAME)
    cached = _signing.get(id(private))
    if cached is None or cached[0] is not private:
        _signing.clear()
        kid = keys.key_id_of(private.public_key())
        cached = (private, ECKey.import_key(private), kid)  # type: ignore[arg-type]
        _signing[id(private)] = cached
    return cached[1], cached[2]


def sign(claims: dict[str, Any], *, typ: str) -> str:
    """Sign claims with this deployment's current exchange-member key; the header names its key id."""
    key, kid = _signing_key()
    return jws.serialize_compact({"alg": ALGORITHM, "kid": kid, "typ": typ}, canonical(claims), key,
                                 algorithms=[ALGORITHM])


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def peek(message: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of a compact JWS, unverified (to find the signer's key id); MessageError if unreadable."""
    try:
        header_part, payload_part, _signature = message.split(".")
        header = json.loads(_b64decode(header_part))
        claims = json.loads(_b64decode(payload_part))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise MessageError("malformed") from None
    if not isinstance(header, dict) or not isinstance(claims, dict) or header.get("alg") != ALGORITHM:
        raise MessageError("malformed")
    if not isinstance(header.get("kid"), str):
        raise MessageError("malformed")
    return header, claims


@lru_cache(maxsize=256)
def certificate_from_pem(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


@lru_cache(maxsize=256)
def _verifying_key(pem: str) -> ECKey:
    return ECKey.import_key(certificate_from_pem(pem).public_key())  # type: ignore[arg-type]


def verify(message: str, certificate_pem: str) -> dict[str, Any]:
    """The claims of a compact JWS whose signature verifies with the certificate's key; MessageError otherwise."""
    try:
        verified = jws.deserialize_compact(message, _verifying_key(certificate_pem), algorithms=[ALGORITHM])
        claims = json.loads(verified.payload)
    except (JoseError, ValueError, TypeError):
        raise MessageError("bad_signature") from None
    if not isinstance(claims, dict):
        raise MessageError("malformed")
    return claims


def pem_of(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def key_id_of_pem(pem: str) -> str:
    return keys.key_id_of(certificate_from_pem(pem).public_key())  # type: ignore[arg-type]


def request_claims(
    *, request_id: uuid.UUID, client: str, provider: str, product: str, purpose: str, service: str,
    consent_id: uuid.UUID | None, legal_basis: str, subject_number: str, actor: str, label: str, issued_at: int,
    params: dict[str, Any] | None = None, applicant_number: str = "",
) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "rid": str(request_id), "client": client, "provider": provider, "product": product, "purpose": purpose,
        "service": service, "consent": str(consent_id) if consent_id else None, "basis": legal_basis,
        "subject": subject_number, "actor": actor, "label": label, "iat": issued_at,
    }
    if params:
        claims["params"] = dict(params)
    if applicant_number:
        claims["applicant"] = applicant_number
    return claims


def response_claims(
    *, request_id: str, client: str, provider: str, request_digest: str, issued_at: int, status: str,
    reason: str = "", product: str = "", version: int | None = None, purpose: str = "", data: Any = None,
    released_at: str = "",
) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "rid": request_id, "client": client, "provider": provider, "req": request_digest, "iat": issued_at,
        "status": status,
    }
    if status == "released":
        claims.update(product=product, version=version, purpose=purpose, data=data, released_at=released_at)
    else:
        claims["reason"] = reason
    return claims


REQUIRED_TEXT = ("rid", "client", "provider", "product", "purpose", "service", "subject", "label")


def check_request_claims(claims: dict[str, Any]) -> tuple[uuid.UUID, uuid.UUID | None, int]:
    """The request id, the consent id and the timestamp of verified request claims; MessageError if malformed."""
    try:
        if any(not isinstance(claims.get(name), str) for name in REQUIRED_TEXT):
            raise ValueError
        if not isinstance(claims.get("basis", ""), str) or not isinstance(claims.get("iat"), int):
            raise ValueError
        if not isinstance(claims.get("params", {}), dict) or not isinstance(claims.get("applicant", ""), str):
            raise ValueError
        request_id = uuid.UUID(claims["rid"])
        consent = claims.get("consent")
        consent_id = uuid.UUID(consent) if consent else None
    except (ValueError, TypeError, AttributeError):
        raise MessageError("malformed") from None
    return request_id, consent_id, int(claims["iat"])

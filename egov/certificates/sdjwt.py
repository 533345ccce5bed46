"""A small SD-JWT layer (RFC 9901) on joserfc's JWS: issue, present and check selective disclosures.

joserfc signs and verifies the JWS; what SD-JWT adds is small and is written here
(ADR 0081): salted disclosures ``[salt, name, value]`` whose SHA-256 digests stand in
the payload's ``_sd`` array, the ``~``-separated serialisation, and the Key Binding JWT
(``typ: kb+jwt``) whose ``sd_hash`` ties the holder's signature to the exact
presentation. Only flat, object-property disclosures are made (every claim of a
document is a top-level string), and only ES256 is accepted.

This module knows nothing of documents or of the database: :mod:`egov.certificates.credentials`
puts the platform's claims, keys and revocation status around it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey
from joserfc.jws import JWSRegistry

ALGORITHM = "ES256"
SD_ALG = "sha-256"
# The media type of SD-JWT VC (draft 09 onwards); the earlier "vc+sd-jwt" is still accepted.
VC_TYPES = ("dc+sd-jwt", "vc+sd-jwt")
KB_TYPE = "kb+jwt"


def _registry() -> JWSRegistry:
    """ES256 only; the header may hold the x5c chain (two certificates), beyond joserfc's 512-byte default."""
    registry = JWSRegistry(algorithms=[ALGORITHM])
    registry.max_header_length = 8192
    return registry


REGISTRY = _registry()


class SdJwtError(Exception):
    """A presentation that does not parse or does not hold; ``reason`` is a stable code for the verdict."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def digest(disclosure: str) -> str:
    """The ``_sd`` digest of a disclosure: SHA-256 over its base64url text, as RFC 9901 §4.2.3 says."""
    return b64url(hashlib.sha256(disclosure.encode("ascii")).digest())


def make_disclosure(name: str, value: Any) -> str:
    """A salted disclosure; 128 bits of salt make its digest unguessable from the value."""
    array = [b64url(secrets.token_bytes(16)), name, value]
    return b64url(json.dumps(array, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def read_disclosure(disclosure: str) -> tuple[str, Any]:
    try:
        array = json.loads(b64url_decode(disclosure))
    except (ValueError, UnicodeDecodeError):
        raise SdJwtError("disclosure_malformed") from None
    if not (isinstance(array, list) and len(array) == 3 and all(isinstance(x, str) for x in array[:2])):
        raise SdJwtError("disclosure_malformed")
    if array[1] in ("_sd", "..."):
        raise SdJwtError("disclosure_malformed")
    return array[1], array[2]


def issue(
    *, header: Mapping[str, Any], claims: Mapping[str, Any], disclosed: Mapping[str, Any], key: ECKey
) -> str:
    """``<issuer-signed JWT>~<disclosure>~…~``: every item of ``disclosed`` selectively disclosable.

    The digests are sorted, so their order says nothing about the claims' order.
    """
    disclosures = [make_disclosure(name, value) for name, value in disclosed.items()]
    payload = dict(claims)
    payload["_sd"] = sorted(digest(d) for d in disclosures)
    payload["_sd_alg"] = SD_ALG
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    jwt = jws.serialize_compact({**header, "alg": ALGORITHM}, body, key, algorithms=[ALGORITHM], registry=REGISTRY)
    return jwt + "~" + "".join(d + "~" for d in disclosures)


@dataclass(frozen=True)
class Parsed:
    jwt: str
    disclosures: tuple[str, ...]
    key_binding: str  # "" when the presentation carries none


def parse(sd_jwt: str) -> Parsed:
    text = sd_jwt.strip()
    parts = text.split("~")
    if len(parts) < 2 or not parts[0] or any(not p for p in parts[1:-1]):
        raise SdJwtError("malformed")
    return Parsed(jwt=parts[0], disclosures=tuple(parts[1:-1]), key_binding=parts[-1])


def select(sd_jwt: str, names: Iterable[str]) -> str:
    """The same SD-JWT with only the disclosures of ``names`` (and no key binding): what a holder presents."""
    parsed = parse(sd_jwt)
    wanted = set(names)
    kept = [d for d in parsed.disclosures if read_disclosure(d)[0] in wanted]
    return parsed.jwt + "~" + "".join(d + "~" for d in kept)


def sd_hash(presentation_without_kb: str) -> str:
    return b64url(hashlib.sha256(presentation_without_kb.encode("ascii")).digest())


def bind(presentation: str, *, holder_key: ECKey, audience: str, nonce: str, issued_at: int) -> str:
    """Append a Key Binding JWT: the holder signs the audience, the verifier's nonce and the presentation's hash."""
    without_kb = parse(presentation)
    base = without_kb.jwt + "~" + "".join(d + "~" for d in without_kb.disclosures)
    payload = {"iat": issued_at, "aud": audience, "nonce": nonce, "sd_hash": sd_hash(base)}
    kb = jws.serialize_compact(
        {"alg": ALGORITHM, "typ": KB_TYPE},
        json.dumps(payload, separators=(",", ":")).encode("utf-8"),
        holder_key,
        algorithms=[ALGORITHM],
        registry=REGISTRY,
    )
    return base + kb


def unverified_header(jwt: str) -> dict[str, Any]:
    try:
        header = json.loads(b64url_decode(jwt.split(".", 1)[0]))
    except (ValueError, UnicodeDecodeError):
        raise SdJwtError("malformed") from None
    if not isinstance(header, dict):
        raise SdJwtError("malformed")
    return header


def _verified_payload(jwt: str, key: ECKey, *, typ: Iterable[str], failure: str) -> dict[str, Any]:
    try:
        signature = jws.deserialize_compact(jwt, key, algorithms=[ALGORITHM], registry=REGISTRY)
    except (JoseError, ValueError):
        raise SdJwtError(failure) from None
    if signature.protected.get("typ") not in tuple(typ):
        raise SdJwtError(failure)
    try:
        payload = json.loads(signature.payload)
    except ValueError:
        raise SdJwtError(failure) from None
    if not isinstance(payload, dict):
        raise SdJwtError(failure)
    return payload


@dataclass(frozen=True)
class Checked:
    """What a presentation proves once :func:`check` is through: the payload and the disclosed claims."""

    payload: dict[str, Any]
    disclosed: dict[str, Any] = field(default_factory=dict)
    key_binding: dict[str, Any] | None = None


def check(presentation: str, *, issuer_key: ECKey) -> tuple[Parsed, Checked]:
    """Signature, typ, ``_sd_alg`` and every disclosure's digest; key binding is left to :func:`check_binding`.

    A disclosure whose digest is not in ``_sd`` (changed, or from another credential),
    or a repeated one, makes the whole presentation fail, as RFC 9901 §7.1 requires.
    """
    parsed = parse(presentation)
    payload = _verified_payload(parsed.jwt, issuer_key, typ=VC_TYPES, failure="signature")
    if payload.get("_sd_alg", SD_ALG) != SD_ALG:
        raise SdJwtError("sd_alg")
    digests = payload.get("_sd", [])
    if not isinstance(digests, list):
        raise SdJwtError("malformed")
    known = set(digests)
    seen: set[str] = set()
    disclosed: dict[str, Any] = {}
    for disclosure in parsed.disclosures:
        value = digest(disclosure)
        if value not in known or value in seen:
            raise SdJwtError("disclosure_digest")
        seen.add(value)
        name, claim = read_disclosure(disclosure)
        if name in payload or name in disclosed:
            raise SdJwtError("disclosure_malformed")
        disclosed[name] = claim
    return parsed, Checked(payload=payload, disclosed=disclosed)


def check_binding(parsed: Parsed, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The Key Binding JWT's payload, once signed by the key in ``cnf.jwk`` over this very presentation."""
    jwk = (payload.get("cnf") or {}).get("jwk") if isinstance(payload.get("cnf"), Mapping) else None
    if not isinstance(jwk, Mapping):
        raise SdJwtError("key_binding")
    try:
        holder = ECKey.import_key(dict(jwk))
    except (JoseError, ValueError, TypeError):
        raise SdJwtError("key_binding") from None
    kb = _verified_payload(parsed.key_binding, holder, typ=(KB_TYPE,), failure="key_binding")
    base = parsed.jwt + "~" + "".join(d + "~" for d in parsed.disclosures)
    if kb.get("sd_hash") != sd_hash(base):
        raise SdJwtError("key_binding")
    return kb

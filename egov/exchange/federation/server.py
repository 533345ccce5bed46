"""Answer a signed request from a member of another deployment: check the message, then the gate.

The checks before the gate are about the message: it must be a compact JWS whose key
id names a certificate of a trusted member (``unknown_member``), valid now
(``certificate_expired``) and not withdrawn (``certificate_revoked``), from a member
registry refreshed within its maximum age (``configuration_expired``); its signature
must verify (``bad_signature``), it must be addressed to this deployment's member
(``wrong_provider``) and be recent (``stale``). Such a refusal is an
``exchange.refused`` entry of the audit chain, not a row of the exchange log: the
request id of a message that did not verify must not occupy that id for its real
client.

A verified request goes through the gate like any other (direction ``incoming``, the
signed request kept as evidence); the gate refuses a replayed request id. The answer,
a release or a refusal, is signed with this deployment's exchange-member key and kept
beside the request.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from egov.core import clock
from egov.core.audit import audit_append
from egov.exchange import gate
from egov.exchange.federation import configuration, messages
from egov.exchange.models import ExchangeLog, LogDirection


def _refusal(*, claims: dict[str, Any], request_jws: str, reason: str) -> str:
    return messages.sign(messages.response_claims(
        request_id=str(claims.get("rid", "")), client=str(claims.get("client", "")),
        provider=configuration.own_member_code(), request_digest=messages.digest(request_jws),
        issued_at=int(clock.now().timestamp()), status="refused", reason=reason,
    ), typ=messages.RESPONSE_TYPE)


def _refuse_early(*, claims: dict[str, Any], request_jws: str, reason: str, source_ip: str | None) -> str:
    """Record a refusal decided before the gate (audit entry) and return the signed refusal."""
    claimed = str(claims.get("client", ""))[:60] or "unknown"
    audit_append(
        action="exchange.refused", actor=f"member:{claimed}", actor_label=str(claims.get("label", ""))[:200],
        source_ip=source_ip, purpose=str(claims.get("purpose", ""))[:64],
        object_ref=f"exchange:{str(claims.get('product', ''))[:80]}", outcome="denied",
        detail={"reason": reason, "request": str(claims.get("rid", ""))[:40], "direction": LogDirection.INCOMING},
    )
    return _refusal(claims=claims, request_jws=request_jws, reason=reason)


def _check(request_jws: str) -> tuple[dict[str, Any], str, Any]:
    """The verified claims and the member, or raises MessageError with the federation reason."""
    header, claims = messages.peek(request_jws)
    certificate = configuration.certificate_get(header["kid"])
    if certificate is None or certificate.member.code != claims.get("client"):
        raise messages.MessageError("unknown_member")
    now = clock.now()
    if certificate.revoked_at is not None:
        raise messages.MessageError("certificate_revoked")
    if not certificate.not_before <= now < certificate.not_after:
        raise messages.MessageError("certificate_expired")
    if now - certificate.member.configuration.issued_at > configuration.configuration_max_age():
        raise messages.MessageError("configuration_expired")
    verified = messages.verify(request_jws, certificate.pem)
    return verified, certificate.member.code, certificate.member


def handle_request(request_jws: str, *, source_ip: str | None = None) -> str:
    """Answer one signed request; returns the signed response (a release or a refusal with its reason)."""
    request_jws = request_jws.strip()
    try:
        _header, claims = messages.peek(request_jws)
    except messages.MessageError:
        claims = {}
    try:
        claims, code, member = _check(request_jws)
        request_id, consent_id, issued_at = messages.check_request_claims(claims)
        if claims["provider"] != configuration.own_member_code():
            raise messages.MessageError("wrong_provider")
        if abs(clock.now().timestamp() - issued_at) > settings.EGOV_EXCHANGE_MAX_SKEW_SECONDS:
            raise messages.MessageError("stale")
    except messages.MessageError as error:
        return _refuse_early(claims=claims, request_jws=request_jws, reason=error.reason, source_ip=source_ip)
    own = configuration.own_member_code()
    requester = gate.Requester(organisation_code=code, actor=f"member:{code}",
                               label=f"{member.name} · {claims['label']}"[:300], source_ip=source_ip)

    def respond(release: gate.Release) -> str:
        # Signed inside the gate's transaction, so the response is stored with the log row in one insert.
        return messages.sign(messages.response_claims(
            request_id=str(request_id), client=code, provider=own, request_digest=messages.digest(request_jws),
            issued_at=int(clock.now().timestamp()), status="released", product=release.product,
            version=release.version, purpose=release.purpose, data=release.data,
            released_at=release.released_at.isoformat(),
        ), typ=messages.RESPONSE_TYPE)

    try:
        release = gate.gate_fetch(
            requester=requester, product=claims["product"], purpose=claims["purpose"], service=claims["service"],
            subject_number=claims["subject"], consent_id=consent_id, legal_basis=claims.get("basis") or "",
            request_id=request_id, direction=LogDirection.INCOMING, client=code, provider=own,
            request_jws=request_jws, respond=respond, params=claims.get("params") or {},
            applicant_number=claims.get("applicant") or "",
        )
    except gate.Refused as refusal:
        response_jws = _refusal(claims=claims, request_jws=request_jws, reason=refusal.reason)
        if refusal.reason != "replayed":
            log_id = ExchangeLog.objects.filter(direction=LogDirection.INCOMING, client=code,
                                                request_id=request_id).values_list("id", flat=True).first()
            if log_id is not None:
                gate.log_response(log_id=log_id, response_jws=response_jws)
        return response_jws
    return release.response

"""Evidence files: one exchange between deployments, exported so that anyone can verify it offline.

An evidence file is JSON holding the signed request, the signed response, and the
signed member registries of both members (which carry their certificates and the chain
to each deployment's root CA). :func:`evidence_verify` needs nothing else: no network,
no database. It checks each registry under its own root CA and reports the root
fingerprints, which the verifier compares with the anchors they trust (or passes as
``anchors`` to have them checked); then the request's signature by the client's key
valid at the time it was made, the response's signature by the provider's key, and
that the response answers that very request (request id and SHA-256).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _

from egov.core.errors import NotFound, ValidationError
from egov.exchange.federation import configuration, messages
from egov.exchange.models import ExchangeLog, LogDirection, Member

FORMAT = "egov-exchange-evidence/1"


class EvidenceInvalid(ValidationError):
    code = "exchange_evidence_invalid"


@dataclass(frozen=True)
class EvidenceReport:
    request_id: str
    client: str
    provider: str
    product: str
    purpose: str
    service: str
    consent: str
    legal_basis: str
    subject_masked: str
    label: str
    requested_at: datetime
    answered_at: datetime
    status: str
    reason: str
    anchors: tuple[str, ...]


def evidence_export(*, request_id: uuid.UUID) -> dict[str, Any]:
    """The evidence file of an exchange this deployment took part in (sent or answered)."""
    row = (ExchangeLog.objects.filter(request_id=request_id,
                                      direction__in=[LogDirection.OUTGOING, LogDirection.INCOMING])
           .order_by("-at").first())
    if row is None or not row.request_jws or not row.response_jws:
        raise NotFound(_("No signed exchange with request id %(id)s is kept here.") % {"id": request_id})
    other = row.provider if row.direction == LogDirection.OUTGOING else row.client
    member = Member.objects.select_related("configuration").filter(code=other).first()
    if member is None:
        raise NotFound(_("The member registry of %(member)s is no longer trusted here.") % {"member": other})
    return {
        "format": FORMAT,
        "request_id": str(request_id),
        "kept_by": configuration.own_member_code(),
        "request": row.request_jws,
        "response": row.response_jws,
        "registries": [configuration.own_configuration(), member.configuration.jws],
    }


def _invalid(message: str) -> EvidenceInvalid:
    return EvidenceInvalid(message)


def _signer(message: str, keys_by_id: dict[tuple[str, str], Any], member: str) -> tuple[dict[str, Any], Any]:
    """The verified claims of ``message`` and the certificate that signed it, which must be ``member``'s."""
    try:
        header, _claims = messages.peek(message)
    except messages.MessageError:
        raise _invalid(_("The evidence holds a message that is not a signed exchange message.")) from None
    certificate = keys_by_id.get((member, header["kid"]))
    if certificate is None:
        raise _invalid(_("No registry in the evidence lists the key that signed the message of %(member)s.")
                       % {"member": member})
    try:
        claims = messages.verify(message, certificate.pem)
    except messages.MessageError:
        raise _invalid(_("The signature of the message of %(member)s does not verify.") % {"member": member}) from None
    issued = claims.get("iat")
    if not isinstance(issued, int):
        raise _invalid(_("The evidence holds a message that is not a signed exchange message."))
    moment = datetime.fromtimestamp(issued, tz=UTC)
    if not certificate.not_before <= moment < certificate.not_after:
        raise _invalid(_("The key of %(member)s was not certified when the message was signed.") % {"member": member})
    return claims, certificate


def _mask(number: str) -> str:
    return number[:6] + "-" + "*" * 7 if len(number) >= 6 else "*" * len(number)


def evidence_verify(document: str | bytes, *, anchors: list[str] | None = None) -> EvidenceReport:
    """Verify an evidence file offline; returns what it proves, or raises :class:`EvidenceInvalid`."""
    try:
        evidence = json.loads(document)
    except ValueError:
        raise _invalid(_("This is not an evidence file.")) from None
    if not isinstance(evidence, dict) or evidence.get("format") != FORMAT:
        raise _invalid(_("This is not an evidence file."))
    request, response = evidence.get("request"), evidence.get("response")
    registries = evidence.get("registries")
    if not isinstance(request, str) or not isinstance(response, str) or not isinstance(registries, list):
        raise _invalid(_("This is not an evidence file."))
    keys_by_id: dict[tuple[str, str], Any] = {}
    found_anchors: list[str] = []
    for registry in registries:
        parsed = configuration.parse_configuration(str(registry), anchor=None)
        found_anchors.append(parsed.anchor)
        for member in parsed.members:
            for certificate in member.certificates:
                keys_by_id[(member.code, certificate.key_id)] = certificate
    if anchors:
        wanted = {configuration.normalise_anchor(a) for a in anchors}
        strangers = [a for a in found_anchors if a not in wanted]
        if strangers:
            raise _invalid(_("A registry in the evidence has root CA %(anchor)s, which is not among the anchors given.")
                           % {"anchor": strangers[0]})
    try:
        _header, claimed = messages.peek(request)
    except messages.MessageError:
        raise _invalid(_("The evidence holds a message that is not a signed exchange message.")) from None
    asked, _cert = _signer(request, keys_by_id, str(claimed.get("client", "")))
    answer, _cert = _signer(response, keys_by_id, str(asked.get("provider", "")))
    if answer.get("rid") != asked.get("rid") or answer.get("req") != messages.digest(request):
        raise _invalid(_("The response in the evidence does not answer its request."))
    return EvidenceReport(
        request_id=str(asked.get("rid")), client=str(asked.get("client")), provider=str(asked.get("provider")),
        product=str(asked.get("product")), purpose=str(asked.get("purpose")), service=str(asked.get("service")),
        consent=str(asked.get("consent") or ""), legal_basis=str(asked.get("basis") or ""),
        subject_masked=_mask(str(asked.get("subject", ""))), label=str(asked.get("label", "")),
        requested_at=datetime.fromtimestamp(asked["iat"], tz=UTC),
        answered_at=datetime.fromtimestamp(answer["iat"], tz=UTC), status=str(answer.get("status")),
        reason=str(answer.get("reason") or ""), anchors=tuple(found_anchors),
    )

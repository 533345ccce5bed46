"""Sharing a document through a link or QR code: chosen facts only, for a limited time and number of openings.

The citizen picks the facts a bank or an agency needs, how long the link lives
(``EGOV_CERTIFICATE_SHARE_HOURS``, 24 by default) and how many times it may be opened
(once by default). The link carries ``secrets.token_urlsafe(32)`` (256 bits); only its
SHA-256 finds the link. Opening it presents the wallet's SD-JWT VC with only the chosen
disclosures, verified like any presentation, so the page shows exactly the facts the
presentation proves. A verifier system fetches the same presentation through the API,
with a Key Binding JWT over its nonce and audience signed by the web wallet's key.

The page at the link first shows a button: opening is a POST, so a messenger's link
preview or a mail scanner fetching the URL does not use up a one-time link.

Every attempt is recorded (:class:`ShareOpening`), shown or refused, and is an audit
entry whose subject is the holder: the wallet page lists each time a link was opened.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from egov.certificates import credentials, sdjwt
from egov.certificates.credentials import CredentialVerification, DisclosedFact
from egov.certificates.models import DocumentStatus, IssuedDocument, ShareLink, ShareOpening
from egov.core import clock
from egov.core.audit import audit_append
from egov.core.errors import NotFound, ValidationError

MAX_OPENS = 10
MAX_HOURS = 24 * 30


class Outcome:
    SHOWN = "shown"
    USED = "used"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    REVOKED = "revoked"
    NOT_FOUND = "not_found"


def default_hours() -> int:
    return int(getattr(settings, "EGOV_CERTIFICATE_SHARE_HOURS", 24))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def share_url(token: str) -> str:
    return settings.EGOV_BASE_URL.rstrip("/") + reverse("certificates:shared", args=[token])


def _int(value: Any, *, default: int) -> int | None:
    if value in (None, ""):
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        return None


@transaction.atomic
def share_create(
    *,
    document_id: UUID,
    holder_id: Any,
    fields: Iterable[str],
    max_opens: Any = 1,
    hours: Any = None,
    recipient: str = "",
    by: str,
) -> tuple[ShareLink, str]:
    """A new share link of the holder's document; returns it and its token (the only time the caller sees it in clear).

    Bad input (no fact chosen, an unknown fact, openings or hours out of range, a
    revoked or expired document) is a ValidationError naming the field, and creates nothing.
    """
    document = IssuedDocument.objects.select_for_update().filter(id=document_id, holder_id=holder_id).first()
    if document is None:
        raise NotFound("document")
    names = {row["name"] for row in credentials.facts_of(document)}
    chosen = [name for name in dict.fromkeys(fields)]
    errors: dict[str, list[str]] = {}
    if not chosen:
        errors["fields"] = [_("Choose at least one fact to share.")]
    elif not set(chosen) <= names:
        errors["fields"] = [_("Choose only facts printed on this document.")]
    opens = _int(max_opens, default=1)
    if opens is None or not 1 <= opens <= MAX_OPENS:
        errors["max_opens"] = [_("The link can be opened from 1 to %(max)d times.") % {"max": MAX_OPENS}]
    lifetime = _int(hours, default=default_hours())
    if lifetime is None or not 1 <= lifetime <= MAX_HOURS:
        errors["hours"] = [_("The link can last from 1 hour to %(max)d hours.") % {"max": MAX_HOURS}]
    recipient = (recipient or "").strip()
    if len(recipient) > 100:
        errors["recipient"] = [_("Write the recipient in 100 characters or fewer.")]
    if errors:
        raise ValidationError(_("The link was not created: correct the marked fields."), field_errors=errors)
    assert opens is not None and lifetime is not None
    credential = credentials.wallet_credential(document=document, by=by)  # refuses a revoked or expired document
    token = secrets.token_urlsafe(32)
    now = clock.now()
    link = ShareLink.objects.create(
        document=document,
        credential=credential,
        token_hash=_digest(token),
        token=token,
        fields=chosen,
        recipient=recipient,
        max_opens=opens,
        expires_at=min(now + timedelta(hours=lifetime), document.expires_at),
    )
    audit_append(
        action="certificate.shared",
        actor=by,
        subject=f"user:{document.holder_id}",
        object_ref=f"document:{document.id}",
        detail={"link": str(link.id), "fields": chosen, "max_opens": opens, "hours": lifetime},
    )
    return link, token


@transaction.atomic
def share_withdraw(*, link_id: UUID, holder_id: Any, by: str) -> ShareLink:
    """End a link before its time: it opens no more."""
    link = ShareLink.objects.select_for_update().filter(id=link_id, document__holder_id=holder_id).first()
    if link is None:
        raise NotFound("share link")
    if link.withdrawn_at is None:
        link.withdrawn_at = clock.now()
        link.save(update_fields=["withdrawn_at", "updated_at"])
        audit_append(
            action="certificate.share_withdrawn",
            actor=by,
            subject=f"user:{holder_id}",
            object_ref=f"document:{link.document_id}",
            detail={"link": str(link.id)},
        )
    return link


@dataclass(frozen=True)
class ShareResult:
    """What opening a link gives: an outcome, and only when shown, the presentation and what it proves."""

    outcome: str
    verification: CredentialVerification | None = None
    presentation: str = ""
    recipient: str = ""
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def facts(self) -> tuple[DisclosedFact, ...]:
        return self.verification.facts if self.verification else ()


def _refusal(link: ShareLink, now: datetime) -> str:
    document = link.document
    if document.status == DocumentStatus.REVOKED:
        return Outcome.REVOKED
    if link.withdrawn_at is not None:
        return Outcome.WITHDRAWN
    if now >= link.expires_at or now >= document.expires_at:
        return Outcome.EXPIRED
    if link.opens >= link.max_opens:
        return Outcome.USED
    return ""


def share_peek(*, token: str) -> ShareResult:
    """Whether a link would open (the page's first look, before the button): counts and records nothing."""
    link = ShareLink.objects.select_related("document").filter(token_hash=_digest(token)).first()
    if link is None:
        return ShareResult(outcome=Outcome.NOT_FOUND)
    refusal = _refusal(link, clock.now())
    return ShareResult(outcome=refusal or Outcome.SHOWN, recipient=link.recipient, expires_at=link.expires_at)


@transaction.atomic
def share_open(
    *,
    token: str,
    channel: str,
    nonce: str = "",
    audience: str = "",
    actor: str = "anonymous",
    source_ip: str | None = None,
) -> ShareResult:
    """Open a link: one opening used, the presentation of the chosen facts verified and returned.

    A link that is used up, expired, withdrawn, or whose document was revoked, shows
    nothing; the attempt is recorded all the same so that the holder sees it. With a
    ``nonce`` (the API), the presentation carries a Key Binding JWT for ``audience``.
    """
    from egov.certificates import services

    services.verification_throttle(source_ip)
    link = ShareLink.objects.select_for_update().select_related("document", "credential").filter(
        token_hash=_digest(token)
    ).first()
    if link is None:
        audit_append(action="certificate.share_opened", actor=actor, source_ip=source_ip, outcome="failure",
                     detail={"outcome": Outcome.NOT_FOUND, "channel": channel})
        return ShareResult(outcome=Outcome.NOT_FOUND)
    now = clock.now()
    outcome = _refusal(link, now) or Outcome.SHOWN
    result = ShareResult(outcome=outcome, recipient=link.recipient, expires_at=link.expires_at,
                         revoked_at=link.document.revoked_at)
    if outcome == Outcome.SHOWN:
        presentation = sdjwt.select(link.credential.sd_jwt, link.fields)
        if nonce:
            holder = credentials.holder_key_for(holder_id=link.document.holder_id)
            presentation = sdjwt.bind(
                presentation,
                holder_key=credentials.holder_private_key(holder),
                audience=audience or share_url(token),
                nonce=nonce,
                issued_at=int(now.timestamp()),
            )
        verification = credentials.presentation_check(presentation=presentation, nonce=nonce)
        if verification.verdict != credentials.Verdict.VALID:  # pragma: no cover - refused above already
            outcome = verification.verdict
            result = ShareResult(outcome=outcome)
        else:
            link.opens += 1
            link.save(update_fields=["opens", "updated_at"])
            result = ShareResult(outcome=outcome, verification=verification, presentation=presentation,
                                 recipient=link.recipient, expires_at=link.expires_at)
    ShareOpening.objects.create(link=link, opened_at=now, channel=channel, outcome=outcome)
    audit_append(
        action="certificate.share_opened",
        actor=actor,
        source_ip=source_ip,
        subject=f"user:{link.document.holder_id}",
        object_ref=f"document:{link.document_id}",
        outcome="success" if outcome == Outcome.SHOWN else "failure",
        detail={"link": str(link.id), "outcome": outcome, "channel": channel,
                "disclosed": list(link.fields) if outcome == Outcome.SHOWN else []},
    )
    return result

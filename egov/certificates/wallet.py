"""The citizen's document wallet (전자문서지갑): reads for their wallet page and for My Gov.

Every document issued to the holder, newest first, with its status as a verifier would
see it (valid, revoked with the date and cause, expired), the signed PDF, the
e-certificate when the document's facts were kept at issue, and the links the holder
shared with each time they were opened. Only the holder's own documents are read.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import qrcode
import qrcode.image.svg
from django.urls import reverse

from egov.certificates import credentials, sharing
from egov.certificates.models import DocumentFacts, DocumentStatus, IssuedDocument, ShareLink
from egov.core import clock


@dataclass(frozen=True)
class WalletOpening:
    opened_at: datetime
    channel: str
    outcome: str


@dataclass(frozen=True)
class WalletShare:
    id: UUID
    recipient: str
    fields: tuple[Mapping[str, str], ...]  # the labels of the shared facts
    max_opens: int
    opens: int
    created_at: datetime
    expires_at: datetime
    state: str  # active, used, expired, withdrawn, revoked
    url: str  # only while active
    qr_data_uri: str  # only while active
    openings: tuple[WalletOpening, ...]


@dataclass(frozen=True)
class WalletDocument:
    id: UUID
    number: str
    document_type: str
    title: Mapping[str, str]
    authority: str
    issued_at: datetime
    expires_at: datetime
    status: str  # valid, revoked, expired
    revoked_at: datetime | None
    revocation_cause: str
    download_url: str
    credential_url: str  # "" when no e-certificate can be issued
    share_url: str  # "" when the document can no longer be shared
    shares: tuple[WalletShare, ...]


def document_status(document: IssuedDocument) -> str:
    if document.status == DocumentStatus.REVOKED:
        return "revoked"
    if clock.now() >= document.expires_at:
        return "expired"
    return "valid"


def qr_data_uri(url: str) -> str:
    """A QR code of ``url`` as an SVG data URI (an ``<img>`` with alt text, no script)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _share_state(link: ShareLink, document: IssuedDocument, now: datetime) -> str:
    if document.status == DocumentStatus.REVOKED:
        return "revoked"
    if link.withdrawn_at is not None:
        return "withdrawn"
    if now >= link.expires_at:
        return "expired"
    if link.opens >= link.max_opens:
        return "used"
    return "active"


def _shares(document: IssuedDocument, labels: Mapping[str, Mapping[str, str]], now: datetime) -> tuple[WalletShare, ...]:
    found = []
    for link in document.share_links.all().order_by("-created_at").prefetch_related("openings"):
        state = _share_state(link, document, now)
        url = sharing.share_url(link.token) if state == "active" else ""
        found.append(
            WalletShare(
                id=link.id,
                recipient=link.recipient,
                fields=tuple(dict(labels.get(name, {"ko": name, "en": name})) for name in link.fields),
                max_opens=link.max_opens,
                opens=link.opens,
                created_at=link.created_at,
                expires_at=link.expires_at,
                state=state,
                url=url,
                qr_data_uri=qr_data_uri(url) if url else "",
                openings=tuple(
                    WalletOpening(opened_at=o.opened_at, channel=o.channel, outcome=o.outcome)
                    for o in link.openings.all()
                ),
            )
        )
    return tuple(found)


def wallet_documents(*, holder_id: Any, with_shares: bool = True) -> list[WalletDocument]:
    """The holder's documents, newest first (nobody else's)."""
    now = clock.now()
    documents = list(IssuedDocument.objects.filter(holder_id=holder_id).defer("pdf").order_by("-issued_at"))
    with_facts = set(
        DocumentFacts.objects.filter(document__in=documents).values_list("document_id", flat=True)
    )
    found = []
    for document in documents:
        status = document_status(document)
        labels = (
            {row["name"]: row["label"] for row in credentials.facts_of(document)}
            if with_shares and document.id in with_facts
            else {}
        )
        usable = status == "valid" and document.id in with_facts
        found.append(
            WalletDocument(
                id=document.id,
                number=document.number,
                document_type=document.document_type,
                title=dict(document.title),
                authority=document.authority,
                issued_at=document.issued_at,
                expires_at=document.expires_at,
                status=status,
                revoked_at=document.revoked_at,
                revocation_cause=document.revocation_cause,
                download_url=reverse("certificates:download", args=[document.id]),
                credential_url=reverse("certificates:credential", args=[document.id]) if usable else "",
                share_url=reverse("certificates:share_new", args=[document.id]) if usable else "",
                shares=_shares(document, labels, now) if with_shares else (),
            )
        )
    return found


def shareable_facts(*, document_id: UUID, holder_id: Any) -> tuple[IssuedDocument, list[dict[str, Any]]] | None:
    """The holder's document and its facts (name, label, value), for the share form; None if not theirs."""
    document = IssuedDocument.objects.filter(id=document_id, holder_id=holder_id).defer("pdf").first()
    if document is None:
        return None
    return document, credentials.facts_of(document)

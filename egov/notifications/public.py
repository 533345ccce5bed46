"""The notifications app's interface to other apps: ids in, frozen dataclasses out.

``send`` is how any app tells a person something. The inbox copy is written at once,
in the caller's transaction; every other channel is delivered by the background
worker, so the sender's transaction only pays for a few inserts. Pass an
``idempotency_key`` derived from what the message is about (``"applications:decided:<case id>"``):
the same key never sends twice, so a retried request or a task run again after a
crash cannot message a person twice.

Channels today: ``"inbox"`` (always written, whatever is asked) and ``"outbox"``, the
local implementation of the external channels, which operators read at
``/notifications/outbox/``. E-mail and SMS arrive with the notifications issue, as
further channels behind the same function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from egov.notifications import selectors, services
from egov.notifications.models import Channel, Message

CHANNELS: tuple[str, ...] = tuple(Channel.values)


@dataclass(frozen=True)
class MessageRef:
    """One channel's copy of a sent message and its delivery status (pending, delivered, failed)."""

    message_id: UUID
    channel: str
    status: str


@dataclass(frozen=True)
class InboxItem:
    id: UUID
    subject: str
    body: str
    created_at: datetime
    read: bool


def _refs(message: Message) -> list[MessageRef]:
    sent = getattr(message, "sent_deliveries", None)
    deliveries = sorted(sent, key=lambda d: d.channel) if sent is not None else message.deliveries.order_by("channel")
    return [MessageRef(message_id=message.id, channel=d.channel, status=d.status) for d in deliveries]


def _item(message: Message) -> InboxItem:
    return InboxItem(
        id=message.id, subject=message.subject, body=message.body, created_at=message.created_at, read=message.read
    )


def send(
    *,
    recipient_user_id: UUID,
    subject: str,
    body: str,
    channels: Sequence[str] = ("inbox",),
    category: str = "general",
    idempotency_key: str | None = None,
) -> list[MessageRef]:
    """Send a message to one person; returns one reference per channel (the inbox's always among them).

    Raises ``egov.core.errors.ValidationError`` for an empty subject or body, an unknown
    channel or recipient, and ``Conflict`` for a key already used for someone else.
    """
    message = services.message_send(
        recipient_user_id=recipient_user_id,
        subject=subject,
        body=body,
        channels=channels,
        category=category,
        idempotency_key=idempotency_key,
    )
    return _refs(message)


def inbox_list(user_id: UUID, limit: int = 20) -> list[InboxItem]:
    """The person's latest messages, newest first."""
    return [_item(m) for m in selectors.inbox_list(user_id=user_id, limit=limit)]


def inbox_unread_count(user_id: UUID) -> int:
    return selectors.inbox_unread_count(user_id=user_id)


__all__ = ["CHANNELS", "InboxItem", "MessageRef", "inbox_list", "inbox_unread_count", "send"]

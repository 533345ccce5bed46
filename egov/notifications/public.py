"""The notifications app's interface to other apps: ids in, frozen dataclasses out.

``send`` is how any app tells a person something; ``send_template`` does it from a
template that officials manage, filled with ``personalisation``. The inbox copy is
written at once, in the caller's transaction; every other channel is delivered by the
background worker, so the sender's transaction only pays for a few inserts. Pass an
``idempotency_key`` derived from what the message is about
(``"applications:decided:<case id>"``): the same key never sends twice, so a retried
request or a task run again after a crash cannot message a person twice.

Channels: ``"inbox"`` (always written), ``"email"`` (SMTP, or the outbox where no
server is configured), ``"sms"`` and ``"messenger"`` (the outbox until a gateway is
contracted), and ``"outbox"`` itself. ``channels=None`` uses the person's own choice
from their preferences. A person who opted out of a category the law does not require
gets nothing: ``send`` then returns an empty list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from egov.notifications import selectors, services
from egov.notifications.models import Channel, Message

CHANNELS: tuple[str, ...] = tuple(Channel.values)
# Each channel's name as people read it (translated lazily).
CHANNEL_LABELS: tuple[tuple[str, Any], ...] = tuple(Channel.choices)


@dataclass(frozen=True)
class MessageRef:
    """One channel's copy of a sent message and its delivery status (created, sending, delivered, failed)."""

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
    link: str = ""


@dataclass(frozen=True)
class MessagePreferences:
    """How a person wants to be told (for My Gov)."""

    channels: tuple[str, ...]
    phone_set: bool
    opted_out: tuple[str, ...]
    subscriptions: tuple[str, ...]


@dataclass(frozen=True)
class NoticeRule:
    id: str
    name: str
    description: str


def _refs(message: Message | None) -> list[MessageRef]:
    if message is None:
        return []
    sent = getattr(message, "sent_deliveries", None)
    deliveries = sorted(sent, key=lambda d: d.channel) if sent is not None else message.deliveries.order_by("channel")
    return [MessageRef(message_id=message.id, channel=d.channel, status=d.status) for d in deliveries]


def _item(message: Message) -> InboxItem:
    return InboxItem(
        id=message.id, subject=message.subject, body=message.body, created_at=message.created_at, read=message.read,
        link=message.link,
    )


def send(
    *,
    recipient_user_id: UUID,
    subject: str,
    body: str,
    channels: Sequence[str] | None = ("inbox",),
    category: str = "general",
    idempotency_key: str | None = None,
    link: str = "",
) -> list[MessageRef]:
    """Send a message to one person; returns one reference per channel (the inbox's always among them).

    ``channels=None`` sends on the channels the person chose. Raises
    ``egov.core.errors.ValidationError`` for an empty subject or body, an unknown
    channel or recipient, and ``Conflict`` for a key already used for someone else.
    """
    message = services.message_send(
        recipient_user_id=recipient_user_id,
        subject=subject,
        body=body,
        channels=channels,
        category=category,
        idempotency_key=idempotency_key,
        link=link,
    )
    return _refs(message)


# One message of :func:`send_many`: what :func:`send` takes, the key required (``None`` only where send allows it).
Outgoing = services.Draft


def send_many(messages: Sequence[Outgoing]) -> list[list[MessageRef]]:
    """Send several messages in the caller's transaction, each as :func:`send` would; one list of refs each.

    For the messages one step of work sends together (an application's receipt and its
    automatic decision): written in one insert of the messages and one of their
    deliveries where the database allows.
    """
    sent = services.messages_send(drafts=messages)
    return [_refs(message) for message in sent]


def send_template(
    *,
    recipient_user_id: UUID,
    template_id: str,
    personalisation: Mapping[str, Any],
    idempotency_key: str | None = None,
    channels: Sequence[str] | None = None,
    language: str | None = None,
    link: str = "",
) -> list[MessageRef]:
    """Send the current version of a template (``${name}`` placeholders filled from ``personalisation``)."""
    message = services.message_send_template(
        recipient_user_id=recipient_user_id, template_key=template_id, personalisation=personalisation,
        idempotency_key=idempotency_key, channels=channels, language=language, link=link,
    )
    return _refs(message)


def inbox_list(user_id: UUID, limit: int = 20) -> list[InboxItem]:
    """The person's latest messages, newest first."""
    return [_item(m) for m in selectors.inbox_list(user_id=user_id, limit=limit)]


def inbox_unread_count(user_id: UUID) -> int:
    return selectors.inbox_unread_count(user_id=user_id)


def preferences_of(user_id: UUID) -> MessagePreferences:
    preference = selectors.preference_get(user_id=user_id)
    return MessagePreferences(
        channels=tuple(preference.channels()) if preference else (Channel.INBOX.value,),
        phone_set=bool(preference and preference.phone),
        opted_out=tuple(preference.opted_out) if preference else (),
        subscriptions=tuple(selectors.subscriptions_of(user_id=user_id)),
    )


def category_names(language: str) -> dict[str, str]:
    """The message categories by code, named in ``language``."""
    return {c.code: (c.name_en if language.startswith("en") else c.name_ko) for c in selectors.categories_list()}


def notice_rules(language: str) -> list[NoticeRule]:
    """The proactive notices a person can subscribe to (the country pack's rules)."""
    from egov.notifications import notices

    return [NoticeRule(id=r.id, name=r.name.get(language), description=r.description.get(language)) for r in notices.rules()]


def subscriptions_set(*, user_id: UUID, rules: Sequence[str]) -> list[str]:
    """Subscribe a person to exactly these proactive notices (ids of the country pack's rules)."""
    from egov.notifications import notices

    return services.subscriptions_set(user_id=user_id, rules=rules, known_rules=notices.rule_ids(), by=f"user:{user_id}")


def notices_run(*, run_date: date) -> int:
    """Evaluate the proactive notices for ``run_date`` now (the daily job does it each morning); returns how many were sent."""
    from egov.notifications import notices

    return notices.notices_evaluate(run_date=run_date)


def load_notices_pack() -> None:
    """Bootstrap step (settings.EGOV_BOOTSTRAP_STEPS): message categories and first template versions."""
    from egov.notifications import notices

    notices.load_notices_pack()


__all__ = [
    "CHANNELS",
    "CHANNEL_LABELS",
    "InboxItem",
    "MessagePreferences",
    "MessageRef",
    "NoticeRule",
    "Outgoing",
    "category_names",
    "inbox_list",
    "inbox_unread_count",
    "load_notices_pack",
    "notice_rules",
    "notices_run",
    "preferences_of",
    "send",
    "send_many",
    "send_template",
    "subscriptions_set",
]


# --- programme KPIs (metrics, issue 8) ----------------------------------------------------------


@dataclass(frozen=True)
class MessageTally:
    """Messages sent in one month in one category (a GROUP BY row), and how many their recipient opened."""

    month: date
    category: str
    sent: int
    opened: int


def message_tallies(*, since: datetime, until: datetime) -> list[MessageTally]:
    """Messages created in ``[since, until)``, counted in the database; "opened" is a message read in the inbox."""
    from django.db.models import Count, Q
    from django.db.models.functions import TruncMonth

    rows = (
        Message.objects.filter(created_at__gte=since, created_at__lt=until)
        .annotate(month=TruncMonth("created_at"))
        .values("month", "category")
        .annotate(sent=Count("id"), opened=Count("id", filter=Q(read_at__isnull=False)))
        .order_by("month", "category")
    )
    return [
        MessageTally(month=row["month"].date() if isinstance(row["month"], datetime) else row["month"],
                     category=row["category"], sent=row["sent"], opened=row["opened"])
        for row in rows
    ]


def delivery_outcomes() -> dict[tuple[str, str], int]:
    """Deliveries by (channel, status) over all time, for ``/metrics`` (operations)."""
    from django.db.models import Count

    from egov.notifications.models import Delivery

    return {(row["channel"], row["status"]): row["n"]
            for row in Delivery.objects.values("channel", "status").annotate(n=Count("id")).order_by()}


def message_count() -> int:
    """Every message on record."""
    return Message.objects.count()


__all__ += ["MessageTally", "delivery_outcomes", "message_count", "message_tallies"]


def inbox_mark_all_read(*, user_id: UUID) -> int:
    """Mark every unread message of a person read, as opening each would (``egov simulate``'s residents reading)."""
    from egov.core import clock

    return Message.objects.filter(recipient_id=user_id, read_at__isnull=True).update(read_at=clock.now())


__all__ += ["inbox_mark_all_read"]

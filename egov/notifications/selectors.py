"""Reads of the notifications app."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from egov.notifications.models import (
    Category,
    Channel,
    Delivery,
    DeliveryStatus,
    Message,
    OutboxEntry,
    Preference,
    Subscription,
    Template,
)


def inbox_list(*, user_id: UUID, limit: int) -> QuerySet[Message]:
    return Message.objects.filter(recipient_id=user_id).order_by("-created_at")[: max(limit, 0)]


def inbox_unread_count(*, user_id: UUID) -> int:
    return Message.objects.filter(recipient_id=user_id, read_at__isnull=True).count()


def outbox_list(*, limit: int = 100) -> QuerySet[OutboxEntry]:
    return OutboxEntry.objects.select_related("delivery__message").order_by("-created_at")[:limit]


def delivery_problems_list(*, limit: int = 100) -> QuerySet[Delivery]:
    """External deliveries not delivered yet, or failed: what an operator may have to look into."""
    return (
        Delivery.objects.exclude(channel=Channel.INBOX)
        .filter(status__in=[DeliveryStatus.CREATED, DeliveryStatus.SENDING, DeliveryStatus.FAILED])
        .select_related("message")
        .order_by("-created_at")[:limit]
    )


def preference_get(*, user_id: UUID) -> Preference | None:
    return Preference.objects.filter(user_id=user_id).first()


def subscriptions_of(*, user_id: UUID) -> list[str]:
    return list(Subscription.objects.filter(user_id=user_id).order_by("rule").values_list("rule", flat=True))


def categories_list() -> QuerySet[Category]:
    return Category.objects.order_by("-required_by_law", "code")


def templates_current() -> list[Template]:
    """The latest version of every template, by id."""
    latest: dict[str, Template] = {}
    for template in Template.objects.order_by("key", "-version"):
        latest.setdefault(template.key, template)
    return list(latest.values())


def template_versions(*, key: str) -> QuerySet[Template]:
    return Template.objects.filter(key=key).order_by("-version")


def notification_for_sender(*, message_id: UUID, sent_by: str) -> Message | None:
    return Message.objects.filter(pk=message_id, sent_by=sent_by).prefetch_related("deliveries").first()


def notifications_for_sender(*, sent_by: str, reference: str = "", template_id: str = "", limit: int = 50,
                             older_than: UUID | None = None) -> list[Message]:
    """A sender's notifications, newest first; ``older_than`` pages on (GOV.UK Notify's ``older_than``)."""
    rows = Message.objects.filter(sent_by=sent_by).prefetch_related("deliveries").order_by("-created_at", "-id")
    if reference:
        rows = rows.filter(idempotency_key=f"{sent_by}:{reference}")
    if template_id:
        rows = rows.filter(template_key=template_id)
    if older_than is not None:
        anchor = Message.objects.filter(pk=older_than, sent_by=sent_by).first()
        if anchor is not None:
            rows = rows.filter(created_at__lt=anchor.created_at)
    return list(rows[:limit])

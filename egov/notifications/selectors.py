"""Reads of the notifications app."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from egov.notifications.models import Channel, Delivery, DeliveryStatus, Message, OutboxEntry


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
        .filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED])
        .select_related("message")
        .order_by("-created_at")[:limit]
    )

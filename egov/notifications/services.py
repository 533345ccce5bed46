"""Writes of the notifications app: send a message, mark it read, attempt a delivery."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from egov.core import clock
from egov.core.errors import Conflict, ValidationError
from egov.core.tasks import PermanentFailure
from egov.notifications.channels import adapter_for
from egov.notifications.models import Channel, Delivery, DeliveryStatus, Message

logger = logging.getLogger("egov.notifications")

SUBJECT_MAX = 200
CATEGORY_MAX = 50
KEY_MAX = 200


def _validate(*, subject: str, body: str, channels: Sequence[str], category: str, idempotency_key: str | None) -> None:
    errors: dict[str, list[str]] = {}
    if not subject.strip():
        errors["subject"] = [_("Give the message a subject.")]
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = [_("The subject may be at most %(max)d characters long.") % {"max": SUBJECT_MAX}]
    if not body.strip():
        errors["body"] = [_("The message has no text.")]
    unknown = [c for c in channels if c not in Channel.values]
    if unknown:
        errors["channels"] = [
            _("Unknown channel: %(names)s. Choose from: %(known)s.") % {"names": ", ".join(unknown), "known": ", ".join(Channel.values)}
        ]
    if not category.strip() or len(category) > CATEGORY_MAX:
        errors["category"] = [_("The category must be between 1 and %(max)d characters long.") % {"max": CATEGORY_MAX}]
    if idempotency_key is not None and not (0 < len(idempotency_key) <= KEY_MAX):
        errors["idempotency_key"] = [_("The idempotency key must be between 1 and %(max)d characters long.") % {"max": KEY_MAX}]
    if errors:
        raise ValidationError(_("The message was not sent: correct the fields listed."), field_errors=errors)


def _existing(idempotency_key: str, recipient_user_id: UUID) -> Message:
    message = Message.objects.get(idempotency_key=idempotency_key)
    if message.recipient_id != recipient_user_id:
        raise Conflict(_("This idempotency key was already used for a message to someone else. Use a new key."))
    return message


def message_send(
    *,
    recipient_user_id: UUID,
    subject: str,
    body: str,
    channels: Sequence[str],
    category: str,
    idempotency_key: str | None,
) -> Message:
    """Write the inbox copy and a delivery per channel; external channels go to the worker.

    The message, its deliveries and their tasks are written in one transaction (the
    caller's, when there is one): the message exists if and only if its deliveries
    will be attempted, and the sender waits only for a few inserts. With an
    idempotency key already used, the message sent then is returned and nothing new is
    sent.
    """
    from egov.notifications.tasks import delivery_run

    _validate(subject=subject, body=body, channels=channels, category=category, idempotency_key=idempotency_key)
    # A key used before is found by the unique constraint on insert (below), not by a query first:
    # most sends are new, and every application step sends one.
    if not get_user_model().objects.filter(pk=recipient_user_id).exists():
        raise ValidationError(
            _("The message was not sent: there is no account with this id."),
            field_errors={"recipient_user_id": [_("There is no account with this id.")]},
        )
    external = [c for c in dict.fromkeys(channels) if c != Channel.INBOX]
    now = clock.now()
    try:
        with transaction.atomic():
            message = Message.objects.create(
                recipient_id=recipient_user_id, subject=subject, body=body, category=category,
                idempotency_key=idempotency_key,
            )
            created = [Delivery.objects.create(message=message, channel=Channel.INBOX, status=DeliveryStatus.DELIVERED,
                                               delivered_at=now)]
            for channel in external:
                delivery = Delivery.objects.create(message=message, channel=channel)
                delivery_run.enqueue(str(delivery.id))
                created.append(delivery)
            # The sender's answer names these deliveries: kept here, so it need not read them back.
            message.sent_deliveries = created  # type: ignore[attr-defined]
    except IntegrityError:
        if idempotency_key is None:
            raise
        # A concurrent send with the same key won the race: its message is the one.
        return _existing(idempotency_key, recipient_user_id)
    return message


def message_mark_read(*, message: Message) -> Message:
    """Mark the message read (once: the first reading time is kept)."""
    if message.read_at is None:
        message.read_at = clock.now()
        message.save(update_fields=["read_at"])
    return message


def delivery_attempt(*, delivery_id: UUID, attempt: int, final: bool) -> None:
    """Deliver through the channel's adapter; record the outcome on the delivery.

    Safe to run again for the same delivery: a delivered one is left alone, and the
    adapters' effects are keyed by the delivery. A failure is recorded with its error
    (operators see it on the outbox page) and raised again so that the worker retries;
    on the final attempt the delivery is marked failed.
    """
    delivery = Delivery.objects.select_related("message__recipient").filter(pk=delivery_id).first()
    if delivery is None:
        raise PermanentFailure(f"delivery {delivery_id} no longer exists")
    if delivery.status == DeliveryStatus.DELIVERED:
        return
    adapter = adapter_for(delivery.channel)
    if adapter is None:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, attempts=attempt, last_error=f"no adapter for channel {delivery.channel}",
            updated_at=clock.now(),
        )
        raise PermanentFailure(f"no adapter for channel {delivery.channel}")
    try:
        with transaction.atomic():
            adapter.deliver(delivery)
            Delivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.DELIVERED, attempts=attempt, last_error="", delivered_at=clock.now(),
                updated_at=clock.now(),
            )
    except Exception as error:
        logger.warning("delivery %s over %s failed (attempt %d): %s", delivery.pk, delivery.channel, attempt, error)
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED if final else DeliveryStatus.PENDING, attempts=attempt,
            last_error=f"{type(error).__name__}: {error}"[:2000], updated_at=clock.now(),
        )
        raise

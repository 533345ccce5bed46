"""Messages to people: the inbox copy, its deliveries per channel, and the local outbox.

A ``Message`` is the citizen's inbox copy and exists for every message sent, whatever
the channels: a failing e-mail provider must never leave a person without the notice.
Each channel the sender asked for gets a ``Delivery`` with its own status, so that a
channel can fail, be retried and be reported on its own. ``OutboxEntry`` is what the
local implementation of the external channels "sent": operators read it at
``/notifications/outbox/`` and, as files, under ``EGOV_OUTBOX_DIR``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from egov.core.models import BaseModel


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-portal inbox")
    OUTBOX = "outbox", _("Outbox (local delivery)")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class Message(BaseModel):
    """A message to one person; the row is their inbox copy."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("recipient")
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    category = models.CharField(_("category"), max_length=50, default="general")
    # The sender's key for this message: the same key never sends twice.
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True, null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="notif_message_inbox")]

    def __str__(self) -> str:
        return self.subject

    @property
    def read(self) -> bool:
        return self.read_at is not None


class Delivery(BaseModel):
    """One channel's delivery of a message (the inbox's is delivered as the message is written)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("message"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["message", "channel"], name="notif_one_delivery_per_channel")]

    def __str__(self) -> str:
        return f"{self.message_id} {self.channel} {self.status}"


class OutboxEntry(BaseModel):
    """A message as the local channel implementation sent it: one per delivery, also written as a file."""

    delivery = models.OneToOneField(
        Delivery, on_delete=models.CASCADE, related_name="outbox_entry", verbose_name=_("delivery")
    )
    address = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    file_name = models.CharField(_("file"), max_length=255)

    class Meta:
        verbose_name = _("outbox entry")
        verbose_name_plural = _("outbox entries")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.address}: {self.subject}"

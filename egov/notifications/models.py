"""Messages to people: templates, categories, the inbox copy, its deliveries per channel, preferences, the outbox.

A ``Message`` is the citizen's inbox copy and exists for every message sent, whatever
the channels: a failing e-mail provider must never leave a person without the notice.
Each channel the message goes out on gets a ``Delivery`` with its own status
(created, sending, delivered, failed), so that a channel can fail, be retried and be
reported on its own. ``OutboxEntry`` is what the local implementation of the external
channels "sent": operators read it at ``/notifications/outbox/`` and, as files, under
``EGOV_OUTBOX_DIR``.

``Template`` rows are versions: saving a template adds a version, so a message can
always say which text it was made from (ADR 0090). ``Category`` says whether the law
requires a kind of message; a person may opt out of every category it does not
(``Preference``). ``Subscription`` is a person's wish to receive one proactive notice
rule of the country pack (ADR 0093).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from egov.core.models import BaseModel


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-portal inbox")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message (SMS)")
    MESSENGER = "messenger", _("Messenger (KakaoTalk)")
    OUTBOX = "outbox", _("Outbox (local delivery)")


# The channels a person can choose besides the inbox, which they always have.
CHOOSABLE_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.MESSENGER)


class DeliveryStatus(models.TextChoices):
    CREATED = "created", _("Waiting to be sent")
    SENDING = "sending", _("Sending (retrying after an error)")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class Category(BaseModel):
    """A kind of message; ``required_by_law`` ones reach a person whatever they opted out of."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    required_by_law = models.BooleanField(_("required by law"), default=False)
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("message category")
        verbose_name_plural = _("message categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Template(BaseModel):
    """One version of a message template, in Korean and English, with ``${name}`` placeholders."""

    key = models.SlugField(_("template id"), max_length=80)
    version = models.PositiveIntegerField(_("version"))
    category = models.CharField(_("category"), max_length=50, default="general")
    placeholders = models.JSONField(_("placeholders"), default=list, blank=True)
    subject_ko = models.CharField(_("subject (Korean)"), max_length=200)
    body_ko = models.TextField(_("text (Korean)"))
    subject_en = models.CharField(_("subject (English)"), max_length=200)
    body_en = models.TextField(_("text (English)"))
    created_by = models.CharField(_("saved by"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["key", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="notif_template_version")]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"


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
    template_key = models.CharField(_("template id"), max_length=80, blank=True)
    template_version = models.PositiveIntegerField(_("template version"), null=True, blank=True)
    # Where the person acts on the message (the service's page), shown as a link in the inbox.
    link = models.CharField(_("link"), max_length=500, blank=True)
    # Who sent it: "platform" for the platform's own apps, "agency:<code>" for an agency system through the API.
    sent_by = models.CharField(_("sent by"), max_length=100, default="platform")

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notif_message_inbox"),
            models.Index(fields=["sent_by", "-created_at"], name="notif_message_sender"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def read(self) -> bool:
        return self.read_at is not None


class Delivery(BaseModel):
    """One channel's delivery of a message (the inbox's is delivered as the message is written)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("message"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.CREATED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["message", "channel"], name="notif_one_delivery_per_channel")]
        indexes = [models.Index(fields=["channel", "delivered_at"], name="notif_delivery_rate")]

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


class Preference(BaseModel):
    """How a person wants to be told: the channels besides the inbox, and the categories they opted out of."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    email = models.BooleanField(_("by e-mail"), default=False)
    sms = models.BooleanField(_("by text message"), default=False)
    messenger = models.BooleanField(_("by messenger"), default=False)
    phone = models.CharField(_("mobile phone number"), max_length=20, blank=True)
    opted_out = models.JSONField(_("categories opted out of"), default=list, blank=True)

    class Meta:
        verbose_name = _("message preference")
        verbose_name_plural = _("message preferences")

    def __str__(self) -> str:
        return str(self.user_id)

    def channels(self) -> list[str]:
        chosen = [Channel.INBOX.value]
        chosen += [c.value for c in CHOOSABLE_CHANNELS if getattr(self, c.value)]
        return chosen


class Subscription(BaseModel):
    """A person's subscription to one proactive notice rule of the country pack (``notices.yaml``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    rule = models.CharField(_("notice"), max_length=80)

    class Meta:
        verbose_name = _("notice subscription")
        verbose_name_plural = _("notice subscriptions")
        ordering = ["rule"]
        constraints = [models.UniqueConstraint(fields=["user", "rule"], name="notif_one_subscription_per_rule")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.rule}"

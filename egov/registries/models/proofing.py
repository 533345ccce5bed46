"""Identity proofing codes of the local identity provider: issued at the counter or sent to the record's contact."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from egov.core import clock


class ProofingCode(models.Model):
    """A one-time code that proves its holder is the resident it was issued for.

    Only a hash of the code is stored. A code is spent when it links an account, and
    refuses after a few wrong attempts or when it expires.
    """

    class Channel(models.TextChoices):
        COUNTER = "counter", _("Issued at the counter")
        SMS = "sms", _("Sent by text message")
        EMAIL = "email", _("Sent by e-mail")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    resident = models.ForeignKey("Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("resident"))
    code_hash = models.CharField(max_length=64)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(_("issued at"), default=clock.now)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
    )

    class Meta:
        verbose_name = _("identity proofing code")
        verbose_name_plural = _("identity proofing codes")

    def __str__(self) -> str:
        return f"{self.channel} code for {self.resident_id}"

"""Civil applications (민원): what was asked, by whom, through which channel, and which case carries it.

The case (``egov.workflow``) holds the state and its history; an application holds
what the case engine does not know: the answers to the form as the definition asked
them, the facts the registries released through the gate for it (the case file), the
fee, the offices that see it, and the idempotency key that makes a retry return the
same case (rule 8).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from egov.core.crypto import EncryptedTextField
from egov.core.models.base import BaseModel

IDENTIFIERS_CONTEXT = "applications.identifiers"


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    COUNTER = "counter", _("At the counter")


class Application(BaseModel):
    """One application for one service, filed online by the applicant or at the counter for them."""

    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications")
    # The clerk who filed it for a walk-in visitor (counter channel); empty online.
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="applications_filed")
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    case_id = models.UUIDField(_("case"), unique=True)
    reference = models.CharField(_("reference number"), max_length=20, unique=True)
    service_id = models.CharField(_("service"), max_length=100, db_index=True)
    service_version = models.PositiveIntegerField(_("service version"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    resident_id = models.UUIDField(_("applicant's resident record"), null=True, blank=True)
    organisation_id = models.UUIDField(_("competent office"), null=True, blank=True, db_index=True)
    # The answers as shown: a registration number given for another person appears masked here;
    # the number itself is in ``identifiers``, encrypted (rule 6). ``answers()`` joins the two.
    form = models.JSONField(_("answers"), default=dict)
    identifiers = EncryptedTextField(_("registration numbers in the answers"), blank=True, default="",
                                     context=IDENTIFIERS_CONTEXT)
    # Questions another member of the same bundle answers when it is approved (the child's number
    # a birth report gives): each {"field", "member", "output", "note"}. Not decided before they are.
    awaiting = models.JSONField(_("answers awaited from another application"), default=list, blank=True)
    # What the registries released through the gate for this application: the case file.
    facts = models.JSONField(_("facts from the registries"), default=dict)
    # Each evidence item: product, purpose, consent id or the article cited, the gate's request id.
    evidence = models.JSONField(_("evidence"), default=list)
    fee_amount = models.PositiveBigIntegerField(_("fee"), default=0)
    fee_currency = models.CharField(_("currency"), max_length=3, default="KRW")
    fee_exemption = models.CharField(_("fee exemption"), max_length=60, blank=True)
    payment_id = models.UUIDField(_("payment"), null=True, blank=True)
    # Effects of the definition the registries cannot carry out yet, kept for an official.
    effects_pending = models.JSONField(_("effects not carried out"), default=list, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(fields=["applicant", "idempotency_key"], name="application_once_per_key"),
        ]
        indexes = [models.Index(fields=["applicant", "-submitted_at"])]

    def __str__(self) -> str:
        return self.reference

    def answers(self) -> dict[str, Any]:
        """Every answer as the applicant gave it, registration numbers included (for rules and effects, not display)."""
        merged = dict(self.form)
        if self.identifiers:
            merged.update(json.loads(self.identifiers))
        return merged


class OfficeRole(models.TextChoices):
    COMPETENT = "competent", _("Decides")
    INFORMED = "informed", _("Informed")


class ApplicationOffice(models.Model):
    """An office that sees the application: the competent one, and those the definition informs (the old dong)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="offices")
    organisation_id = models.UUIDField(_("office"), db_index=True)
    role = models.CharField(_("role"), max_length=10, choices=OfficeRole.choices)

    class Meta:
        verbose_name = _("office of an application")
        verbose_name_plural = _("offices of applications")
        constraints = [
            models.UniqueConstraint(fields=["application", "organisation_id"], name="application_office_once"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.role} {self.organisation_id}"

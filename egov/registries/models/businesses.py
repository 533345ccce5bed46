"""Business registration (사업자등록), kept by the tax offices of the National Tax Service."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class BusinessStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("business status", "Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class TaxType(models.TextChoices):
    GENERAL = "general", _("General taxpayer")
    SIMPLIFIED = "simplified", _("Simplified taxpayer")
    EXEMPT = "exempt", _("VAT-exempt business")
    CORPORATE = "corporate", _("Corporation")


class Business(models.Model):
    """A registered business: a sole proprietor's or a corporation's, with its 10-digit number."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    registration_number = models.CharField(_("business registration number"), max_length=10, unique=True)
    name = models.CharField(_("trade name"), max_length=120)
    representative = models.ForeignKey(
        "Resident", on_delete=models.PROTECT, null=True, blank=True, related_name="businesses",
        verbose_name=_("representative"),
    )
    representative_name = models.CharField(_("representative's name"), max_length=60)
    business_type = models.CharField(_("type of business"), max_length=60)
    business_item = models.CharField(_("item"), max_length=80, blank=True)
    address = models.CharField(_("address"), max_length=200)
    legal_dong_code = models.CharField(_("legal-dong code"), max_length=10)
    admin_dong_code = models.CharField(_("administrative-dong code"), max_length=10, blank=True)
    started_on = models.DateField(_("opened on"))
    status = models.CharField(_("status"), max_length=10, choices=BusinessStatus.choices, default=BusinessStatus.ACTIVE)
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    tax_type = models.CharField(_("tax type"), max_length=12, choices=TaxType.choices)
    tax_office_code = models.CharField(_("tax office"), max_length=24)
    source_event = models.ForeignKey(
        "RegistryEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("business")
        verbose_name_plural = _("businesses")

    def __str__(self) -> str:
        return f"{self.name} ({self.registration_number})"

"""Fees paid to the government: payments, their receipts and refunds.

Only the part civil applications need lives here for now (issue 5): the double-entry
ledger and budgets come with the finance issue. A payment is recorded whatever the
provider (the local one or a card gateway): the provider moves the money, this table
remembers what was asked, what the provider answered and which application it was for.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from egov.core import clock
from egov.core.models.base import BaseModel


class PaymentStatus(models.TextChoices):
    PAID = "paid", _("Paid")
    PARTLY_REFUNDED = "partly_refunded", _("Partly refunded")
    REFUNDED = "refunded", _("Refunded")


class Payment(BaseModel):
    """One fee charged to one person, once per idempotency key."""

    payer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments")
    amount = models.PositiveBigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, default="KRW")
    reference = models.CharField(_("what it pays for"), max_length=120, db_index=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    provider = models.CharField(_("payment provider"), max_length=200)
    provider_ref = models.CharField(_("provider's reference"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PAID)
    refunded_amount = models.PositiveBigIntegerField(_("amount refunded"), default=0)
    paid_at = models.DateTimeField(_("paid at"), default=clock.now)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.reference})"


class Receipt(BaseModel):
    """The receipt of a payment (영수증), with a number the payer can quote."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="receipt")
    number = models.CharField(_("receipt number"), max_length=24, unique=True)
    issued_at = models.DateTimeField(_("issued at"), default=clock.now)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")

    def __str__(self) -> str:
        return self.number


class Refund(BaseModel):
    """Money given back on a payment (a withdrawn or refused application), once per idempotency key."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveBigIntegerField(_("amount"))
    reason = models.CharField(_("reason"), max_length=300)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    provider_ref = models.CharField(_("provider's reference"), max_length=200)
    refunded_at = models.DateTimeField(_("refunded at"), default=clock.now)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")

    def __str__(self) -> str:
        return f"-{self.amount} ({self.reason})"


# --- the local tax register (지방세) -----------------------------------------------------------------
#
# What the si/gun/gu assessed on whom, and what was paid against it. Both tables are
# append-only records: an assessment is never changed (a correction is a new assessment
# that names the one it replaces), a payment is never changed (a refund would be a
# negative record of its own). So the register answers "as of" any date: what had been
# assessed, paid and left unpaid then (docs/finance.md, ADR 0115).


class TaxItem(models.TextChoices):
    """The local taxes the register knows (지방세 세목), the yearly ones assessed from the registries first."""

    VEHICLE = "vehicle", _("Vehicle tax")
    PROPERTY_BUILDING = "property_building", _("Property tax (buildings)")
    PROPERTY_LAND = "property_land", _("Property tax (land)")
    RESIDENT_INDIVIDUAL = "resident_individual", _("Resident tax (individuals)")
    RESIDENT_BUSINESS = "resident_business", _("Resident tax (business premises)")
    LOCAL_INCOME = "local_income", _("Local income tax")
    ACQUISITION = "acquisition", _("Acquisition tax")


class TaxpayerKind(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    BUSINESS = "business", _("Business")


class LocalTaxAssessment(BaseModel):
    """One tax assessed on one taxpayer for one thing and one period (one tax bill line, 고지).

    ``natural_key`` makes assessing idempotent: the same tax on the same thing for the
    same taxpayer and period is assessed once, however often the yearly run is repeated.
    A correction is a new row with ``replaces`` set (and a key of its own); the replaced
    row stays as it was, and from the correction's ``assessed_on`` readers see the new one.
    """

    taxpayer_kind = models.CharField(_("taxpayer kind"), max_length=10, choices=TaxpayerKind.choices)
    taxpayer_id = models.UUIDField(_("taxpayer"), db_index=True)  # a registries resident or business id
    tax_item = models.CharField(_("tax item"), max_length=24, choices=TaxItem.choices)
    tax_year = models.PositiveSmallIntegerField(_("tax year"))
    period = models.CharField(_("instalment"), max_length=8, blank=True)  # "1", "2" for a half-year; "" for the year
    object_ref = models.CharField(_("object taxed"), max_length=80)  # a plate, a PNU, a building or household id
    object_label = models.CharField(_("object as printed"), max_length=200, blank=True)
    base_date = models.DateField(_("base date"))  # 과세기준일: whose the thing was, and what it was, on that day
    amount = models.PositiveBigIntegerField(_("amount"))
    due_on = models.DateField(_("due date"), db_index=True)
    assessor_code = models.CharField(_("assessing si/gun/gu"), max_length=40)
    assessor_name = models.CharField(_("assessing si/gun/gu name"), max_length=80)
    assessed_on = models.DateField(_("assessed on"))
    assessed_by = models.CharField(_("assessed by"), max_length=120)
    natural_key = models.CharField(_("natural key"), max_length=200, unique=True)
    replaces = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="replaced_by", verbose_name=_("replaces"))
    reason = models.CharField(_("reason for a correction"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("local tax assessment")
        verbose_name_plural = _("local tax assessments")
        indexes = [models.Index(fields=["taxpayer_kind", "taxpayer_id", "tax_year"], name="finance_tax_of_payer")]

    def __str__(self) -> str:
        return f"{self.tax_year} {self.tax_item} {self.object_ref}: {self.amount}"


class LocalTaxPayment(BaseModel):
    """Money paid against one assessment (a bank, a card, the counter), once per idempotency key."""

    assessment = models.ForeignKey(LocalTaxAssessment, on_delete=models.PROTECT, related_name="payments",
                                   verbose_name=_("assessment"))
    amount = models.PositiveBigIntegerField(_("amount"))
    paid_on = models.DateField(_("paid on"))
    channel = models.CharField(_("channel"), max_length=20)
    provider = models.CharField(_("payment provider"), max_length=200, blank=True)
    provider_ref = models.CharField(_("provider's reference"), max_length=200, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    recorded_by = models.CharField(_("recorded by"), max_length=120)

    class Meta:
        verbose_name = _("local tax payment")
        verbose_name_plural = _("local tax payments")

    def __str__(self) -> str:
        return f"{self.amount} on {self.paid_on}"

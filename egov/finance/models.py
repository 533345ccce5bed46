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

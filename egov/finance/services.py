"""Writes of finance: charge a fee, refund it, issue its receipt.

Each is idempotent by key (rule 8): a retried charge returns the payment already
made instead of charging twice, and a retried refund the refund already given. The
provider is called inside the transaction, so that a crash after it answered leaves
no payment row: with the local provider nothing was moved either; a gateway adapter
must make its charge idempotent on the same key (every card gateway offers that), so
that the retry finds it.
"""

from __future__ import annotations

import secrets
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from egov.core import clock
from egov.core.audit import audit_append
from egov.core.errors import Conflict, NotFound, ValidationError
from egov.finance import payments
from egov.finance.models import Payment, PaymentStatus, Receipt, Refund


def _receipt_number() -> str:
    """``R20260315-7Q2M9K4X``: the local date and eight characters nobody can guess."""
    day = clock.now().astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%Y%m%d")
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return f"R{day}-{''.join(secrets.choice(alphabet) for _ in range(8))}"


def _check_amount(amount: int, currency: str) -> None:
    errors: dict[str, list[str]] = {}
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
        errors["amount"] = [_("A fee is a whole amount of at least 1.")]
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha() and currency.isupper()):
        errors["currency"] = [_("Give the currency as its three-letter code, such as KRW.")]
    if errors:
        raise ValidationError(_("The fee could not be charged: correct the fields marked."), field_errors=errors)


def fee_charge(*, payer_user_id: UUID, amount: int, currency: str = "KRW", reference: str, idempotency_key: str,
               by: str = "") -> Payment:
    """Charge a fee through the configured provider and issue its receipt; the same key never charges twice."""
    _check_amount(amount, currency)
    if not idempotency_key or len(idempotency_key) > 200:
        raise ValidationError(_("A payment needs an idempotency key of at most 200 characters."))
    found = Payment.objects.filter(idempotency_key=idempotency_key).first()
    if found is not None:
        return _same_payment(found, payer_user_id=payer_user_id, amount=amount, currency=currency)
    try:
        with transaction.atomic():
            provider = payments.provider()
            answer = provider.charge(payer_user_id=payer_user_id, amount=amount, currency=currency,
                                     reference=reference, idempotency_key=idempotency_key)
            now = clock.now()
            payment = Payment.objects.create(
                payer_id=payer_user_id, amount=amount, currency=currency, reference=reference[:120],
                idempotency_key=idempotency_key, provider=provider.name, provider_ref=answer.provider_ref,
                paid_at=now,
            )
            Receipt.objects.create(payment=payment, number=_receipt_number(), issued_at=now)
            audit_append(action="fee.charged", actor=by or f"user:{payer_user_id}", subject=f"user:{payer_user_id}",
                         object_ref=f"payment:{payment.id}",
                         detail={"amount": amount, "currency": currency, "reference": reference,
                                 "provider": provider.name})
    except IntegrityError:
        # Another request with the same key committed first: answer with its payment.
        found = Payment.objects.filter(idempotency_key=idempotency_key).first()
        if found is None:
            raise
        return _same_payment(found, payer_user_id=payer_user_id, amount=amount, currency=currency)
    return payment


def _same_payment(payment: Payment, *, payer_user_id: UUID, amount: int, currency: str) -> Payment:
    if payment.payer_id != payer_user_id or payment.amount != amount or payment.currency != currency:
        raise Conflict(_("This idempotency key was already used for another payment."))
    return payment


@transaction.atomic
def fee_refund(*, payment_id: UUID, amount: int | None = None, reason: str, idempotency_key: str,
               by: str) -> Refund:
    """Give back all of a payment, or part of it; the same key never refunds twice."""
    found = Refund.objects.filter(idempotency_key=idempotency_key).select_related("payment").first()
    if found is not None:
        if found.payment_id != payment_id:
            raise Conflict(_("This idempotency key was already used for another refund."))
        return found
    payment = Payment.objects.select_for_update().filter(id=payment_id).first()
    if payment is None:
        raise NotFound(_("There is no such payment."))
    left = payment.amount - payment.refunded_amount
    amount = left if amount is None else amount
    errors: dict[str, list[str]] = {}
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1 or amount > left:
        errors["amount"] = [_("A refund is between 1 and the %(left)d not yet refunded.") % {"left": left}]
    if not reason.strip():
        errors["reason"] = [_("Say why the fee is refunded.")]
    if errors:
        raise ValidationError(_("The refund could not be made: correct the fields marked."), field_errors=errors)
    answer = payments.provider().refund(provider_ref=payment.provider_ref, amount=amount, currency=payment.currency,
                                        idempotency_key=idempotency_key)
    refund = Refund.objects.create(payment=payment, amount=amount, reason=reason.strip()[:300],
                                   idempotency_key=idempotency_key, provider_ref=answer.provider_ref,
                                   refunded_at=clock.now())
    payment.refunded_amount += amount
    payment.status = PaymentStatus.REFUNDED if payment.refunded_amount == payment.amount else PaymentStatus.PARTLY_REFUNDED
    payment.save(update_fields=["refunded_amount", "status"])
    audit_append(action="fee.refunded", actor=by, subject=f"user:{payment.payer_id}",
                 object_ref=f"payment:{payment.id}",
                 detail={"amount": amount, "currency": payment.currency, "reason": refund.reason})
    return refund

"""finance: fees and their payments — the interface other apps use (ids in, frozen dataclasses out).

Only fees for now (issue 5): ``fee_charge`` takes a payment through the provider named
by ``settings.EGOV_PAYMENT_PROVIDER`` and issues its receipt, ``fee_refund`` gives money
back, ``receipt`` reads a payment's receipt. Which fee applies and whether an
exemption holds is the caller's business (the service definition says it); finance
charges the amount it is told. The double-entry ledger, budgets and execution (dBrain)
come with the finance issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from egov.finance import services
from egov.finance.models import Payment, Receipt, Refund

__all__ = ["PaymentInfo", "ReceiptInfo", "RefundInfo", "fee_charge", "fee_refund", "payment_get", "payments_of",
           "receipt"]


@dataclass(frozen=True)
class PaymentInfo:
    id: UUID
    payer_user_id: UUID
    amount: int
    currency: str
    reference: str
    status: str
    refunded_amount: int
    provider: str
    provider_ref: str
    paid_at: datetime
    receipt_number: str


@dataclass(frozen=True)
class RefundInfo:
    id: UUID
    payment_id: UUID
    amount: int
    reason: str
    refunded_at: datetime


@dataclass(frozen=True)
class ReceiptInfo:
    number: str
    issued_at: datetime
    payment: PaymentInfo
    refunds: tuple[RefundInfo, ...]


def _payment_info(payment: Payment) -> PaymentInfo:
    number = Receipt.objects.filter(payment=payment).values_list("number", flat=True).first() or ""
    return PaymentInfo(
        id=payment.id, payer_user_id=payment.payer_id, amount=payment.amount, currency=payment.currency,
        reference=payment.reference, status=payment.status, refunded_amount=payment.refunded_amount,
        provider=payment.provider, provider_ref=payment.provider_ref, paid_at=payment.paid_at, receipt_number=number,
    )


def _refund_info(refund: Refund) -> RefundInfo:
    return RefundInfo(id=refund.id, payment_id=refund.payment_id, amount=refund.amount, reason=refund.reason,
                      refunded_at=refund.refunded_at)


def fee_charge(*, payer_user_id: UUID, amount: int, currency: str = "KRW", reference: str, idempotency_key: str,
               by: str = "") -> PaymentInfo:
    """Charge ``amount`` to the payer for ``reference`` (an application's case reference); once per key.

    Raises ValidationError (amount, currency, key) or Conflict (the key was used for a
    different payment). Call it inside the caller's transaction to make the payment
    part of it: a rollback leaves no payment.
    """
    payment = services.fee_charge(payer_user_id=payer_user_id, amount=amount, currency=currency, reference=reference,
                                  idempotency_key=idempotency_key, by=by)
    return _payment_info(payment)


def fee_refund(*, payment_id: UUID, reason: str, idempotency_key: str, by: str,
               amount: int | None = None) -> RefundInfo:
    """Refund all that is left of a payment (or ``amount`` of it); once per key."""
    return _refund_info(services.fee_refund(payment_id=payment_id, amount=amount, reason=reason,
                                            idempotency_key=idempotency_key, by=by))


def payment_get(*, payment_id: UUID) -> PaymentInfo | None:
    payment = Payment.objects.filter(id=payment_id).first()
    return _payment_info(payment) if payment else None


def payments_of(*, payer_user_id: UUID, limit: int = 100) -> list[PaymentInfo]:
    """A person's payments, the newest first."""
    rows = Payment.objects.filter(payer_id=payer_user_id).order_by("-paid_at")[:limit]
    return [_payment_info(p) for p in rows]


def receipt(*, payment_id: UUID | None = None, number: str = "") -> ReceiptInfo | None:
    """A payment's receipt (by payment or by receipt number), with its refunds; None when there is none."""
    found = Receipt.objects.select_related("payment")
    row = found.filter(payment_id=payment_id).first() if payment_id else found.filter(number=number).first()
    if row is None:
        return None
    refunds = tuple(_refund_info(r) for r in row.payment.refunds.order_by("refunded_at"))
    return ReceiptInfo(number=row.number, issued_at=row.issued_at, payment=_payment_info(row.payment), refunds=refunds)

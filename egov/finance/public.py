"""finance: fees and their payments — the interface other apps use (ids in, frozen dataclasses out).

Only fees for now (issue 5): ``fee_charge`` takes a payment through the provider named
by ``settings.EGOV_PAYMENT_PROVIDER`` and issues its receipt, ``fee_refund`` gives money
back, ``receipt`` reads a payment's receipt. Which fee applies and whether an
exemption holds is the caller's business (the service definition says it); finance
charges the amount it is told. The double-entry ledger, budgets and execution (dBrain)
come with the finance issue.

The local tax register (지방세, docs/finance.md): ``local_taxes_of`` reads a resident's
taxes as of a date (a read of their data, logged like the registries' readers; the
gate's ``local-tax`` data product and the proactive notices use it),
``local_tax_assess`` and ``local_tax_pay`` write, ``local_taxes_assess_year`` assesses a
year from the registries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from django.db import transaction

from egov.core import clock
from egov.core.audit import audit_append
from egov.finance import selectors, services
from egov.finance.models import LocalTaxAssessment, Payment, Receipt, Refund, TaxpayerKind

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


# --- the local tax register (지방세): taxes of a person as of a date -----------------------------


class TaxReader(Protocol):
    """Who reads a person's taxes, as the audit entry records it (``registries.public.Reader`` is one)."""

    @property
    def actor(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def source_ip(self) -> str | None: ...


@dataclass(frozen=True)
class SystemReader:
    """A part of the platform reading a person's taxes (the proactive notices), as the data subject sees it."""

    actor: str
    label: str
    source_ip: str | None = None


@dataclass(frozen=True)
class LocalTaxLine:
    """One assessment as it stood on the statement's date: what was billed, paid and is left."""

    id: UUID
    tax_item: str
    tax_item_name: str  # Korean, as the bill prints it
    tax_item_name_en: str
    tax_year: int
    period: str  # "1" or "2" for a half-year instalment, "" for the year
    period_label: str  # "1기", "2기" or ""
    object_ref: str
    object_label: str
    base_date: date
    due_on: date
    amount: int
    paid: int
    outstanding: int
    status: str  # "paid", "due" (not yet due) or "arrears" (unpaid after its due date)
    assessor_code: str
    assessor_name: str


@dataclass(frozen=True)
class LocalTaxStatement:
    """A person's local taxes on ``as_of``: every assessment in force, and those in arrears (체납)."""

    taxpayer_id: UUID
    as_of: date
    assessed_total: int
    paid_total: int
    outstanding_total: int
    arrears_total: int
    arrears_count: int
    assessments: tuple[LocalTaxLine, ...]
    arrears: tuple[LocalTaxLine, ...]
    arrears_listed: str  # the arrears in one line of Korean, for a refusal that names them


def _line(assessment: LocalTaxAssessment, paid: int, on: date) -> LocalTaxLine:
    from egov.finance.localtax import TAX_ITEM_NAMES

    ko, en = TAX_ITEM_NAMES.get(assessment.tax_item, (assessment.tax_item, assessment.tax_item))
    outstanding = max(assessment.amount - paid, 0)
    status = "paid" if outstanding == 0 else ("arrears" if assessment.due_on < on else "due")
    return LocalTaxLine(
        id=assessment.id, tax_item=assessment.tax_item, tax_item_name=ko, tax_item_name_en=en,
        tax_year=assessment.tax_year, period=assessment.period,
        period_label=f"{assessment.period}기" if assessment.period else "", object_ref=assessment.object_ref,
        object_label=assessment.object_label or assessment.object_ref, base_date=assessment.base_date,
        due_on=assessment.due_on, amount=assessment.amount, paid=min(paid, assessment.amount),
        outstanding=outstanding, status=status, assessor_code=assessment.assessor_code,
        assessor_name=assessment.assessor_name,
    )


def _listed(lines: tuple[LocalTaxLine, ...]) -> str:
    return "; ".join(
        f"{line.tax_year}년 {line.tax_item_name}{f' {line.period_label}' if line.period else ''} {line.object_label} "
        f"{line.outstanding:,}원(납기 {line.due_on.isoformat()}{f', {line.assessor_name}' if line.assessor_name else ''})"
        for line in lines
    )


def local_tax_statement(*, taxpayer_kind: str, taxpayer_id: UUID, on: date) -> LocalTaxStatement:
    """The statement itself, unlogged: for this app's own use and for the readers below, which log."""
    rows = selectors.local_tax_assessments_in_force(taxpayer_kind=taxpayer_kind, taxpayer_id=taxpayer_id, on=on)
    lines = tuple(_line(row, services.local_tax_paid_so_far(row, on=on), on) for row in rows)
    arrears = tuple(line for line in lines if line.status == "arrears")
    return LocalTaxStatement(
        taxpayer_id=taxpayer_id, as_of=on, assessed_total=sum(line.amount for line in lines),
        paid_total=sum(line.paid for line in lines), outstanding_total=sum(line.outstanding for line in lines),
        arrears_total=sum(line.outstanding for line in arrears), arrears_count=len(arrears), assessments=lines,
        arrears=arrears, arrears_listed=_listed(arrears),
    )


@transaction.atomic
def local_taxes_of(
    *, resident_id: UUID, reader: TaxReader, purpose: str, basis: str, consent: str = "", as_of: date | None = None,
) -> LocalTaxStatement:
    """A resident's local taxes as of ``as_of`` (today by default): a read of their data, with its one audit entry.

    The data product ``local-tax`` of the information-sharing gate reads through here
    (``exchange.products``), as do the proactive notices under the person's
    subscription. Like the registries' readers it needs a purpose and a legal basis or
    the person's consent, and writes one ``person.read`` entry naming the resident in
    the read's transaction, so the person sees it on "Who viewed my data".
    """
    if not (purpose or "").strip():
        raise ValueError("a read of a person's taxes needs a purpose")
    if not (basis or "").strip() and not (consent or "").strip():
        raise ValueError("a read of a person's taxes needs a legal basis or the subject's consent")
    on = as_of or clock.today()
    statement = local_tax_statement(taxpayer_kind=TaxpayerKind.RESIDENT, taxpayer_id=resident_id, on=on)
    detail: dict[str, object] = {"as_of": on, "assessments": len(statement.assessments)}
    # The gate's request (service, data product, request id) and the reading organisation, as the
    # registries' entries carry them: they lead from the entry to the exchange's evidence.
    for key, attribute in (("service", "service"), ("product", "product"), ("request", "request_ref"),
                           ("organisation", "organisation_code")):
        value = getattr(reader, attribute, "")
        if value:
            detail[key] = value
    audit_append(action="person.read", actor=reader.actor, actor_label=reader.label, source_ip=reader.source_ip,
                 subject=f"resident:{resident_id}", purpose=purpose.strip(), legal_basis=(basis or "").strip(),
                 consent=(consent or "").strip(), object_ref="finance:local_tax", detail=detail)
    return statement


def local_tax_assess(
    *, taxpayer_kind: str, taxpayer_id: UUID, tax_item: str, tax_year: int, period: str = "", object_ref: str,
    object_label: str = "", base_date: date, amount: int, due_on: date, assessor_code: str, assessor_name: str = "",
    assessed_on: date | None = None, replaces_id: UUID | None = None, reason: str = "", by: str,
) -> LocalTaxLine:
    """Record one assessment, or a correction of one (``replaces_id`` and ``reason``); see ``services``."""
    row = services.local_tax_assess(
        taxpayer_kind=taxpayer_kind, taxpayer_id=taxpayer_id, tax_item=tax_item, tax_year=tax_year, period=period,
        object_ref=object_ref, object_label=object_label, base_date=base_date, amount=amount, due_on=due_on,
        assessor_code=assessor_code, assessor_name=assessor_name, assessed_on=assessed_on, replaces_id=replaces_id,
        reason=reason, by=by)
    today = clock.today()
    return _line(row, services.local_tax_paid_so_far(row, on=today), today)


@dataclass(frozen=True)
class LocalTaxPaymentInfo:
    id: UUID
    assessment_id: UUID
    amount: int
    paid_on: date
    channel: str


def local_tax_pay(
    *, assessment_id: UUID, idempotency_key: str, by: str, amount: int | None = None, paid_on: date | None = None,
    channel: str = "online", payer_user_id: UUID | None = None,
) -> LocalTaxPaymentInfo:
    """Pay an assessment (all that is left by default); once per key. See ``services.local_tax_pay``."""
    row = services.local_tax_pay(assessment_id=assessment_id, idempotency_key=idempotency_key, by=by, amount=amount,
                                 paid_on=paid_on, channel=channel, payer_user_id=payer_user_id)
    return LocalTaxPaymentInfo(id=row.id, assessment_id=row.assessment_id, amount=row.amount, paid_on=row.paid_on,
                               channel=row.channel)


def local_taxes_pay_outstanding(
    *, resident_id: UUID, on: date, by: str, key_prefix: str, channel: str = "online",
    payer_user_id: UUID | None = None,
) -> list[LocalTaxPaymentInfo]:
    """Pay all a resident owes on ``on``, each assessment once per ``key_prefix`` (``egov simulate``, the demo)."""
    rows = services.local_taxes_pay_outstanding(taxpayer_kind=TaxpayerKind.RESIDENT, taxpayer_id=resident_id, on=on,
                                                channel=channel, key_prefix=key_prefix, by=by,
                                                payer_user_id=payer_user_id)
    return [LocalTaxPaymentInfo(id=r.id, assessment_id=r.assessment_id, amount=r.amount, paid_on=r.paid_on,
                                channel=r.channel) for r in rows]


AssessmentRun = services.AssessmentRun


def local_taxes_assess_year(*, year: int, by: str, on: date | None = None) -> AssessmentRun:
    """Assess a year's local taxes from the registries (idempotent); ``egov finance assess-local-taxes`` runs it."""
    return services.local_taxes_assess_year(year=year, on=on, by=by)


__all__ += ["AssessmentRun", "LocalTaxLine", "LocalTaxPaymentInfo", "LocalTaxStatement", "SystemReader", "TaxReader",
            "local_tax_assess", "local_tax_pay", "local_tax_statement", "local_taxes_assess_year", "local_taxes_of",
            "local_taxes_pay_outstanding"]

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
from dataclasses import dataclass
from datetime import date
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from egov.core import clock
from egov.core.audit import audit_append
from egov.core.errors import Conflict, NotFound, ValidationError
from egov.finance import localtax, payments, selectors
from egov.finance.models import (
    LocalTaxAssessment,
    LocalTaxPayment,
    Payment,
    PaymentStatus,
    Receipt,
    Refund,
    TaxItem,
    TaxpayerKind,
)


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


# --- the local tax register --------------------------------------------------------------------
#
# Assessments and payments are appended, never changed (ADR 0115). Each write is one
# entry of the audit chain naming the taxpayer, so a resident sees on "Who viewed my
# data" that a tax was assessed on them or a payment recorded.


def _taxpayer_subject(kind: str, taxpayer_id: UUID) -> str:
    return f"{kind}:{taxpayer_id}"


def _assessment_errors(*, taxpayer_kind: str, tax_item: str, tax_year: int, period: str, object_ref: str,
                       base_date: date, amount: int, due_on: date, assessor_code: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if taxpayer_kind not in TaxpayerKind.values:
        errors["taxpayer_kind"] = [_("A taxpayer is a resident or a business.")]
    if tax_item not in TaxItem.values:
        errors["tax_item"] = [_("Choose one of the local taxes the register knows.")]
    if not isinstance(tax_year, int) or not 2000 <= tax_year <= 2100:
        errors["tax_year"] = [_("A tax year is between 2000 and 2100.")]
    if period not in ("", "1", "2"):
        errors["period"] = [_("An instalment is 1 or 2, or empty for the whole year.")]
    if not object_ref.strip():
        errors["object_ref"] = [_("Name the thing taxed (a plate, a parcel number, a household).")]
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
        errors["amount"] = [_("A tax is a whole amount of at least 1.")]
    if due_on < base_date:
        errors["due_on"] = [_("The due date cannot come before the base date.")]
    if not assessor_code.strip():
        errors["assessor_code"] = [_("Name the si/gun/gu that assesses the tax.")]
    return errors


@transaction.atomic
def local_tax_assess(
    *, taxpayer_kind: str, taxpayer_id: UUID, tax_item: str, tax_year: int, period: str = "", object_ref: str,
    object_label: str = "", base_date: date, amount: int, due_on: date, assessor_code: str, assessor_name: str = "",
    assessed_on: date | None = None, replaces_id: UUID | None = None, reason: str = "", by: str,
) -> LocalTaxAssessment:
    """Record one assessment (a bill line), once: the same tax on the same thing and period is assessed once.

    To change an assessment, assess again with ``replaces_id`` (the assessment it
    corrects) and a ``reason``: the old record stays, and from the new one's
    ``assessed_on`` it is the one in force. Raises ValidationError naming the fields,
    Conflict when the same tax was assessed with another amount (make a correction).
    """
    errors = _assessment_errors(taxpayer_kind=taxpayer_kind, tax_item=tax_item, tax_year=tax_year, period=period,
                                object_ref=object_ref, base_date=base_date, amount=amount, due_on=due_on,
                                assessor_code=assessor_code)
    replaced = None
    if replaces_id is not None:
        replaced = LocalTaxAssessment.objects.select_for_update().filter(id=replaces_id).first()
        if replaced is None:
            errors["replaces_id"] = [_("There is no such assessment to correct.")]
        elif LocalTaxAssessment.objects.filter(replaces=replaced).exists():
            errors["replaces_id"] = [_("This assessment was corrected already: correct the correction.")]
        elif (replaced.taxpayer_kind, replaced.taxpayer_id, replaced.tax_item, replaced.tax_year, replaced.period,
              replaced.object_ref) != (taxpayer_kind, taxpayer_id, tax_item, tax_year, period, object_ref):
            errors["replaces_id"] = [_("A correction is of the same tax on the same thing for the same taxpayer.")]
        if not reason.strip():
            errors["reason"] = [_("Say why the assessment is corrected.")]
    if errors:
        raise ValidationError(_("The assessment could not be recorded: correct the fields marked."),
                              field_errors=errors)
    key = _natural_key(tax_year, tax_item, period, object_ref, taxpayer_kind, taxpayer_id)
    if replaced is not None:
        key = f"{replaced.natural_key}#{LocalTaxAssessment.objects.filter(natural_key__startswith=key).count()}"
    found = LocalTaxAssessment.objects.filter(natural_key=key).first()
    if found is not None:
        if found.amount != amount or found.due_on != due_on:
            raise Conflict(_("This tax was assessed already with another amount or due date: record a correction."))
        return found
    assessment = LocalTaxAssessment.objects.create(
        taxpayer_kind=taxpayer_kind, taxpayer_id=taxpayer_id, tax_item=tax_item, tax_year=tax_year, period=period,
        object_ref=object_ref.strip()[:80], object_label=object_label[:200], base_date=base_date, amount=amount,
        due_on=due_on, assessor_code=assessor_code, assessor_name=assessor_name[:80],
        assessed_on=assessed_on or clock.today(), assessed_by=by[:120], natural_key=key[:200], replaces=replaced,
        reason=reason.strip()[:300],
    )
    audit_append(action="local_tax.corrected" if replaced else "local_tax.assessed", actor=by,
                 subject=_taxpayer_subject(taxpayer_kind, taxpayer_id), object_ref=f"local_tax:{assessment.id}",
                 detail={"tax_item": tax_item, "tax_year": tax_year, "period": period, "amount": amount,
                         "due_on": due_on, "assessor": assessor_code,
                         **({"replaces": str(replaced.id), "reason": assessment.reason} if replaced else {})})
    return assessment


def _natural_key(tax_year: int, tax_item: str, period: str, object_ref: str, kind: str, taxpayer_id: UUID) -> str:
    return f"{tax_year}:{tax_item}:{period}:{object_ref}:{kind}:{taxpayer_id}"


def local_tax_paid_so_far(assessment: LocalTaxAssessment, *, on: date) -> int:
    """What was paid against this assessment and those it corrects, by the end of ``on``."""
    ids = [assessment.id]
    previous = assessment.replaces_id
    while previous is not None:
        ids.append(previous)
        previous = LocalTaxAssessment.objects.filter(id=previous).values_list("replaces_id", flat=True).first()
    return sum(selectors.local_tax_paid(assessment_ids=ids, on=on).values())


@transaction.atomic
def local_tax_pay(
    *, assessment_id: UUID, idempotency_key: str, by: str, amount: int | None = None, paid_on: date | None = None,
    channel: str = "online", payer_user_id: UUID | None = None,
) -> LocalTaxPayment:
    """Record a payment against an assessment (all that is left by default); the same key never pays twice.

    Online with a payer's account the money moves through the configured payment
    provider, as for fees; a payment at a bank or a counter is recorded as reported.
    """
    if not idempotency_key or len(idempotency_key) > 200:
        raise ValidationError(_("A payment needs an idempotency key of at most 200 characters."))
    found = LocalTaxPayment.objects.filter(idempotency_key=idempotency_key).first()
    if found is not None:
        if found.assessment_id != assessment_id or (amount is not None and found.amount != amount):
            raise Conflict(_("This idempotency key was already used for another payment."))
        return found
    assessment = LocalTaxAssessment.objects.select_for_update().filter(id=assessment_id).first()
    if assessment is None:
        raise NotFound(_("There is no such tax assessment."))
    day = paid_on or clock.today()
    errors: dict[str, list[str]] = {}
    if LocalTaxAssessment.objects.filter(replaces=assessment, assessed_on__lte=day).exists():
        errors["assessment_id"] = [_("This assessment was corrected: pay the corrected one.")]
    left = assessment.amount - local_tax_paid_so_far(assessment, on=max(day, clock.today()))
    amount = left if amount is None else amount
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1 or amount > left:
        errors["amount"] = [_("A payment is between 1 and the %(left)d still owed.") % {"left": max(left, 0)}]
    if channel not in ("online", "bank", "counter", "card"):
        errors["channel"] = [_("A payment is made online, at a bank, by card or at a counter.")]
    if errors:
        raise ValidationError(_("The payment could not be recorded: correct the fields marked."), field_errors=errors)
    provider_name, provider_ref = "", ""
    if channel == "online" and payer_user_id is not None:
        provider = payments.provider()
        answer = provider.charge(payer_user_id=payer_user_id, amount=amount, currency="KRW",
                                 reference=f"local_tax:{assessment.id}", idempotency_key=idempotency_key)
        provider_name, provider_ref = provider.name, answer.provider_ref
    payment = LocalTaxPayment.objects.create(
        assessment=assessment, amount=amount, paid_on=day, channel=channel, provider=provider_name,
        provider_ref=provider_ref, idempotency_key=idempotency_key, recorded_by=by[:120],
    )
    audit_append(action="local_tax.paid", actor=by, subject=_taxpayer_subject(assessment.taxpayer_kind,
                                                                             assessment.taxpayer_id),
                 object_ref=f"local_tax:{assessment.id}",
                 detail={"amount": amount, "paid_on": day, "channel": channel, "left": left - amount})
    return payment


# --- the yearly assessment from the registries ---------------------------------------------------


@dataclass(frozen=True)
class AssessmentRun:
    """What one yearly run did: the assessments it added, those it found already made, and their total."""

    year: int
    assessed: int
    already: int
    total: int
    base_dates: tuple[date, ...]


def _assessor(legal_dong_code: str, cache: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """The si/gun/gu that taxes a thing in this legal dong: a si above non-autonomous gu taxes for them."""
    from egov.accounts import public as accounts

    code = legal_dong_code[:5]
    if code not in cache:
        found = None
        for candidate in (f"{code[:4]}0", code) if code[4:] not in ("", "0") else (code,):
            found = accounts.organisation(code=f"sgg-{candidate}")
            if found is not None:
                break
        cache[code] = (found.code, found.name) if found else (f"sgg-{code}", "")
    return cache[code]


def _bill_date(due_on: date, on: date) -> date:
    """The day a bill is issued: the 10th of its due month, or the day of the run when that is earlier."""
    return min(on, due_on.replace(day=10))


@transaction.atomic
def local_taxes_assess_year(*, year: int, on: date | None = None, by: str) -> AssessmentRun:
    """Assess ``year``'s yearly local taxes from the registries, every instalment whose base date has come.

    Idempotent: an assessment made by an earlier run (its natural key) is not made
    again, so running it twice, or again later in the year for the second half of the
    vehicle tax, assesses each tax once. The registries are read through the gate's
    ``tax_bases`` (one audit entry per person named); each taxpayer with new
    assessments gets one ``local_tax.assessed`` entry with their count and total.
    """
    from egov.exchange import public as exchange

    on = on or clock.today()
    if not 2000 <= year <= on.year:
        raise ValidationError(_("The year to assess must have begun: %(year)s has not.") % {"year": year},
                              field_errors={"year": [_("Choose a year up to the current one.")]})
    requester = exchange.system_requester(organisation_code="cen-mois", name="local-tax",
                                          label="지방세정보시스템 · Local tax system")
    wanted: dict[date, list[str]] = {}
    for kind, items in localtax.ITEMS_OF_KIND.items():
        for tax_item, period in items:
            base, _due = localtax.schedule_dates(tax_item, period, year)
            if base <= on and kind not in wanted.setdefault(base, []):
                wanted[base].append(kind)
    existing = set(LocalTaxAssessment.objects.filter(tax_year=year).values_list("natural_key", flat=True))
    assessors: dict[str, tuple[str, str]] = {}
    new: list[LocalTaxAssessment] = []
    already = 0
    for base, kinds in sorted(wanted.items()):
        for row in exchange.tax_bases(requester=requester, on=base, kinds=tuple(kinds)):
            for tax_item, period in localtax.ITEMS_OF_KIND[row.kind]:
                item_base, due = localtax.schedule_dates(tax_item, period, year)
                if item_base != base:
                    continue
                amount = localtax.amount_for(
                    tax_item=tax_item, tax_year=year, kind=row.kind, fuel=row.fuel, model_year=row.model_year,
                    area_m2=row.area_m2, price_per_m2=row.price_per_m2, use=row.use, numerator=row.share_numerator,
                    denominator=row.share_denominator)
                if amount == 0:
                    continue
                kind, payer = ((TaxpayerKind.RESIDENT, row.owner_resident_id) if row.owner_resident_id
                               else (TaxpayerKind.BUSINESS, row.owner_business_id))
                assert payer is not None
                key = _natural_key(year, tax_item, period, row.object_ref, kind, payer)
                if key in existing:
                    already += 1
                    continue
                existing.add(key)
                code, name = _assessor(row.legal_dong_code, assessors)
                new.append(LocalTaxAssessment(
                    taxpayer_kind=kind, taxpayer_id=payer, tax_item=tax_item, tax_year=year, period=period,
                    object_ref=row.object_ref[:80], object_label=row.object_label[:200], base_date=base, amount=amount,
                    due_on=due, assessor_code=code, assessor_name=name[:80], assessed_on=_bill_date(due, on),
                    assessed_by=by[:120], natural_key=key[:200]))
    LocalTaxAssessment.objects.bulk_create(new, batch_size=500)
    per_payer: dict[tuple[str, UUID], list[int]] = {}
    for assessment in new:
        per_payer.setdefault((assessment.taxpayer_kind, assessment.taxpayer_id), []).append(assessment.amount)
    for (kind, payer), amounts in per_payer.items():
        audit_append(action="local_tax.assessed", actor=by, subject=_taxpayer_subject(kind, payer),
                     object_ref=f"local_tax:{year}", detail={"tax_year": year, "count": len(amounts),
                                                             "amount": sum(amounts)})
    return AssessmentRun(year=year, assessed=len(new), already=already, total=sum(a.amount for a in new),
                         base_dates=tuple(sorted(wanted)))


def local_taxes_pay_outstanding(*, taxpayer_kind: str, taxpayer_id: UUID, on: date, channel: str, key_prefix: str,
                                by: str, payer_user_id: UUID | None = None) -> list[LocalTaxPayment]:
    """Pay everything the taxpayer owes on ``on`` (the demo, ``egov simulate``, a bank's bulk file); once per key."""
    paid = []
    for assessment in selectors.local_tax_assessments_in_force(taxpayer_kind=taxpayer_kind, taxpayer_id=taxpayer_id,
                                                               on=on):
        left = assessment.amount - local_tax_paid_so_far(assessment, on=on)
        if left > 0:
            paid.append(local_tax_pay(assessment_id=assessment.id, idempotency_key=f"{key_prefix}:{assessment.id}",
                                      by=by, amount=left, paid_on=on, channel=channel, payer_user_id=payer_user_id))
    return paid

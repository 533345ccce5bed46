"""The local taxes of ``make demo``: last year's and this year's, assessed from the demo registries, most paid.

``egov demo`` runs :func:`ensure_demo_local_taxes` after the registries' population is
loaded (``settings.EGOV_DEMO_STEPS``). It assesses the previous year in full and the
current year up to today, exactly as ``egov finance assess-local-taxes`` does, then
records payments for the bills already due: every one is paid on its due date except
about one in eight, chosen by a hash of the bill's natural key (so the same ones every
time), which stay in arrears. Running it again changes nothing: assessing is idempotent
and the payments have keys.
"""

from __future__ import annotations

import hashlib
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction

from egov.core import clock
from egov.core.audit import audit_append
from egov.finance import localtax, services
from egov.finance.models import LocalTaxAssessment, LocalTaxPayment, TaxpayerKind

DEMO_CITIZEN = "alice"
BY = "system:demo"


def _left_unpaid(natural_key: str) -> bool:
    return hashlib.sha256(natural_key.encode()).digest()[0] % 8 == 0


@transaction.atomic
def _pay_due(today: date) -> int:
    """Pay the bills due before ``today`` (but the ones left in arrears), in one pass; returns how many."""
    due = (LocalTaxAssessment.objects.filter(due_on__lt=today, payments__isnull=True, replaced_by__isnull=True)
           .values_list("id", "natural_key", "amount", "due_on", "taxpayer_kind", "taxpayer_id"))
    payments = [LocalTaxPayment(assessment_id=pk, amount=amount, paid_on=due_on, channel="bank",
                                idempotency_key=f"demo:{pk}", recorded_by=BY)
                for pk, key, amount, due_on, _kind, _payer in due if not _left_unpaid(key)]
    LocalTaxPayment.objects.bulk_create(payments, batch_size=500, ignore_conflicts=True)
    per_payer: dict[str, int] = {}
    paid_ids = {p.assessment_id for p in payments}
    for pk, _key, amount, _due, kind, payer in due:
        if pk in paid_ids:
            per_payer[f"{kind}:{payer}"] = per_payer.get(f"{kind}:{payer}", 0) + amount
    for subject, total in per_payer.items():
        audit_append(action="local_tax.paid", actor=BY, subject=subject, object_ref="local_tax:demo",
                     detail={"amount": total, "channel": "bank"})
    return len(payments)


def ensure_demo_local_taxes() -> list[str]:
    """Assess and settle the demo's local taxes once; return lines for ``egov demo`` to print."""
    today = clock.today()
    for year in (today.year - 1, today.year):
        on = min(today, date(year, 12, 31))
        # The yearly run is idempotent, but it reads the registries (an audit entry per taxpayer):
        # a year whose latest instalment due by now is assessed is not read again at each start.
        latest = max((base for base, _due in (localtax.schedule_dates(item, period, year)
                                              for item, period in localtax.SCHEDULES) if base <= on), default=None)
        if latest is not None and not LocalTaxAssessment.objects.filter(tax_year=year, base_date=latest).exists():
            services.local_taxes_assess_year(year=year, on=on, by=BY)
    _pay_due(today)
    lines = [f"Local taxes: {LocalTaxAssessment.objects.count()} assessments for {today.year - 1} and {today.year}, "
             f"{LocalTaxPayment.objects.count()} payments; about one bill in eight is left in arrears."]
    user = get_user_model().objects.filter(username=DEMO_CITIZEN).first()
    resident_id = getattr(user, "resident_id", None)
    if resident_id is not None:
        from egov.finance.public import local_tax_statement

        statement = local_tax_statement(taxpayer_kind=TaxpayerKind.RESIDENT, taxpayer_id=resident_id, on=today)
        lines.append(f"The demo citizen {DEMO_CITIZEN} has {len(statement.assessments)} local tax assessments, "
                     f"{statement.arrears_total:,} won in arrears.")
    return lines

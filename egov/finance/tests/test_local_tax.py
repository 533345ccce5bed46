"""The local tax register: assessed, paid, in arrears as of a date; corrections are new records; reads are logged.

Alice (a resident, by id) owes vehicle tax on her car 12가3456 for 2025, billed by 종로구.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.utils import translation

from egov.core.access_log import entries_about
from egov.core.errors import ValidationError
from egov.finance import public as finance
from egov.finance.models import LocalTaxAssessment

pytestmark = pytest.mark.django_db

ALICE = uuid.UUID("00000000-0000-4000-8000-00000000a11c")
CLERK = finance.SystemReader(actor="system:tests", label="종로구 세무과 · Tax office")


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def _assess(amount: int = 111_860, **overrides: Any) -> finance.LocalTaxLine:
    values: dict[str, Any] = {
        "taxpayer_kind": "resident", "taxpayer_id": ALICE, "tax_item": "vehicle", "tax_year": 2025, "period": "1",
        "object_ref": "12가3456", "object_label": "12가3456 현대 아반떼", "base_date": date(2025, 6, 1),
        "amount": amount, "due_on": date(2025, 6, 30), "assessor_code": "sgg-11110", "assessor_name": "종로구",
        "assessed_on": date(2025, 6, 10), "by": "system:tests"}
    values.update(overrides)
    return finance.local_tax_assess(**values)


def _statement(on: date) -> finance.LocalTaxStatement:
    return finance.local_taxes_of(resident_id=ALICE, reader=CLERK, purpose="Handling a civil application",
                                  basis="Framework Act on Local Taxes, Article 86", as_of=on)


def test_a_tax_paid_on_time_leaves_no_arrears_and_assessing_again_changes_nothing() -> None:
    line = _assess()
    assert _assess().id == line.id, "the same tax on the same thing is assessed once"
    finance.local_tax_pay(assessment_id=line.id, idempotency_key="pay-1", by="user:alice", paid_on=date(2025, 6, 20),
                          channel="bank")
    finance.local_tax_pay(assessment_id=line.id, idempotency_key="pay-1", by="user:alice", channel="bank")

    after = _statement(date(2025, 7, 15))
    assert (after.assessed_total, after.paid_total, after.arrears_total) == (111_860, 111_860, 0)
    assert [item.status for item in after.assessments] == ["paid"]
    assert after.arrears_listed == ""


def test_an_unpaid_tax_is_due_until_its_date_then_in_arrears_and_named() -> None:
    line = _assess()

    assert _statement(date(2025, 6, 20)).assessments[0].status == "due"
    late = _statement(date(2025, 7, 1))
    assert late.arrears_total == 111_860 and late.arrears_count == 1
    assert "2025년 자동차세 1기 12가3456 현대 아반떼 111,860원(납기 2025-06-30, 종로구)" == late.arrears_listed

    finance.local_tax_pay(assessment_id=line.id, amount=60_000, idempotency_key="part", by="user:alice",
                          paid_on=date(2025, 7, 3), channel="bank")
    assert _statement(date(2025, 7, 2)).arrears_total == 111_860, "the register answers as it stood then"
    assert _statement(date(2025, 7, 4)).arrears_total == 51_860


def test_a_correction_is_a_new_record_in_force_from_its_day_and_the_old_one_stays() -> None:
    first = _assess()
    corrected = _assess(amount=90_000, replaces_id=first.id, reason="A hybrid car: the lower rate applies",
                        assessed_on=date(2025, 6, 25))

    assert [a.amount for a in _statement(date(2025, 6, 24)).assessments] == [111_860]
    assert [a.id for a in _statement(date(2025, 6, 26)).assessments] == [corrected.id]
    assert LocalTaxAssessment.objects.get(id=first.id).amount == 111_860
    with pytest.raises(DatabaseError), transaction.atomic():
        LocalTaxAssessment.objects.filter(id=first.id).update(amount=1)


def test_reading_a_persons_taxes_is_shown_to_them_with_reader_purpose_and_basis() -> None:
    _assess()
    _statement(date(2025, 7, 1))

    [entry] = [e for e in entries_about([f"resident:{ALICE}"], limit=None) if e.action == "person.read"]
    assert (entry.actor_label, entry.purpose, entry.legal_basis, entry.object_ref) == (
        "종로구 세무과 · Tax office", "Handling a civil application", "Framework Act on Local Taxes, Article 86",
        "finance:local_tax")


def test_bad_input_names_each_field_and_records_nothing() -> None:
    with pytest.raises(ValidationError) as refused:
        _assess(amount=0, tax_item="dog_tax", due_on=date(2025, 5, 1))
    assert set(refused.value.field_errors) == {"amount", "tax_item", "due_on"}
    assert not LocalTaxAssessment.objects.exists()

    line = _assess()
    with pytest.raises(ValidationError) as overpaid:
        finance.local_tax_pay(assessment_id=line.id, amount=200_000, idempotency_key="too-much", by="user:alice")
    assert "111860 still owed" in overpaid.value.field_errors["amount"][0]

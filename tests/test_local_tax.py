"""The local tax register across the platform: assessed from the registries, read through the gate by the
tax services (payment certificate, assessment certificate, the deceased's local tax), and a permit's end
announced by a proactive notice.

Alice (김하늘, 청운효자동) owns a car and heads her household; her late father 김철수 left a car
whose vehicle tax was never paid.
"""

# The applications tests' fixtures are imported by name, and the tests take them by the same names.
# ruff: noqa: F811

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.apps import apps

from egov.applications.tests.conftest import (  # noqa: F401 (fixtures)
    NEW_ADDRESS,
    _english_messages,
    _pack_directory,
    _service_pack_loaded,
    alice_resident,
    late_father,
    offices,
    service_pack,
    submit,
)
from egov.certificates.models import IssuedDocument
from egov.core import clock
from egov.core.access_log import entries_about
from egov.core.errors import ValidationError
from egov.finance import public as finance
from egov.finance.models import LocalTaxAssessment
from egov.workflow.public import case_get

pytestmark = pytest.mark.django_db


def _car(owner: Any, plate: str, *, fuel: str = "gasoline", model_year: int = 2022) -> Any:
    return apps.get_model("registries", "Vehicle").objects.create(
        plate_number=plate, vin=f"KMHD0000000{plate[-4:]}00", make="현대", model="아반떼", model_year=model_year,
        fuel=fuel, owner_resident=owner, use_address="서울특별시 종로구 자하문로 1", use_legal_dong_code="1111010100",
        registered_on=date(2022, 3, 2))


def _tax(resident_id: Any, *, year: int, due_on: date, amount: int = 111_860, object_ref: str = "11가1111") -> Any:
    return finance.local_tax_assess(
        taxpayer_kind="resident", taxpayer_id=resident_id, tax_item="vehicle", tax_year=year, period="1",
        object_ref=object_ref, object_label=f"{object_ref} 현대 아반떼", base_date=date(year, 6, 1), amount=amount,
        due_on=due_on, assessor_code="sgg-11110", assessor_name="종로구", assessed_on=date(year, 6, 10),
        by="system:tests")


def _printed(application: Any) -> dict[str, Any]:
    """The facts the issued document printed, by field name."""
    document = IssuedDocument.objects.get(application_id=application.id)
    return {row["name"]: row["value"] for row in json.loads(document.facts.rows)}


def test_the_yearly_run_assesses_from_the_registries_once_and_logs_the_read(alice_resident: Any) -> None:
    _car(alice_resident, "12가3456", model_year=2020)

    first = finance.local_taxes_assess_year(year=2025, on=date(2025, 12, 31), by="system:tests")
    again = finance.local_taxes_assess_year(year=2025, on=date(2025, 12, 31), by="system:tests")

    assert (again.assessed, again.already) == (0, first.assessed)
    rows = LocalTaxAssessment.objects.filter(taxpayer_id=alice_resident.id).order_by("due_on")
    assert [(r.tax_item, r.period, r.due_on) for r in rows] == [
        ("vehicle", "1", date(2025, 6, 30)), ("resident_individual", "", date(2025, 8, 31)),
        ("vehicle", "2", date(2025, 12, 31))]
    # Her 2020 car is in its sixth year: 1,999 cc at 200 won, less 20 %, halved.
    assert rows[0].amount == 159_920 and rows[1].amount == 10_000
    reads = [e for e in entries_about([f"resident:{alice_resident.id}"], limit=None)
             if e.object_ref.startswith("registries:tax_bases")]
    assert reads and all(e.legal_basis.startswith("Framework Act on Local Taxes") for e in reads)


def test_a_payment_certificate_is_issued_when_nothing_is_in_arrears(
    offices: Any, alice_resident: Any, submit: Any, django_capture_on_commit_callbacks: Any
) -> None:
    line = _tax(alice_resident.id, year=2025, due_on=date(2025, 6, 30))
    finance.local_tax_pay(assessment_id=line.id, idempotency_key="p", by="user:alice", paid_on=date(2025, 6, 20),
                          channel="bank")

    with django_capture_on_commit_callbacks(execute=True):
        application = submit("local-tax-payment-certificate", {"use": "payment", "copies": 1})

    assert case_get(case_id=application.case_id).state == "approved"
    assert application.facts["local_tax"]["arrears_total"] == 0
    assert _printed(application)["arrears"] == "0"


def test_arrears_refuse_the_payment_certificate_and_the_refusal_lists_them(
    offices: Any, alice_resident: Any, submit: Any
) -> None:
    _tax(alice_resident.id, year=2024, due_on=date(2024, 6, 30), object_ref="12가3456")

    with pytest.raises(ValidationError) as refused:
        submit("local-tax-payment-certificate", {"use": "payment", "copies": 1})

    message = refused.value.field_errors["__all__"][0]
    assert message.startswith("A payment certificate cannot be issued while local tax is in arrears")
    assert "2024년 자동차세 1기 12가3456 현대 아반떼 111,860원(납기 2024-06-30, 종로구)" in message
    assert not IssuedDocument.objects.exists()


def test_the_deceased_persons_local_tax_is_found_for_an_heir(
    offices: Any, alice: Any, late_father: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from egov.applications.services import application_submit

    _tax(late_father.id, year=2025, due_on=date(2025, 6, 30))

    with django_capture_on_commit_callbacks(execute=True):
        application = application_submit(applicant=alice, service_id="inheritance-local-tax-inquiry",
                                         data={"deceased_number": late_father.identifier}, idempotency_key="tax-1",
                                         by=alice)

    assert case_get(case_id=application.case_id).state == "approved"
    found = application.facts["local_tax"]
    assert found["arrears_total"] == 111_860 and found["arrears"][0]["object_ref"] == "11가1111"
    assert _printed(application)["arrears"] == "2025년 자동차세 1기 11가1111 현대 아반떼 111860원 (납기 2025-06-30, 종로구)"
    assert any(e.object_ref == "finance:local_tax" and "Deceased Persons, Article 4" in e.legal_basis
               for e in entries_about([f"resident:{late_father.pk}"], limit=None))


def test_a_road_occupancy_permit_ending_soon_is_announced_once(
    offices: Any, alice: Any, alice_resident: Any, submit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from egov.accounts.fixtures import make_official
    from egov.applications.services import application_act
    from egov.notifications import public as notifications

    notifications.load_notices_pack()
    notifications.subscriptions_set(user_id=alice.pk, rules=["permit-expiry"])
    today = clock.today()
    until = date(today.year + 1, 3, 31)
    application = submit("road-occupancy-permit", {
        "road_address": NEW_ADDRESS, "object": "공사용 가설물", "area_m2": 12,
        "from_on": today.isoformat(), "until_on": until.isoformat()})
    case = case_get(case_id=application.case_id)
    official = make_official("gu-clerk", "Gu Clerk", "sgg-11110", ["clerk", "reviewer"])
    assert case.organisation_id == official.official.organisation_id
    application_act(application=application, action="claim", official=official)
    application_act(application=application, action="approve", official=official)

    monkeypatch.setenv("EGOV_NOW", f"{until.year}-02-20T09:00:00+09:00")
    assert notifications.notices_run(run_date=clock.today()) == 0, "five weeks before: not yet"
    monkeypatch.setenv("EGOV_NOW", f"{until.year}-03-05T09:00:00+09:00")
    assert notifications.notices_run(run_date=clock.today()) == 1
    assert notifications.notices_run(run_date=clock.today()) == 0

    [notice] = [m for m in notifications.inbox_list(alice.pk) if m.link.startswith("/catalogue/")]
    assert application.reference in notice.body
    assert notice.link == "/catalogue/services/road-occupancy-permit/"

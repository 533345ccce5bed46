"""Bundled life-event services: one form and one submit open one case per member service, all or nothing.

Alice (김하늘, 청운효자동) files the birth one-stop service (birth report, child allowance,
parental benefit) and the safe-inheritance inquiry (a deceased person's vehicles, land and
local tax) online; Casey files one for her at the counter.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.utils import translation

from egov.accounts.fixtures import make_official
from egov.applications import effects
from egov.applications.models import Application
from egov.applications.services import application_act, application_submit, bundle_submit
from egov.core.errors import Conflict, ValidationError
from egov.exchange.public import consents_of
from egov.workflow.public import case_get, cases_for_applicant

pytestmark = pytest.mark.django_db
Organisation = apps.get_model("accounts", "Organisation")
Resident = apps.get_model("registries", "Resident")

BIRTH = {
    "child_name_ko": "김별",
    "born_on": date.today().isoformat(),
    "sex": "female",
    "birthplace": {
        "sido": "서울특별시",
        "sigungu": "종로구",
        "road": "사직로",
        "building_number": "161",
        "legal_dong_code": "1111011900",
        "admin_dong_code": "1101053",
    },
    "birth_proof": {
        "name": "proof.pdf",
        "size": 1000,
        "content_type": "application/pdf",
        "sha256": "0" * 64,
        "path": "applications/uploads/proof.pdf",
    },
    "bank_account": "110-123-456789",
    "childcare": "home",
}
INHERITANCE = {"deceased_number": "500101-1234567", "relation": "child"}


def _file(
    alice: Any, service_id: str, data: dict[str, Any], key: str = "bundle-1", **kwargs: Any
) -> list[Any]:
    kwargs.setdefault("by", alice)
    return bundle_submit(applicant=alice, service_id=service_id, data=data, idempotency_key=key, **kwargs)


def _state(application: Any) -> str:
    case = case_get(case_id=application.case_id)
    assert case is not None
    return case.state


def test_the_birth_one_stop_service_opens_a_case_for_each_member_from_one_form(
    offices: Any,
    alice: Any,
    alice_resident: Any,
) -> None:
    filed = _file(alice, "birth-one-stop", BIRTH)
    assert [a.service_id for a in filed] == ["birth-report", "child-allowance", "parental-benefit"]
    assert [_state(a) for a in filed] == ["submitted", "submitted", "submitted"]
    # Each member keeps the answers it asks; the one account number serves both benefits.
    assert set(filed[0].form) == {"child_name_ko", "born_on", "sex", "birthplace", "birth_proof"}
    # The child has no number yet: the benefits wait for the one the birth report gives.
    assert filed[1].form == {"bank_account": "110-123-456789"}
    assert [item["field"] for item in filed[1].awaiting] == [item["field"] for item in filed[2].awaiting] == [
        "child_number"]
    assert filed[0].awaiting == []
    assert filed[2].form["bank_account"] == "110-123-456789" and filed[2].form["childcare"] == "home"
    # Each goes to its own competent office: the birth report to 종로구, the benefits to 청운효자동.
    assert filed[1].organisation_id == filed[2].organisation_id == offices["cheongun"].id
    assert filed[0].organisation_id != offices["cheongun"].id
    assert {c.id for c in cases_for_applicant(applicant_id=alice.id)} == {a.case_id for a in filed}


def test_a_record_two_members_need_for_the_same_purpose_is_read_and_consented_to_once(
    offices: Any,
    alice: Any,
    alice_resident: Any,
) -> None:
    birth, allowance, benefit = _file(alice, "birth-one-stop", BIRTH)
    by_product = {e["product"]: e for e in allowance.evidence}
    assert benefit.evidence == [by_product["resident-registration-copy"]]
    reads = {e["request_id"] for a in (birth, allowance, benefit) for e in a.evidence}
    # The birth report is read by 종로구 for a civil application, the benefits by the dong for eligibility.
    assert len(reads) == 4
    assert len(consents_of(resident_id=alice_resident.id)) == 4


def test_the_form_asks_a_question_the_members_share_once(service_pack: None) -> None:
    from egov.applications.definitions import bundle_form, bundle_members
    from egov.catalogue.public import service_definition

    bundle = service_definition("birth-one-stop")
    names = [f.name for f in bundle_form(bundle, bundle_members(bundle))]
    assert names == [
        "child_name_ko",
        "child_name_hanja",
        "born_on",
        "sex",
        "birthplace",
        "birth_proof",
        "bank_account",
        "childcare",
    ]
    inheritance = service_definition("safe-inheritance-inquiry")
    assert [f.name for f in bundle_form(inheritance, bundle_members(inheritance))] == [
        "deceased_number",
        "relation",
    ]


def test_a_retry_with_the_same_key_returns_the_same_cases(
    offices: Any, alice: Any, alice_resident: Any
) -> None:
    first = _file(alice, "birth-one-stop", BIRTH, key="same")
    again = _file(alice, "birth-one-stop", BIRTH, key="same")
    assert [a.case_id for a in again] == [a.case_id for a in first]
    assert Application.objects.count() == 3


def test_a_key_used_for_a_bundle_is_not_reused_for_another_application(
    offices: Any,
    alice: Any,
    alice_resident: Any,
    late_father: Any,
) -> None:
    _file(alice, "safe-inheritance-inquiry", INHERITANCE, key="used")
    with pytest.raises(Conflict):
        application_submit(
            applicant=alice,
            service_id="resident-registration-copy",
            data={"copies": 1},
            idempotency_key="used",
            by=alice,
        )
    with pytest.raises(Conflict):
        _file(alice, "birth-one-stop", BIRTH, key="used")
    application_submit(
        applicant=alice,
        service_id="resident-registration-copy",
        data={"copies": 1},
        idempotency_key="single",
        by=alice,
    )
    with pytest.raises(Conflict):
        _file(alice, "birth-one-stop", BIRTH, key="single")
    assert Application.objects.count() == 4


def test_each_field_of_the_one_form_gets_its_own_message_and_nothing_is_filed(
    offices: Any,
    alice: Any,
    alice_resident: Any,
) -> None:
    wrong = {**BIRTH, "child_name_ko": "Byeol", "childcare": "grandparents"}
    del wrong["bank_account"]
    with pytest.raises(ValidationError) as raised:
        _file(alice, "birth-one-stop", wrong)
    errors = raised.value.field_errors
    assert errors["child_name_ko"] == [
        "Child's name (Hangul) is not in the expected form; see the help under the field."
    ]
    assert errors["bank_account"] == ["Fill in Account for payments."]
    assert errors["childcare"] == ["Childcare: choose one of the options."]
    assert Application.objects.count() == 0
    with translation.override("ko"), pytest.raises(ValidationError) as raised:
        _file(alice, "birth-one-stop", wrong)
    assert "아이 이름(한글)" in raised.value.field_errors["child_name_ko"][0]
    assert "보육 방식" in raised.value.field_errors["childcare"][0]


def test_without_consent_nothing_is_read_or_filed(offices: Any, alice: Any, alice_resident: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        _file(alice, "birth-one-stop", BIRTH, consent=False)
    assert "consent" in raised.value.field_errors
    assert consents_of(resident_id=alice_resident.id) == [] and Application.objects.count() == 0


def test_the_safe_inheritance_inquiries_complete_at_once(
    offices: Any, alice: Any, alice_resident: Any, late_father: Any
) -> None:
    filed = _file(alice, "safe-inheritance-inquiry", INHERITANCE)
    assert [a.service_id for a in filed] == [
        "inheritance-vehicle-inquiry",
        "inheritance-land-inquiry",
        "inheritance-local-tax-inquiry",
    ]
    assert [_state(a) for a in filed] == ["approved", "approved", "approved"]
    # The bundle's own question travels with each member's answers, for the official; the
    # deceased's number is shown masked and kept encrypted.
    assert all(a.form == {"relation": "child", "deceased_number": "500101-1******"} for a in filed)
    assert all(a.answers()["deceased_number"] == "500101-1234567" for a in filed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT form, identifiers FROM applications_application")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert "1234567" not in stored and "500101-1******" in stored


def test_the_benefits_wait_for_the_childs_number_that_the_birth_report_gives(
    offices: Any, alice: Any, alice_resident: Any, clerk: Any
) -> None:
    birth, allowance, benefit = _file(alice, "birth-one-stop", BIRTH)
    gu_clerk = make_official("gu-clerk", "Gu Clerk", Organisation.objects.get(id=birth.organisation_id).code,
                             ["clerk", "reviewer"])
    application_act(application=allowance, action="claim", official=clerk)
    with pytest.raises(ValidationError) as raised:
        application_act(application=allowance, action="approve", official=clerk)
    assert "The birth report gives the child a registration number" in raised.value.message
    assert _state(allowance) == "in_review"

    application_act(application=birth, action="claim", official=gu_clerk)
    application_act(application=birth, action="approve", official=gu_clerk)
    allowance.refresh_from_db()
    benefit.refresh_from_db()
    child = Resident.objects.get(name_ko="김별")
    for waiting in (allowance, benefit):
        assert waiting.awaiting == []
        assert waiting.answers()["child_number"] == child.identifier[:6] + "-" + child.identifier[6:]
        assert waiting.form["child_number"] == f"{child.identifier[:6]}-{child.identifier[6]}******"
    assert application_act(application=allowance, action="approve", official=clerk).state == "approved"


def test_a_crash_while_filing_the_last_member_leaves_no_case_and_a_retry_files_them_all(
    offices: Any,
    alice: Any,
    alice_resident: Any,
    late_father: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    complete = effects.complete

    def crash_on_the_tax_inquiry(context: Any) -> None:
        if context.case.service_id == "inheritance-local-tax-inquiry":
            raise RuntimeError("disk full")
        complete(context)

    monkeypatch.setattr(effects, "complete", crash_on_the_tax_inquiry)
    with pytest.raises(RuntimeError):
        _file(alice, "safe-inheritance-inquiry", INHERITANCE, key="k")
    assert Application.objects.count() == 0
    assert cases_for_applicant(applicant_id=alice.id) == []
    monkeypatch.undo()
    filed = _file(alice, "safe-inheritance-inquiry", INHERITANCE, key="k")
    assert len(cases_for_applicant(applicant_id=alice.id)) == 3 == len(filed)


def test_a_single_service_is_not_filed_as_a_bundle(offices: Any, alice: Any, alice_resident: Any) -> None:
    with pytest.raises(ValidationError):
        _file(alice, "resident-registration-copy", {"copies": 1})
    with pytest.raises(ValidationError):
        application_submit(
            applicant=alice, service_id="birth-one-stop", data=BIRTH, idempotency_key="x", by=alice
        )


def test_a_clerk_files_a_bundle_for_a_walk_in_visitor(
    offices: Any,
    alice: Any,
    alice_resident: Any,
    clerk: Any,
) -> None:
    filed = _file(alice, "birth-one-stop", BIRTH, key="counter-1", channel="counter", by=clerk)
    assert len(filed) == 3
    assert all(a.channel == "counter" and a.filed_by_id == clerk.id for a in filed)
    # Casey reads for the benefits her dong decides; 종로구 reads for the birth report it decides.
    consents = consents_of(resident_id=alice_resident.id)
    assert {c.channel for c in consents} == {"counter"}
    assert sorted(c.recipient for c in consents) == ["adm-1101072", "adm-1101072", "sgg-11110", "sgg-11110"]
    assert len({e["request_id"] for a in filed for e in a.evidence}) == 4


def test_bundle_file_files_the_birth_one_stop_at_the_counter_as_the_counter_page_does(
    offices: Any,
    alice: Any,
    alice_resident: Any,
    clerk: Any,
) -> None:
    from egov.applications.public import bundle_file

    filed = bundle_file(applicant_id=alice.id, service_id="birth-one-stop", data=BIRTH, idempotency_key="bf-1",
                        channel="counter", clerk_id=clerk.id)
    assert [f.state for f in filed] == ["submitted", "submitted", "submitted"]
    assert {f.channel for f in filed} == {"counter"}
    assert {f.case_id for f in filed} == {c.id for c in cases_for_applicant(applicant_id=alice.id)}
    # The same key again is the same filing, not three more cases.
    again = bundle_file(applicant_id=alice.id, service_id="birth-one-stop", data=BIRTH, idempotency_key="bf-1",
                        channel="counter", clerk_id=clerk.id)
    assert [f.reference for f in again] == [f.reference for f in filed]
    assert Application.objects.filter(applicant=alice).count() == 3
    assert all(a.filed_by_id == clerk.id for a in Application.objects.filter(applicant=alice))

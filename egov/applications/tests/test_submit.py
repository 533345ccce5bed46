"""Submitting an application: validation, evidence through the gate, idempotency, automatic completion."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from egov.applications.models import Application
from egov.applications.services import application_submit
from egov.applications.tests.conftest import NEW_ADDRESS
from egov.core.errors import PermissionDenied, ValidationError
from egov.notifications.public import inbox_list
from egov.workflow.public import case_get, case_history

pytestmark = pytest.mark.django_db


def test_a_registry_answerable_service_completes_in_one_request(offices: Any, alice_resident: Any, submit: Any) -> None:
    application = submit("resident-registration-copy", {"copies": 1})
    case = case_get(case_id=application.case_id)
    assert case is not None
    assert case.state == "approved"
    assert [h.transition for h in case_history(case_id=case.id)][-1] == "approve_automatically"
    assert application.organisation_id == offices["cheongun"].id
    subjects = [m.subject for m in inbox_list(application.applicant_id)]
    # Notices are written in the deployment's language (Korean in the kr pack).
    assert any("처리 완료되었습니다" in s or "처리 결과" in s for s in subjects)
    assert any("접수되었습니다" in s for s in subjects)


def test_a_retry_with_the_same_key_returns_the_same_case(offices: Any, alice_resident: Any, submit: Any) -> None:
    first = submit("resident-registration-copy", {"copies": 1}, key="same")
    again = submit("resident-registration-copy", {"copies": 1}, key="same")
    assert again.case_id == first.case_id
    assert Application.objects.count() == 1


def test_each_field_gets_its_own_message(offices: Any, alice_resident: Any, submit: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        submit("move-in-report", {"moved_on": "2999-01-01", "movers": "everyone", "extra": "x",
                                  "new_address": {"sido": "서울특별시"}})
    errors = raised.value.field_errors
    assert errors["moved_on"] == ["Date of the move cannot be later than today."]
    assert errors["movers"] == ["Who is moving: choose one of the options."]
    assert "new_address.road" in errors and "new_address.legal_dong_code" in errors
    assert errors["extra"] == ["This form does not ask for extra."]
    assert Application.objects.count() == 0


def test_the_messages_come_in_korean_for_a_korean_applicant(offices: Any, alice_resident: Any, submit: Any) -> None:
    from django.utils import translation

    with translation.override("ko"), pytest.raises(ValidationError) as raised:
        submit("resident-registration-copy", {"copies": 11})
    assert "발급 부수" in raised.value.field_errors["copies"][0]


def test_a_person_without_a_proven_identity_cannot_apply(offices: Any, submit: Any) -> None:
    with pytest.raises(PermissionDenied):
        submit("resident-registration-copy", {"copies": 1})


def test_without_consent_nothing_is_read_or_filed(offices: Any, alice_resident: Any, submit: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        submit("resident-registration-copy", {"copies": 1}, consent=False)
    assert "consent" in raised.value.field_errors
    assert Application.objects.count() == 0


def test_a_move_in_report_goes_to_the_office_of_the_new_address_and_the_old_one_is_told(
    offices: Any, alice_resident: Any, submit: Any,
) -> None:
    application = submit("move-in-report", {"new_address": NEW_ADDRESS, "moved_on": date.today().isoformat(),
                                            "movers": "whole_household"})
    assert application.organisation_id == offices["sajik"].id
    roles = {o.organisation_id: o.role for o in application.offices.all()}
    assert roles == {offices["sajik"].id: "competent", offices["cheongun"].id: "informed"}
    assert case_get(case_id=application.case_id).state == "submitted"  # type: ignore[union-attr]


def test_a_clerk_files_for_a_walk_in_visitor_as_an_office_visit(
    offices: Any, alice: Any, alice_resident: Any, clerk: Any,
) -> None:
    application = application_submit(applicant=alice, service_id="resident-registration-copy", data={"copies": 2},
                                     idempotency_key="counter-1", channel="counter", by=clerk)
    case = case_get(case_id=application.case_id)
    assert case is not None and case.channel == "counter"
    assert application.filed_by_id == clerk.id
    # At the counter the copy costs 400 won each.
    assert application.fee_amount == 800
    from egov.finance.public import receipt

    assert receipt(payment_id=application.payment_id).payment.amount == 800  # type: ignore[union-attr]

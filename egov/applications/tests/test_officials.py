"""Officials at work: claim, supplement with a deadline, approve with the registry effect, reject, jurisdiction."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from egov.applications import effects
from egov.applications.models import Application
from egov.applications.services import application_act, application_supplement, application_withdraw
from egov.applications.tests.conftest import NEW_ADDRESS
from egov.core import clock
from egov.core.errors import PermissionDenied, ValidationError
from egov.exchange.public import own_records
from egov.notifications.public import inbox_list
from egov.workflow.public import case_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def move_in(offices: Any, alice_resident: Any, submit: Any) -> Application:
    return submit("move-in-report", {"new_address": NEW_ADDRESS, "moved_on": date.today().isoformat(),
                                     "movers": "whole_household", "update_vehicles": True})


def _address_of(alice: Any) -> Any:
    records = own_records(user_id=alice.id, resident_id=alice.resident_id)
    assert records is not None
    return records.resident.address


def test_the_new_dong_clerk_approves_a_move_in_and_the_address_changes(
    move_in: Application, offices: Any, alice: Any,
) -> None:
    application_act(application=move_in, action="claim", official=offices["sam"])
    case = application_act(application=move_in, action="approve", official=offices["sam"])
    assert case.state == "approved"
    address = _address_of(alice)
    assert address.road == "사직로" and address.admin_dong_code == "1101053"
    # Notices are written in the deployment's language (Korean in the kr pack).
    assert any("처리 완료되었습니다" in m.subject for m in inbox_list(alice.id))


def test_an_official_outside_the_jurisdiction_cannot_act(move_in: Application, clerk: Any) -> None:
    # Casey works in 청운효자동, the old address: her office is told, but the new dong decides.
    with pytest.raises(PermissionDenied):
        application_act(application=move_in, action="claim", official=clerk)
    assert case_get(case_id=move_in.case_id).state == "submitted"  # type: ignore[union-attr]


def test_a_supplement_request_has_reasons_and_a_deadline_and_the_applicant_answers(
    move_in: Application, offices: Any, alice: Any,
) -> None:
    application_act(application=move_in, action="claim", official=offices["sam"])
    with pytest.raises(ValidationError) as raised:
        application_act(application=move_in, action="request_supplement", official=offices["sam"])
    assert "reason" in raised.value.field_errors
    deadline = clock.now() + timedelta(days=5)
    case = application_act(application=move_in, action="request_supplement", official=offices["sam"],
                           reason="Attach the lease contract", supplement_deadline=deadline)
    assert case.state == "supplement_requested" and case.supplement_due_at == deadline
    assert any("보완 요구" in m.subject for m in inbox_list(alice.id))
    case = application_supplement(application=move_in, applicant=alice, answer="The lease starts on the 1st.")
    assert case.state == "in_review"


def test_a_refusal_says_why(move_in: Application, offices: Any, alice: Any) -> None:
    application_act(application=move_in, action="claim", official=offices["sam"])
    case = application_act(application=move_in, action="reject", official=offices["sam"], reason="Not living there")
    assert case.state == "rejected"
    assert "Not living there" in inbox_list(alice.id)[0].body


def test_a_crash_in_the_registry_effect_leaves_the_case_as_it_was(
    move_in: Application, offices: Any, alice: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def move_then_crash(application: Any, fields: Any, context: Any) -> None:
        effects.resident_move_in(application, fields, context)
        raise RuntimeError("power cut")

    monkeypatch.setitem(effects.HANDLERS, "resident.move_in", move_then_crash)
    application_act(application=move_in, action="claim", official=offices["sam"])
    with pytest.raises(RuntimeError):
        application_act(application=move_in, action="approve", official=offices["sam"])
    assert case_get(case_id=move_in.case_id).state == "in_review"  # type: ignore[union-attr]
    assert _address_of(alice).road == "자하문로"


def test_the_applicant_may_withdraw_an_open_application(move_in: Application, alice: Any) -> None:
    assert application_withdraw(application=move_in, applicant=alice).state == "withdrawn"

"""Cases move only along their definition's transitions, by the roles it names, and say so in history and audit."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from egov.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from egov.core.models.audit import AuditEntry
from egov.workflow.public import (
    CaseInfo,
    case_available_transitions,
    case_get,
    case_history,
    case_transition,
    cases_for_applicant,
    cases_for_queue,
)
from egov.workflow.tests import hooks
from egov.workflow.tests.conftest import REVIEW

pytestmark = pytest.mark.django_db

WITHOUT_SUPPLEMENT = {key: value for key, value in REVIEW.items() if key != "supplement"}

OpenCase = Callable[..., CaseInfo]


def test_a_new_case_starts_in_the_initial_state_with_a_readable_reference_and_a_deadline(open_case: OpenCase) -> None:
    case = open_case()
    assert case.state == "submitted"
    assert re.fullmatch(r"\d{4}-\d{7}", case.reference)
    assert case.due_at is not None and case.due_at > case.opened_at
    assert case_get(reference=case.reference) == case
    assert AuditEntry.objects.filter(action="case.open", object_ref=f"case:{case.id}").exists()


def test_reference_numbers_count_up_within_the_year(open_case: OpenCase) -> None:
    first, second = open_case(), open_case()
    year, number = first.reference.split("-")
    assert second.reference == f"{year}-{int(number) + 1:07d}"


def test_the_clerk_claims_and_approves_and_history_records_every_step(open_case: OpenCase, clerk: Any) -> None:
    case = open_case()
    by = f"user:{clerk.id}"
    case_transition(case_id=case.id, transition="claim", by=by)
    approved = case_transition(case_id=case.id, transition="approve", by=by, reason="all in order")
    assert approved.state == "approved" and approved.is_final and approved.closed_at is not None
    steps = [(h.kind, h.from_state, h.to_state, h.actor, h.reason) for h in case_history(case_id=case.id)]
    assert steps == [
        ("opened", "", "submitted", f"user:{case.applicant_id}", ""),
        ("transition", "submitted", "under_review", by, ""),
        ("transition", "under_review", "approved", by, "all in order"),
    ]
    audited = AuditEntry.objects.filter(action="case.transition", object_ref=f"case:{case.id}")
    assert audited.count() == 2 and {e.actor for e in audited} == {by}


def test_a_transition_not_leaving_the_current_state_is_refused(open_case: OpenCase, clerk: Any) -> None:
    case = open_case()
    with pytest.raises(Conflict):
        case_transition(case_id=case.id, transition="approve", by=f"user:{clerk.id}")
    with pytest.raises(Conflict):
        case_transition(case_id=case.id, transition="no_such_step", by=f"user:{clerk.id}")
    assert case_get(case_id=case.id).state == "submitted"  # type: ignore[union-attr]


def test_the_applicant_cannot_take_a_clerks_step(open_case: OpenCase, alice: Any) -> None:
    case = open_case()
    with pytest.raises(PermissionDenied):
        case_transition(case_id=case.id, transition="claim", by=f"user:{alice.id}")


def test_another_citizen_cannot_withdraw_alices_case(open_case: OpenCase, bob: Any, alice: Any) -> None:
    case = open_case()
    with pytest.raises(PermissionDenied):
        case_transition(case_id=case.id, transition="withdraw", by=f"user:{bob.id}")
    assert case_transition(case_id=case.id, transition="withdraw", by=f"user:{alice.id}").state == "rejected"


def test_a_caller_cannot_grant_a_role_the_actor_does_not_hold(open_case: OpenCase, alice: Any) -> None:
    case = open_case()
    with pytest.raises(PermissionDenied):
        case_transition(case_id=case.id, transition="claim", by=f"user:{alice.id}", roles=["clerk"])


def test_an_official_of_another_office_cannot_act_on_the_case(open_case: OpenCase, head: Any) -> None:
    case = open_case()
    with pytest.raises(PermissionDenied):
        case_transition(case_id=case.id, transition="claim", by=f"user:{head.id}")


def test_the_si_gun_gu_reviewer_may_act_on_a_case_in_their_jurisdiction(open_case: OpenCase, clerk: Any,
                                                                         reviewer: Any) -> None:
    case = open_case()
    case_transition(case_id=case.id, transition="claim", by=f"user:{clerk.id}")
    assert case_available_transitions(case_id=case.id, by=f"user:{reviewer.id}") == ["approve"]
    assert case_transition(case_id=case.id, transition="approve", by=f"user:{reviewer.id}").state == "approved"


def test_a_guard_that_says_no_leaves_the_case_where_it_was(open_case: OpenCase, clerk: Any) -> None:
    case = open_case(data={})
    by = f"user:{clerk.id}"
    case_transition(case_id=case.id, transition="claim", by=by)
    with pytest.raises(ValidationError):
        case_transition(case_id=case.id, transition="approve", by=by)
    assert case_get(case_id=case.id).state == "under_review"  # type: ignore[union-attr]
    assert len(case_history(case_id=case.id)) == 2


def test_a_guard_may_give_its_own_reason(open_case: OpenCase, clerk: Any) -> None:
    definition = {**WITHOUT_SUPPLEMENT, "transitions": [
        {"name": "claim", "from": "submitted", "to": "under_review", "roles": ["clerk"],
         "guard": "egov.workflow.tests.hooks.refuses_with_reason"},
    ]}
    case = open_case(definition=definition)
    with pytest.raises(ValidationError, match="birth date"):
        case_transition(case_id=case.id, transition="claim", by=f"user:{clerk.id}")


def test_the_effect_sees_the_new_state_and_the_payload(open_case: OpenCase, clerk: Any) -> None:
    case = open_case()
    by = f"user:{clerk.id}"
    case_transition(case_id=case.id, transition="claim", by=by)
    hooks.seen.clear()
    case_transition(case_id=case.id, transition="approve", by=by, payload={"decision": "D-1"})
    (context,) = hooks.seen
    assert context.case.state == "approved" and context.from_state == "under_review"
    assert context.payload["decision"] == "D-1" and "clerk" in context.roles


def test_a_failing_effect_undoes_the_step_its_history_and_its_audit_entry(open_case: OpenCase, clerk: Any) -> None:
    definition = {**WITHOUT_SUPPLEMENT, "transitions": [
        {"name": "claim", "from": "submitted", "to": "under_review", "roles": ["clerk"],
         "effect": "egov.workflow.tests.hooks.explodes"},
    ]}
    case = open_case(definition=definition)
    with pytest.raises(RuntimeError):
        case_transition(case_id=case.id, transition="claim", by=f"user:{clerk.id}")
    assert case_get(case_id=case.id).state == "submitted"  # type: ignore[union-attr]
    assert not AuditEntry.objects.filter(action="case.transition", object_ref=f"case:{case.id}").exists()


def test_a_case_keeps_the_workflow_it_started_under(open_case: OpenCase, clerk: Any) -> None:
    case = open_case()
    open_case(definition={**REVIEW, "transitions": REVIEW["transitions"][1:]})  # claim removed in a new version
    assert case_transition(case_id=case.id, transition="claim", by=f"user:{clerk.id}").state == "under_review"


def test_an_unknown_case_is_not_found(clerk: Any) -> None:
    import uuid

    with pytest.raises(NotFound):
        case_transition(case_id=uuid.uuid4(), transition="claim", by=f"user:{clerk.id}")


def test_an_invalid_definition_is_refused_with_its_reason(open_case: OpenCase) -> None:
    with pytest.raises(ValidationError, match="unknown state"):
        open_case(definition={**WITHOUT_SUPPLEMENT, "transitions": [{"name": "x", "from": "submitted", "to": "nowhere",
                                                          "roles": ["clerk"]}]})


def test_the_office_queue_lists_open_cases_the_earliest_due_first(open_case: OpenCase, clerk: Any,
                                                                   alice: Any) -> None:
    quick = open_case(definition={**REVIEW, "sla": {"value": 2, "unit": "hours"}})
    slow = open_case()
    done = open_case()
    case_transition(case_id=done.id, transition="reject", by=f"user:{clerk.id}")
    queue = cases_for_queue(organisation_id=clerk.official.organisation.id, states=["submitted"])
    assert [c.id for c in queue] == [quick.id, slow.id]
    assert {c.id for c in cases_for_applicant(applicant_id=alice.id)} == {quick.id, slow.id, done.id}

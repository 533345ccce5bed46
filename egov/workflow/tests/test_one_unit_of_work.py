"""A case opened and moved by one unit of work (an application filed, in a memo scope) reads as the database has it.

Within one filing the engine keeps the case it opened instead of reading it back: its
next step takes it from there, and once committed the filing's answer is what it wrote
(ADR 0147). These tests hold what a reader sees to what is stored, whatever a step that
failed or was undone left behind.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from egov.core import memo
from egov.core.errors import NotFound
from egov.workflow.public import CaseInfo, case_get, case_history, case_transition
from egov.workflow.tests.conftest import REVIEW

pytestmark = pytest.mark.django_db

OpenCase = Callable[..., CaseInfo]
EXPLODING_CLAIM = {**REVIEW, "transitions": [
    {"name": "claim", "from": "submitted", "to": "under_review", "roles": ["clerk"],
     "effect": "egov.workflow.tests.hooks.explodes"},
    *REVIEW["transitions"][1:],
]}


def _steps(case_id: Any) -> list[tuple[str, str, str]]:
    return [(h.kind, h.from_state, h.to_state) for h in case_history(case_id=case_id)]


def test_a_case_opened_and_moved_in_one_filing_answers_as_it_was_stored(
    open_case: OpenCase, clerk: Any, django_capture_on_commit_callbacks: Any,
) -> None:
    with memo.scope():
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            case = open_case()
            case_transition(case_id=case.id, transition="claim", by=f"user:{clerk.id}")
        answered = case_get(case_id=case.id), _steps(case.id)
    stored = case_get(case_id=case.id), _steps(case.id)
    assert answered == stored
    assert stored[0] is not None and stored[0].state == "under_review"
    assert stored[1] == [("opened", "", "submitted"), ("transition", "submitted", "under_review")]


def test_a_step_whose_effect_failed_leaves_the_next_step_to_start_from_the_stored_state(
    open_case: OpenCase, clerk: Any, django_capture_on_commit_callbacks: Any,
) -> None:
    by = f"user:{clerk.id}"
    with memo.scope():
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            case = open_case(definition=EXPLODING_CLAIM)
            with pytest.raises(RuntimeError):
                case_transition(case_id=case.id, transition="claim", by=by)
            case_transition(case_id=case.id, transition="reject", by=by, reason="incomplete")
        answered = case_get(case_id=case.id), _steps(case.id)
    stored = case_get(case_id=case.id), _steps(case.id)
    assert answered == stored
    assert stored[1] == [("opened", "", "submitted"), ("transition", "submitted", "rejected")]


def test_a_case_whose_opening_was_undone_cannot_be_moved(open_case: OpenCase, clerk: Any) -> None:
    with memo.scope(), transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            case = open_case()
            raise RuntimeError("the filing failed after the case was opened")
        with pytest.raises(NotFound):
            case_transition(case_id=case.id, transition="claim", by=f"user:{clerk.id}")


def test_a_step_taken_after_the_filing_committed_is_what_the_case_shows(
    open_case: OpenCase, clerk: Any, django_capture_on_commit_callbacks: Any,
) -> None:
    by = f"user:{clerk.id}"
    with memo.scope():
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            case = open_case()
        case_transition(case_id=case.id, transition="claim", by=by)
        case_transition(case_id=case.id, transition="reject", by=by, reason="not ours")
        answered = case_get(case_id=case.id), _steps(case.id)
    assert answered == (case_get(case_id=case.id), _steps(case.id))
    assert answered[0] is not None and answered[0].state == "rejected" and len(answered[1]) == 3

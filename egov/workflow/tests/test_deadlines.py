"""SLA clocks stop while the applicant supplements; the daily job escalates late cases and ends unanswered ones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from egov.core.models.audit import AuditEntry
from egov.core.scheduler import daily_jobs
from egov.workflow.public import CaseInfo, case_get, case_history, case_transition, cases_check_deadlines
from egov.workflow.tasks import deadlines_check
from egov.workflow.tests.conftest import REVIEW

pytestmark = pytest.mark.django_db

OpenCase = Callable[..., CaseInfo]
SEOUL = ZoneInfo("Asia/Seoul")
ESCALATING = {
    **REVIEW,
    "transitions": [*REVIEW["transitions"],
                    {"name": "escalate", "from": ["submitted", "under_review"], "to": "escalated",
                     "roles": ["system"]}],
    "escalation": {"transition": "escalate"},
}


def kst(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SEOUL)  # type: ignore[misc]


def near(a: datetime | None, b: datetime) -> bool:
    """Time flows on from EGOV_NOW while a test runs; a clock reading is right to the minute."""
    return a is not None and abs(a - b) < timedelta(minutes=1)


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    def move(moment: datetime) -> None:
        monkeypatch.setenv("EGOV_NOW", moment.isoformat())

    return move


def test_the_clock_stops_while_the_applicant_supplements_and_the_deadline_moves_by_that_time(
    open_case: OpenCase, clerk: Any, alice: Any, at: Callable[[datetime], None]
) -> None:
    at(kst(2026, 11, 23, 9))  # Monday
    case = open_case()
    assert near(case.due_at, kst(2026, 11, 25, 18))  # three days: 24 working hours
    case_transition(case_id=case.id, transition="claim", by=f"user:{clerk.id}")
    at(kst(2026, 11, 23, 13))
    waiting = case_transition(case_id=case.id, transition="request_supplement", by=f"user:{clerk.id}",
                              reason="The lease contract is missing.")
    assert waiting.sla_paused_since is not None
    assert near(waiting.supplement_due_at, kst(2026, 12, 1, 18))  # seven working days, the first included
    at(kst(2026, 11, 25, 13))  # sixteen working hours later
    answered = case_transition(case_id=case.id, transition="supplement", by=f"user:{alice.id}",
                               data_update={"documents": ["lease", "contract"]})
    assert answered.sla_paused_since is None and answered.supplement_due_at is None
    assert near(answered.due_at, kst(2026, 11, 27, 18))
    assert answered.data["documents"] == ["lease", "contract"]


def test_an_official_may_give_the_supplement_its_own_deadline(
    open_case: OpenCase, clerk: Any, at: Callable[[datetime], None]
) -> None:
    at(kst(2026, 11, 23, 9))
    case = open_case()
    case_transition(case_id=case.id, transition="claim", by=f"user:{clerk.id}")
    waiting = case_transition(case_id=case.id, transition="request_supplement", by=f"user:{clerk.id}",
                              supplement_deadline=kst(2026, 11, 24, 18))
    assert waiting.supplement_due_at == kst(2026, 11, 24, 18)
    history = case_history(case_id=case.id)
    assert datetime.fromisoformat(history[-1].detail["supplement_due_at"]) == kst(2026, 11, 24, 18)


def test_a_supplement_unanswered_by_its_deadline_ends_the_case_as_the_definition_says(
    open_case: OpenCase, clerk: Any, at: Callable[[datetime], None]
) -> None:
    at(kst(2026, 11, 23, 9))
    case = open_case()
    case_transition(case_id=case.id, transition="claim", by=f"user:{clerk.id}")
    case_transition(case_id=case.id, transition="request_supplement", by=f"user:{clerk.id}")
    at(kst(2026, 12, 1, 17))
    assert cases_check_deadlines()["supplements_expired"] == 0, "not before its deadline"
    at(kst(2026, 12, 2, 0, 10))
    assert cases_check_deadlines()["supplements_expired"] == 1
    lapsed = case_get(case_id=case.id)
    assert lapsed is not None and lapsed.state == "lapsed" and lapsed.closed_at is not None
    last = case_history(case_id=case.id)[-1]
    assert (last.transition, last.actor) == ("supplement_expired", "system:workflow")
    assert cases_check_deadlines()["supplements_expired"] == 0, "a second run finds nothing left to do"


def test_a_late_case_is_escalated_once_without_changing_its_state(
    open_case: OpenCase, at: Callable[[datetime], None]
) -> None:
    at(kst(2026, 11, 23, 9))
    case = open_case()
    at(kst(2026, 11, 25, 17))
    assert cases_check_deadlines()["escalated"] == 0
    at(kst(2026, 11, 26, 0, 10))
    assert case_get(case_id=case.id).is_overdue  # type: ignore[union-attr]
    assert cases_check_deadlines()["escalated"] == 1
    assert cases_check_deadlines()["escalated"] == 0
    late = case_get(case_id=case.id)
    assert late is not None and late.state == "submitted" and late.escalated_at is not None
    entry = case_history(case_id=case.id)[-1]
    assert (entry.kind, entry.from_state, entry.to_state) == ("escalation", "submitted", "submitted")
    assert AuditEntry.objects.filter(action="case.escalate", object_ref=f"case:{case.id}").count() == 1


def test_a_definition_may_move_a_late_case_to_another_state(
    open_case: OpenCase, at: Callable[[datetime], None]
) -> None:
    at(kst(2026, 11, 23, 9))
    case = open_case(definition=ESCALATING)
    at(kst(2026, 11, 26, 9))
    cases_check_deadlines()
    assert case_get(case_id=case.id).state == "escalated"  # type: ignore[union-attr]
    assert [h.kind for h in case_history(case_id=case.id)][-2:] == ["escalation", "transition"]


def test_a_case_waiting_for_a_supplement_is_not_late(
    open_case: OpenCase, clerk: Any, at: Callable[[datetime], None]
) -> None:
    at(kst(2026, 11, 23, 9))
    case = open_case()
    case_transition(case_id=case.id, transition="claim", by=f"user:{clerk.id}")
    case_transition(case_id=case.id, transition="request_supplement", by=f"user:{clerk.id}")
    at(kst(2026, 11, 30, 9))
    assert cases_check_deadlines()["escalated"] == 0


def test_the_deadline_check_runs_daily_on_the_workers_scheduler(
    open_case: OpenCase, at: Callable[[datetime], None]
) -> None:
    assert "egov.workflow.tasks.deadlines_check" in {job.path for job in daily_jobs()}
    at(kst(2026, 11, 23, 9))
    case = open_case()
    at(kst(2026, 11, 27, 0, 10))
    deadlines_check(run_date=date(2026, 11, 27))
    assert case_get(case_id=case.id).escalated_at is not None  # type: ignore[union-attr]

"""The applicant is told on the channels they chose: a decision arrives by e-mail at a real SMTP server on
loopback, and a supplement deadline near is a proactive notice for a subscribed applicant."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from egov.applications.models import Application
from egov.applications.services import application_act
from egov.applications.tests.conftest import NEW_ADDRESS
from egov.core import clock
from egov.notifications import public as notifications

pytestmark = pytest.mark.django_db


@pytest.fixture
def move_in(offices: Any, alice_resident: Any, submit: Any) -> Application:
    notifications.load_notices_pack()
    return submit("move-in-report", {"new_address": NEW_ADDRESS, "moved_on": date.today().isoformat(),
                                     "movers": "whole_household", "update_vehicles": True})


def test_the_decision_on_an_application_arrives_by_email_when_the_applicant_chose_email(
    offices: Any, alice: Any, alice_resident: Any, submit: Any, smtp_server: Any, run_ready_tasks: Any, client_for: Any,
) -> None:
    notifications.load_notices_pack()
    alice.email = "alice@example.org"
    alice.save(update_fields=["email"])
    chosen = client_for(alice).post("/notifications/preferences/", {"channels": ["email"], "categories": ["general", "notices"]})
    assert chosen.status_code == 302
    application = submit("move-in-report", {"new_address": NEW_ADDRESS, "moved_on": date.today().isoformat(),
                                            "movers": "whole_household", "update_vehicles": True})
    run_ready_tasks()
    received = len(smtp_server.wait_for(1))

    application_act(application=application, action="claim", official=offices["sam"])
    application_act(application=application, action="approve", official=offices["sam"])
    run_ready_tasks()

    decision = [m for m in smtp_server.wait_for(received + 2) if "처리 완료" in m["Subject"]]
    assert len(decision) == 1, [m["Subject"] for m in smtp_server.messages]
    [mail] = decision
    assert mail["To"] == "alice@example.org"
    text = mail.get_content()
    assert "접수번호" in text and "처리 완료" in text
    assert reverse("applications:detail", args=[application.id]) in text, "the e-mail links to the application"
    assert mail["X-Egov-Category"] == "applications"


def test_a_subscribed_applicant_is_reminded_before_the_supplement_deadline(
    move_in: Application, offices: Any, alice: Any,
) -> None:
    notifications.subscriptions_set(user_id=alice.pk, rules=["supplement-deadline-near"])
    application_act(application=move_in, action="claim", official=offices["sam"])
    deadline = clock.now() + timedelta(days=10)
    application_act(application=move_in, action="request_supplement", official=offices["sam"],
                    reason="Attach the lease contract", supplement_deadline=deadline)
    due = timezone.localtime(deadline).date()

    assert notifications.notices_run(run_date=due - timedelta(days=5)) == 0
    assert notifications.notices_run(run_date=due - timedelta(days=2)) == 1
    assert notifications.notices_run(run_date=due - timedelta(days=1)) == 0

    [reminder] = [m for m in notifications.inbox_list(alice.pk) if m.link == reverse("applications:detail", args=[move_in.id])
                  and "보완 기한" in m.subject]
    assert "보완 기한" in reminder.subject

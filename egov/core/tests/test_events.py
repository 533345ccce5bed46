from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction

from egov.core import events

received: list[events.Event] = []


def remember(event: events.Event) -> None:
    received.append(event)


def explode(event: events.Event) -> None:
    raise RuntimeError("a broken subscriber")


@pytest.fixture(autouse=True)
def subscribed() -> Iterator[None]:
    received.clear()
    events.subscribe("case.decided", explode)
    events.subscribe("case.decided", "egov.core.tests.test_events.remember")
    yield
    events.unsubscribe("case.decided", explode)
    events.unsubscribe("case.decided", "egov.core.tests.test_events.remember")


@pytest.mark.django_db
def test_subscribers_hear_an_event_only_when_its_transaction_commits(
    django_capture_on_commit_callbacks: object,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        with transaction.atomic():
            events.publish("case.decided", case_id="c-1", decision="approved")
            assert received == []
    assert [e.payload for e in received] == [{"case_id": "c-1", "decision": "approved"}]


@pytest.mark.django_db
def test_a_rolled_back_write_publishes_nothing(django_capture_on_commit_callbacks: object) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        try:
            with transaction.atomic():
                events.publish("case.decided", case_id="c-2")
                raise ValueError("the write fails")
        except ValueError:
            pass
    assert received == []


@pytest.mark.django_db
def test_a_failing_subscriber_does_not_stop_the_others(django_capture_on_commit_callbacks: object) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        events.publish("case.decided", case_id="c-3")
    assert len(received) == 1

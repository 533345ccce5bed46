"""The notifications API: a signed-in person lists and marks their own messages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from egov.notifications import public

pytestmark = pytest.mark.django_db

MESSAGES = "/api/v1/notifications/messages"


def test_a_citizen_lists_their_own_messages_newest_first(alice: Any, alice_client: Client, bob: Any) -> None:
    public.send(recipient_user_id=alice.pk, subject="First", body="1")
    public.send(recipient_user_id=alice.pk, subject="Second", body="2", category="notice")
    public.send(recipient_user_id=bob.pk, subject="Bob's", body="…")

    response = alice_client.get(MESSAGES)

    assert response.status_code == 200
    body = response.json()
    assert [m["subject"] for m in body] == ["Second", "First"]
    assert body[0]["category"] == "notice" and body[0]["read"] is False


def test_the_list_is_limited_on_request(alice: Any, alice_client: Client) -> None:
    for n in range(3):
        public.send(recipient_user_id=alice.pk, subject=f"N{n}", body="…")
    assert len(alice_client.get(MESSAGES, {"limit": 2}).json()) == 2
    refused = alice_client.get(MESSAGES, {"limit": 0})
    assert refused.status_code == 422
    assert refused["Content-Type"].startswith("application/problem+json")


def test_a_citizen_marks_a_message_read(alice: Any, alice_client: Client) -> None:
    [ref] = public.send(recipient_user_id=alice.pk, subject="Hello", body="…")

    response = alice_client.post(f"{MESSAGES}/{ref.message_id}/read")

    assert response.status_code == 200
    assert response.json()["read"] is True
    assert public.inbox_unread_count(alice.pk) == 0


def test_someone_elses_message_is_not_found(alice: Any, bob_client: Client) -> None:
    [ref] = public.send(recipient_user_id=alice.pk, subject="Hello", body="…")
    response = bob_client.post(f"{MESSAGES}/{ref.message_id}/read")
    assert response.status_code == 404
    assert public.inbox_unread_count(alice.pk) == 1


def test_an_anonymous_caller_is_told_to_sign_in() -> None:
    response = Client().get(MESSAGES)
    assert response.status_code == 401

"""The citizen's inbox page: their messages, newest first, and a button to mark one read."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from egov.notifications import public

pytestmark = pytest.mark.django_db

INBOX = "/notifications/inbox/"


def test_a_citizen_sees_their_messages_and_how_many_are_unread(alice: Any, alice_client: Client, bob: Any) -> None:
    public.send(recipient_user_id=alice.pk, subject="Your certificate is ready", body="Download it from My Gov.")
    public.send(recipient_user_id=bob.pk, subject="Only for Bob", body="…")

    page = alice_client.get(INBOX, HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Your certificate is ready" in html and "Download it from My Gov." in html
    assert "You have 1 unread message." in html
    assert "Only for Bob" not in html


def test_the_inbox_is_in_korean_by_default(alice: Any, alice_client: Client) -> None:
    public.send(recipient_user_id=alice.pk, subject="안내", body="…")

    html = alice_client.get(INBOX).content.decode()

    assert "내 메시지" in html
    assert "읽음으로 표시" in html


def test_marking_a_message_read_takes_it_off_the_unread_count(alice: Any, alice_client: Client) -> None:
    [ref] = public.send(recipient_user_id=alice.pk, subject="Hello", body="…")

    response = alice_client.post(reverse("notifications:mark_read", args=[ref.message_id]))

    assert response.status_code == 302
    assert response["Location"].endswith(f"#message-{ref.message_id}")
    assert public.inbox_unread_count(alice.pk) == 0
    assert public.inbox_list(alice.pk)[0].read
    assert "Mark as read" not in alice_client.get(INBOX, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_no_one_can_mark_someone_elses_message(alice: Any, bob_client: Client) -> None:
    [ref] = public.send(recipient_user_id=alice.pk, subject="Hello", body="…")

    response = bob_client.post(reverse("notifications:mark_read", args=[ref.message_id]))

    assert response.status_code == 404
    assert public.inbox_unread_count(alice.pk) == 1


def test_an_empty_inbox_says_so(alice_client: Client) -> None:
    html = alice_client.get(INBOX, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You have no messages yet." in html


def test_the_inbox_asks_an_anonymous_visitor_to_sign_in() -> None:
    response = Client().get(INBOX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_each_mark_as_read_button_names_its_message_for_screen_readers(alice: Any, alice_client: Client) -> None:
    public.send(recipient_user_id=alice.pk, subject="Tax notice", body="…")
    html = alice_client.get(INBOX, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span class="sr-only">: Tax notice</span>' in html
    assert "style=" not in html.split('id="main"')[1], "no inline styles: the CSP forbids them"

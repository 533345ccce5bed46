"""My Gov: the signed-in person's own page — account, who viewed their data, their messages."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from egov.core.audit import audit_append
from egov.notifications import public as notifications

pytestmark = pytest.mark.django_db


def test_my_gov_sends_a_visitor_to_sign_in_first() -> None:
    response = Client().get("/my/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/my/"


def test_my_gov_shows_the_account_of_the_person_signed_in(alice_client: Client) -> None:
    response = alice_client.get("/my/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Hello, Alice Kim." in page
    assert "alice@example.org" in page
    assert response["Cache-Control"] == "no-store"


def test_who_viewed_my_data_lists_the_accesses_about_me_with_purpose_and_basis(alice: Any, alice_client: Client) -> None:
    with transaction.atomic():
        audit_append(
            action="person.read", actor="user:clerk", actor_label="Jongno-gu Office, clerk Park",
            subject=f"user:{alice.pk}", purpose="Moving-in report", legal_basis="Resident Registration Act, Article 16",
        )
        audit_append(
            action="person.read", actor="user:clerk", actor_label="Someone else's reader",
            subject="user:somebody-else", purpose="Another person's case",
        )
    page = alice_client.get("/my/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Jongno-gu Office, clerk Park" in page
    assert "Personal data read" in page
    assert "Moving-in report" in page
    assert "Resident Registration Act, Article 16" in page
    assert "Someone else's reader" not in page


def test_who_viewed_my_data_is_worded_in_korean_for_a_korean_reader(alice: Any, alice_client: Client) -> None:
    with transaction.atomic():
        audit_append(action="auth.login", actor=f"user:{alice.pk}", actor_label="alice", subject=f"user:{alice.pk}")
    page = alice_client.get("/my/").content.decode()
    assert "내 정보 열람 기록" in page
    assert "<dd>로그인</dd>" in page
    assert "<dd>완료</dd>" in page


def test_my_gov_shows_the_messages_sent_to_me_and_only_mine(alice: Any, alice_client: Client) -> None:
    with transaction.atomic():
        notifications.send(recipient_user_id=alice.pk, subject="Your account is ready", body="Welcome to egov.")
    page = alice_client.get("/my/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your account is ready" in page
    assert "Welcome to egov." in page


def test_a_person_with_no_records_is_told_so_rather_than_shown_empty_tables(alice_client: Client) -> None:
    page = alice_client.get("/my/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "You have no messages." in page

"""Citizens sign up under the ASVS 5.0 password rules; bad input changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from egov.accounts.models import User
from egov.accounts.tests.helpers import audit_actions


def form(**overrides: str) -> dict[str, str]:
    data = {"username": "carol", "display_name": "Carol Citizen", "email": "",
            "password": "a long enough passphrase", "password_again": "a long enough passphrase"}
    data.update(overrides)
    return data


def client_in(language: str) -> Client:
    client = Client()
    client.cookies["egov_language"] = language
    return client


def test_a_citizen_signs_up_and_then_signs_in(db: None) -> None:
    client = client_in("en")
    response = client.post("/accounts/signup/", form())
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    carol = User.objects.get(username="carol")
    assert carol.kind == User.Kind.CITIZEN and carol.resident_id is None
    assert carol.password.startswith("argon2")
    assert ("account.sign_up", "success") in audit_actions(subject=f"user:{carol.id}")
    response = client.post("/accounts/login/", {"username": "carol", "password": "a long enough passphrase"})
    assert response.status_code == 302


@pytest.mark.parametrize(("language", "password", "message"), [
    ("en", "short1", "This password is too short. It must contain at least 8 characters."),
    ("ko", "short1", "이 비밀번호는 너무 짧습니다. 최소 8자 이상이어야 합니다."),
    ("en", "password123", "This password is too common."),
    ("ko", "password123", "너무 흔히 사용되는 비밀번호입니다."),
])
def test_sign_up_refuses_short_and_common_passwords_in_the_readers_language(
        db: None, language: str, password: str, message: str) -> None:
    response = client_in(language).post("/accounts/signup/", form(password=password, password_again=password))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'aria-describedby="id_password_error' in html
    assert not User.objects.filter(username="carol").exists()


def test_a_passphrase_of_64_characters_and_more_is_welcome(db: None) -> None:
    passphrase = "the quick brown fox jumps over the lazy dog while the cat sleeps on"
    assert len(passphrase) >= 64
    response = client_in("en").post("/accounts/signup/", form(password=passphrase, password_again=passphrase))
    assert response.status_code == 302


def test_a_taken_user_id_or_a_mistyped_repeat_changes_nothing(alice: Any) -> None:
    client = client_in("en")
    response = client.post("/accounts/signup/", form(username="alice"))
    assert response.status_code == 400
    assert "This user ID is taken" in response.content.decode()
    response = client.post("/accounts/signup/", form(password_again="something else entirely"))
    assert response.status_code == 400
    assert "The two passwords differ" in response.content.decode()
    assert User.objects.count() == 1


def test_a_user_id_with_spaces_is_refused_with_a_field_message(db: None) -> None:
    response = client_in("en").post("/accounts/signup/", form(username="carol smith"))
    assert response.status_code == 400
    assert "Use 4 to 30 letters" in response.content.decode()

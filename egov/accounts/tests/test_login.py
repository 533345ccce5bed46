"""Signing in: password, second factor for officials, lockout, and the audit trail of each attempt."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.accounts.fixtures import PASSWORD
from egov.accounts.tests.helpers import audit_actions, current_code

LOGIN = "/accounts/login/"
OTP = "/accounts/otp/"


def english_client() -> Client:
    client = Client()
    client.cookies["egov_language"] = "en"
    return client


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def test_a_citizen_signs_in_with_user_id_and_password(alice: Any) -> None:
    client = english_client()
    response = sign_in(client, "alice")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:my_gov")
    assert client.get("/accounts/").status_code == 200
    assert ("auth.login", "success") in audit_actions(subject=f"user:{alice.id}")


def test_sign_in_goes_back_to_the_page_asked_for_but_never_to_another_site(alice: Any) -> None:
    response = sign_in(english_client(), "alice", next="/accounts/tokens/")
    assert response["Location"] == "/accounts/tokens/"
    response = sign_in(english_client(), "alice", next="https://evil.example/")
    assert response["Location"] == reverse("portal:my_gov")


def test_a_wrong_password_is_refused_and_audited(alice: Any) -> None:
    client = english_client()
    response = sign_in(client, "alice", "not the password")
    assert response.status_code == 400
    assert "The user ID or the password is not correct" in response.content.decode()
    assert client.get("/accounts/").status_code == 302  # still signed out
    assert audit_actions(subject=f"user:{alice.id}") == [("auth.login", "failure")]


def test_an_unknown_user_id_gets_the_same_answer_as_a_wrong_password(db: None) -> None:
    response = sign_in(english_client(), "nobody-here", "whatever-password")
    assert response.status_code == 400
    assert "The user ID or the password is not correct" in response.content.decode()
    assert ("auth.login", "failure") in audit_actions(actor="anonymous")


def test_the_sign_in_page_is_in_korean_by_default(db: None) -> None:
    page = Client().get(LOGIN).content.decode()
    assert "로그인" in page


def test_repeated_failures_lock_the_account_even_for_the_right_password(alice: Any, settings: Any) -> None:
    client = english_client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "alice", "wrong password")
    response = sign_in(client, "alice")
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert client.get("/accounts/").status_code == 302
    assert ("auth.lockout", "failure") in audit_actions(subject=f"user:{alice.id}")


def test_a_new_session_key_is_issued_at_sign_in(alice: Any) -> None:
    client = english_client()
    client.get(LOGIN)
    session = client.session
    session["planted"] = True
    session.save()
    planted_key = session.session_key
    sign_in(client, "alice")
    assert client.cookies["egov_session"].value != planted_key


def test_an_official_must_give_the_code_from_the_authenticator(clerk: Any) -> None:
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    client = english_client()
    response = sign_in(client, "clerk")
    assert response.status_code == 302 and response["Location"].startswith(OTP)
    # The password alone does not open the back office.
    assert client.get("/back-office/").status_code == 302
    response = client.post(OTP, {"code": current_code(device)})
    assert response.status_code == 302 and response["Location"] == "/back-office/"
    assert client.get("/back-office/").status_code == 200
    assert audit_actions(subject=f"user:{clerk.id}") == [
        ("auth.password", "success"), ("auth.second_factor", "success"), ("auth.login", "success"),
    ]


def test_a_wrong_code_is_refused_and_audited(clerk: Any) -> None:
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    client = english_client()
    sign_in(client, "clerk")
    response = client.post(OTP, {"code": "000000" if current_code(device) != "000000" else "111111"})
    assert response.status_code == 400
    assert "The code is not correct" in response.content.decode()
    assert client.get("/back-office/").status_code == 302
    assert ("auth.second_factor", "failure") in audit_actions(subject=f"user:{clerk.id}")


def test_an_official_without_an_authenticator_sets_one_up_at_first_sign_in(clerk: Any) -> None:
    client = english_client()
    sign_in(client, "clerk")
    page = client.get(OTP)
    assert page.status_code == 200
    assert "<svg" in page.content.decode()  # the QR code, drawn without JavaScript
    device = TOTPDevice.objects.get(user=clerk)
    assert not device.confirmed
    response = client.post(OTP, {"code": current_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed


def test_the_demo_code_passes_the_second_factor_only_when_set(clerk: Any, settings: Any) -> None:
    settings.EGOV_DEMO_OTP_BYPASS = ""
    client = english_client()
    sign_in(client, "clerk")
    assert client.post(OTP, {"code": "246810"}).status_code == 400
    settings.EGOV_DEMO_OTP_BYPASS = "246810"
    response = client.post(OTP, {"code": "246810"})
    assert response.status_code == 302
    assert client.get("/back-office/").status_code == 200


def test_the_demo_code_is_refused_in_production(clerk: Any, settings: Any) -> None:
    settings.EGOV_DEMO_OTP_BYPASS = "246810"
    settings.PRODUCTION = True
    client = english_client()
    sign_in(client, "clerk")
    assert client.post(OTP, {"code": "246810"}).status_code == 400


def test_wrong_codes_count_towards_the_lockout(clerk: Any, settings: Any) -> None:
    settings.EGOV_DEMO_OTP_BYPASS = ""
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    client = english_client()
    sign_in(client, "clerk")
    wrong = "000000" if current_code(device) != "000000" else "111111"
    statuses = [client.post(OTP, {"code": wrong}).status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert statuses[-1] == 429
    assert sign_in(client, "clerk").status_code == 429


def test_a_citizen_who_added_an_authenticator_is_asked_for_its_code(alice: Any) -> None:
    device = TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    client = english_client()
    response = sign_in(client, "alice")
    assert response["Location"].startswith(OTP)
    assert client.get("/accounts/").status_code == 302
    assert client.post(OTP, {"code": current_code(device)}).status_code == 302
    assert client.get("/accounts/").status_code == 200


def test_the_code_page_without_a_password_step_explains_and_links_to_sign_in(db: None) -> None:
    response = english_client().get(OTP)
    assert response.status_code == 200
    assert f'href="{LOGIN}"' in response.content.decode()
    assert english_client().post(OTP, {"code": "123456"}).status_code == 200  # nothing to check a code against


def test_the_sign_in_page_tells_a_signed_in_person_so(citizen_client: Client) -> None:
    citizen_client.cookies["egov_language"] = "en"
    response = citizen_client.get(LOGIN)
    assert response.status_code == 200
    assert "You are signed in as Alice Citizen" in response.content.decode()


@pytest.mark.parametrize("page", [LOGIN, "/accounts/signup/"])
def test_the_sign_in_pages_label_every_input(db: None, page: str) -> None:
    html = english_client().get(page).content.decode()
    assert html.count("<h1>") == 1
    import re

    for input_id in re.findall(r'<input type="(?:text|password|email)" name="\w+" id="(\w+)"', html):
        assert f'<label for="{input_id}">' in html

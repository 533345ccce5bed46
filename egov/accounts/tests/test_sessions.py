"""Sessions end on the server: sign-out, password change, idle and absolute timeouts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.sessions.models import Session
from django.test import Client

from egov.accounts.fixtures import PASSWORD
from egov.accounts.tests.helpers import audit_actions
from egov.core import clock


def client_with_cookie(value: str) -> Client:
    other = Client()
    other.cookies["egov_session"] = value
    return other


def test_signing_out_ends_the_session_on_the_server(citizen_client: Client, alice: Any) -> None:
    cookie = citizen_client.cookies["egov_session"].value
    assert citizen_client.get("/accounts/logout/").status_code == 200  # a confirmation page, for GET
    response = citizen_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=cookie).exists()
    assert client_with_cookie(cookie).get("/accounts/").status_code == 302
    assert ("auth.logout", "success") in audit_actions(subject=f"user:{alice.id}")


def test_changing_the_password_ends_the_old_session_and_every_other_one(client_for: Any, alice: Any) -> None:
    this_device, other_device = client_for(alice), client_for(alice)
    old_cookie = this_device.cookies["egov_session"].value
    response = this_device.post("/accounts/password/", {
        "current_password": PASSWORD, "new_password": "a brand new passphrase 2468",
        "new_password_again": "a brand new passphrase 2468",
    })
    assert response.status_code == 302
    assert this_device.get("/accounts/").status_code == 200  # this browser stays in, under a new key
    assert this_device.cookies["egov_session"].value != old_cookie
    assert client_with_cookie(old_cookie).get("/accounts/").status_code == 302
    assert other_device.get("/accounts/").status_code == 302
    assert ("account.password_change", "success") in audit_actions(subject=f"user:{alice.id}")


def test_a_wrong_current_password_changes_nothing(citizen_client: Client, alice: Any) -> None:
    citizen_client.cookies["egov_language"] = "en"
    response = citizen_client.post("/accounts/password/", {
        "current_password": "not it", "new_password": "a brand new passphrase 2468",
        "new_password_again": "a brand new passphrase 2468",
    })
    assert response.status_code == 400
    assert "This is not your current password." in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


START = clock.now()


def _move_clock(monkeypatch: Any, delta: timedelta) -> None:
    """Set the platform's clock to ``delta`` after the start of this test module."""
    monkeypatch.setenv("EGOV_NOW", (START + delta).isoformat())


def test_an_idle_session_ends_after_the_idle_timeout(citizen_client: Client, alice: Any, monkeypatch: Any,
                                                     settings: Any) -> None:
    assert citizen_client.get("/accounts/").status_code == 200
    _move_clock(monkeypatch, timedelta(seconds=settings.EGOV_SESSION_IDLE_SECONDS - 60))
    assert citizen_client.get("/accounts/").status_code == 200  # still active: the clock restarts
    _move_clock(monkeypatch, timedelta(seconds=3 * settings.EGOV_SESSION_IDLE_SECONDS))
    assert citizen_client.get("/accounts/").status_code == 302
    assert ("auth.logout", "success") in audit_actions(subject=f"user:{alice.id}")


def test_an_active_session_still_ends_after_the_absolute_timeout(citizen_client: Client, monkeypatch: Any,
                                                                 settings: Any) -> None:
    step = timedelta(seconds=settings.EGOV_SESSION_IDLE_SECONDS // 2)
    elapsed = timedelta(0)
    while elapsed < timedelta(seconds=settings.SESSION_COOKIE_AGE - settings.EGOV_SESSION_IDLE_SECONDS):
        elapsed += step
        _move_clock(monkeypatch, elapsed)
        assert citizen_client.get("/accounts/").status_code == 200
    _move_clock(monkeypatch, timedelta(seconds=settings.SESSION_COOKIE_AGE + 60))
    assert citizen_client.get("/accounts/").status_code == 302

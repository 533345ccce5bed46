"""Demo accounts: created once, the same logins every time, never in production."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from egov.accounts import public
from egov.accounts.models import User
from egov.core.errors import PermissionDenied


def test_demo_accounts_are_created_once_and_print_the_same_logins(db: None) -> None:
    first = public.ensure_demo_accounts()
    users = User.objects.count()
    second = public.ensure_demo_accounts()
    assert first == second and User.objects.count() == users == 5
    by_role = {login.role_label: login for login in first}
    assert by_role["dong-office clerk"].organisation_name == "청운효자동"
    assert by_role["citizen"].needs_second_factor is False
    assert by_role["operator"].needs_second_factor is True


def test_a_demo_official_signs_in_with_the_demo_code(db: None, settings: Any) -> None:
    settings.EGOV_DEMO_OTP_BYPASS = "246810"
    clerk = next(login for login in public.ensure_demo_accounts() if login.role_label == "dong-office clerk")
    client = Client()
    client.post("/accounts/login/", {"username": clerk.username, "password": clerk.password})
    assert client.post("/accounts/otp/", {"code": "246810"}).status_code == 302
    assert client.get("/back-office/").status_code == 200


def test_demo_accounts_are_refused_in_production(db: None, settings: Any) -> None:
    settings.PRODUCTION = True
    with pytest.raises(PermissionDenied):
        public.ensure_demo_accounts()

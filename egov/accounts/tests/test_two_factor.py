"""A citizen adds and removes an authenticator app on the account page (no JavaScript needed)."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.accounts.tests.helpers import audit_actions, current_code


def test_a_citizen_adds_an_authenticator_with_a_qr_code_and_a_first_code(citizen_client: Client, alice: Any) -> None:
    citizen_client.post("/accounts/two-factor/", {"action": "start"})
    page = citizen_client.get("/accounts/two-factor/").content.decode()
    assert "<svg" in page and "<script" not in page
    device = TOTPDevice.objects.get(user=alice)
    response = citizen_client.post("/accounts/two-factor/", {"action": "confirm", "code": "12"})
    assert response.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed
    response = citizen_client.post("/accounts/two-factor/", {"action": "confirm", "code": current_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert ("account.totp_enrol", "success") in audit_actions(subject=f"user:{alice.id}")


def test_a_citizen_may_remove_the_authenticator_but_an_official_may_not(citizen_client: Client, alice: Any,
                                                                         clerk_client: Client, clerk: Any) -> None:
    TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    citizen_client.post("/accounts/two-factor/", {"action": "remove"})
    assert not TOTPDevice.objects.filter(user=alice).exists()
    response = clerk_client.post("/accounts/two-factor/", {"action": "remove"})
    assert response.status_code == 409
    assert TOTPDevice.objects.filter(user=clerk).exists()

"""The GOV.UK Notify-shaped API: an agency system sends a template with personalisation and its own reference,
reads the status, lists what it sent, and sees nothing another system sent."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from egov.accounts.models import Organisation
from egov.accounts.services import agency_system_create
from egov.notifications import public as notifications

pytestmark = pytest.mark.django_db

SEND = "/api/v1/notifications/send"
SENT = "/api/v1/notifications/sent"


@pytest.fixture
def koneps(head: Any) -> Client:
    """The Public Procurement Service's system, with its agency credentials."""
    notifications.load_notices_pack()
    _system, token = agency_system_create(organisation=Organisation.objects.get(code="cen-pps"), name="KONEPS", by=head)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _payload(alice: Any, **extra: Any) -> dict[str, Any]:
    return {"recipient_user_id": str(alice.pk), "template_id": "vehicle-inspection-due", "language": "en",
            "personalisation": {"plate": "12가3456", "due_date": "31 March 2030"}, "reference": "inspection-0001",
            **extra}


def test_a_system_sends_a_template_and_reads_its_status_and_the_list(koneps: Client, alice: Any) -> None:
    sent = koneps.post(SEND, _payload(alice), content_type="application/json")

    assert sent.status_code == 201, sent.content
    body = sent.json()
    assert body["reference"] == "inspection-0001"
    assert body["template"] == {"id": "vehicle-inspection-due", "version": 1}
    assert body["subject"] == "Your vehicle's periodic inspection is due (12가3456)"
    assert body["status"] == "delivered" and [d["channel"] for d in body["deliveries"]] == ["inbox"]
    assert [m.subject for m in notifications.inbox_list(alice.pk)] == [body["subject"]]

    again = koneps.post(SEND, _payload(alice), content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == body["id"], "the same reference sends once"

    status = koneps.get(f"{SENT}/{body['id']}")
    assert status.status_code == 200 and status.json()["status"] == "delivered"
    listed = koneps.get(SENT, {"reference": "inspection-0001"}).json()["notifications"]
    assert [n["id"] for n in listed] == [body["id"]]


def test_a_missing_personalisation_value_is_refused_and_nothing_is_sent(koneps: Client, alice: Any) -> None:
    refused = koneps.post(SEND, _payload(alice, personalisation={"plate": "12가3456"}), content_type="application/json")

    assert refused.status_code == 422
    assert "due_date" in refused.content.decode()
    assert notifications.inbox_list(alice.pk) == []


def test_a_system_sees_only_its_own_notifications(koneps: Client, alice: Any, head: Any) -> None:
    body = koneps.post(SEND, _payload(alice), content_type="application/json").json()
    _other, token = agency_system_create(organisation=Organisation.objects.get(code="cen-pps"), name="Other", by=head)
    other = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    assert other.get(f"{SENT}/{body['id']}").status_code == 404
    assert other.get(SENT).json()["notifications"] == []


def test_people_cannot_use_the_sending_api(citizen_client: Client, alice: Any) -> None:
    assert citizen_client.post(SEND, _payload(alice), content_type="application/json").status_code in (401, 403)

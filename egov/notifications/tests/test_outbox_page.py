"""The operators' outbox: what the local channel sent, and what still waits or failed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from egov.notifications import public
from egov.notifications.models import Delivery
from egov.notifications.services import delivery_attempt

pytestmark = pytest.mark.django_db

OUTBOX = "/notifications/outbox/"


def test_an_operator_reads_what_was_sent_and_what_failed(operator_client: Client, alice_with_email: Any, tmp_path: Any) -> None:
    alice = alice_with_email
    [_, sent] = public.send(recipient_user_id=alice.pk, subject="Permit granted", body="Your permit is attached.", channels=("outbox",))
    delivery_attempt(delivery_id=Delivery.objects.get(message_id=sent.message_id, channel="outbox").pk, attempt=1, final=False)
    [_, stuck] = public.send(recipient_user_id=alice.pk, subject="Fee reminder", body="…", channels=("outbox",))
    blocked = tmp_path / "file"
    blocked.write_text("in the way")
    with override_settings(EGOV_OUTBOX_DIR=blocked / "outbox"), pytest.raises(OSError):
        delivery_attempt(delivery_id=Delivery.objects.get(message_id=stuck.message_id, channel="outbox").pk, attempt=1, final=False)

    page = operator_client.get(OUTBOX, HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    html = page.content.decode()
    sent_part = html.split('id="sent"')[1]
    problems_part = html.split('id="problems"')[1].split('id="sent"')[0]
    assert "Permit granted" in sent_part and "alice@example.org" in sent_part
    assert "Fee reminder" in problems_part and "Sending (retrying after an error)" in problems_part
    assert "Error" in problems_part, "the error is visible to operators"


def test_a_citizen_is_refused_the_outbox(alice_client: Client) -> None:
    assert alice_client.get(OUTBOX).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in_from_the_outbox() -> None:
    response = Client().get(OUTBOX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))

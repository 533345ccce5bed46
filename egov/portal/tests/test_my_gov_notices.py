"""My Gov's messages and "How we tell you": notices with their links, channels, what is switched off, subscriptions."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from egov.notifications import public as notifications

pytestmark = pytest.mark.django_db


def test_my_gov_shows_a_notice_with_its_link_and_how_the_person_is_told(alice: Any, alice_client: Client) -> None:
    notifications.load_notices_pack()
    alice_client.post("/notifications/preferences/", {"channels": ["email"], "categories": ["notices"],
                                                      "notices": ["vehicle-inspection-due"]})
    notifications.send(recipient_user_id=alice.pk, subject="Inspection due", body="By 31 March.", category="notices",
                       link="/catalogue/services/vehicle-register-extract/")

    page = alice_client.get("/my/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'href="/catalogue/services/vehicle-register-extract/"' in page
    telling = page.split('id="telling"')[1].split("</dl>")[0]
    assert "In-portal inbox" in telling and "E-mail" in telling
    assert "General information" in telling, "what she switched off"
    assert "Vehicle inspection due" in telling


def test_a_person_who_chose_nothing_is_told_in_the_inbox_and_invited_to_subscribe(alice_client: Client) -> None:
    page = alice_client.get("/my/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()

    telling = page.split('id="telling"')[1].split("</dl>")[0]
    assert "포털 메시지함" in telling
    assert "구독하면 기한 전에 알려 드립니다" in telling
    assert 'href="/notifications/preferences/"' in page

"""A person's choices: channels, opting out of what the law does not require, subscriptions to notices."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from egov.notifications import public
from egov.notifications.models import Preference, Subscription

pytestmark = pytest.mark.django_db

PAGE = "/notifications/preferences/"


def test_a_person_chooses_channels_opts_out_of_general_news_and_subscribes_to_a_notice(
    notices_pack: None, alice_client: Client, alice_with_email: Any,
) -> None:
    page = alice_client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Vehicle inspection due" in page and "Required by law" in page

    saved = alice_client.post(PAGE, {"channels": ["email"], "phone": "", "categories": ["notices"],
                                     "notices": ["vehicle-inspection-due"]})

    assert saved.status_code == 302
    mine = public.preferences_of(alice_with_email.pk)
    assert mine.channels == ("inbox", "email")
    assert mine.opted_out == ("general",)
    assert mine.subscriptions == ("vehicle-inspection-due",)
    assert public.send(recipient_user_id=alice_with_email.pk, subject="News", body="…", channels=None) == []
    refs = public.send(recipient_user_id=alice_with_email.pk, subject="Decision", body="…", channels=None,
                       category="applications")
    assert sorted(r.channel for r in refs) == ["email", "inbox"], "the law's messages come whatever was switched off"


def test_a_category_the_law_requires_cannot_be_switched_off(notices_pack: None, alice: Any) -> None:
    from egov.core.errors import ValidationError
    from egov.notifications.services import preference_save

    with pytest.raises(ValidationError) as refused:
        preference_save(user_id=alice.pk, channels=[], phone="", opted_out=["applications"], by="test")

    assert "opted_out" in refused.value.field_errors
    assert not Preference.objects.exists()


def test_text_messages_without_a_mobile_number_are_refused_in_korean_and_nothing_changes(
    notices_pack: None, alice_client: Client, alice: Any,
) -> None:
    refused = alice_client.post(PAGE, {"channels": ["sms"], "phone": "", "categories": ["general", "notices"],
                                       "notices": ["school-entry-age"]}, HTTP_ACCEPT_LANGUAGE="ko")

    assert refused.status_code == 400
    assert "휴대전화 번호" in refused.content.decode()
    assert not Preference.objects.exists() and not Subscription.objects.exists()


def test_an_unknown_notice_is_refused(notices_pack: None, alice_client: Client) -> None:
    refused = alice_client.post(PAGE, {"categories": ["general", "notices"], "notices": ["free-money"]})
    assert refused.status_code == 400
    assert not Subscription.objects.exists()

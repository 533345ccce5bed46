"""Message templates: Korean and English, ``${name}`` placeholders, versions; an unknown placeholder is refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from egov.core.errors import ValidationError
from egov.notifications import public
from egov.notifications.models import Message, Template
from egov.notifications.services import template_save

pytestmark = pytest.mark.django_db

TEXTS = {
    "subject_ko": "${plate} 검사 안내", "body_ko": "${name}님, ${plate} 차량 검사 기한은 ${due_date}입니다.",
    "subject_en": "Inspection of ${plate}", "body_en": "${name}, vehicle ${plate} is due by ${due_date}.",
}


def test_saving_a_template_adds_a_version_and_messages_say_which_one_they_came_from(notices_pack: None, alice: Any) -> None:
    first = template_save(key="inspection", category="notices", placeholders=["plate", "due_date"], by="user:x", **TEXTS)
    second = template_save(key="inspection", category="notices", placeholders=["plate", "due_date"], by="user:x",
                           **{**TEXTS, "subject_en": "Time for the inspection of ${plate}"})

    refs = public.send_template(recipient_user_id=alice.pk, template_id="inspection", language="en",
                                personalisation={"plate": "12가3456", "due_date": "31 March 2030"})

    assert (first.version, second.version) == (1, 2)
    message = Message.objects.get(pk=refs[0].message_id)
    assert message.subject == "Time for the inspection of 12가3456"
    assert message.body == "Alice Kim, vehicle 12가3456 is due by 31 March 2030." or "vehicle 12가3456 is due by 31 March 2030." in message.body
    assert (message.template_key, message.template_version) == ("inspection", 2)


def test_a_template_naming_an_unknown_placeholder_is_refused_and_nothing_is_saved(notices_pack: None) -> None:
    with pytest.raises(ValidationError) as refused:
        template_save(key="inspection", category="notices", placeholders=["plate"], by="user:x", **TEXTS)

    assert "${due_date}" in " ".join(refused.value.field_errors["body_ko"])
    assert not Template.objects.filter(key="inspection").exists()


def test_a_missing_personalisation_value_is_refused_and_nothing_is_sent(notices_pack: None, alice: Any) -> None:
    template_save(key="inspection", category="notices", placeholders=["plate", "due_date"], by="user:x", **TEXTS)

    with pytest.raises(ValidationError) as refused:
        public.send_template(recipient_user_id=alice.pk, template_id="inspection", personalisation={"plate": "12가3456"})

    assert "due_date" in refused.value.message
    assert not Message.objects.exists()


def test_an_official_edits_a_template_on_the_page_and_an_unknown_placeholder_is_refused_in_korean(
    notices_pack: None, head_client: Client,
) -> None:
    page = head_client.get("/notifications/templates/vehicle-inspection-due/")
    assert page.status_code == 200 and "${plate}" in page.content.decode()

    form = {"category": "notices", "placeholders": "plate, due_date", "subject_ko": "${plate} 정기검사",
            "body_ko": "${nmae}님, 검사 기한은 ${due_date}입니다.", "subject_en": "Inspection of ${plate}",
            "body_en": "${name}, due by ${due_date}."}
    refused = head_client.post("/notifications/templates/vehicle-inspection-due/", form, HTTP_ACCEPT_LANGUAGE="ko")

    assert refused.status_code == 400
    assert "알 수 없는 자리표시자" in refused.content.decode() and "${nmae}" in refused.content.decode()
    assert Template.objects.filter(key="vehicle-inspection-due").count() == 1

    saved = head_client.post("/notifications/templates/vehicle-inspection-due/", {**form, "body_ko": "${name}님, ${due_date}까지 검사하세요."})
    assert saved.status_code == 302
    assert list(Template.objects.filter(key="vehicle-inspection-due").values_list("version", flat=True)) == [2, 1]


def test_citizens_cannot_open_the_template_pages(alice_client: Client) -> None:
    assert alice_client.get("/notifications/templates/").status_code == 403


def test_a_clerk_cannot_write_templates(clerk_client: Client) -> None:
    assert clerk_client.get("/notifications/templates/").status_code == 403  # no notifications.templates

"""The pages: apply from the definition, follow on My applications, work the case in the back office."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from egov.applications.models import Application
from egov.applications.tests.conftest import NEW_ADDRESS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pages_in_english(settings: Any, citizen_client: Any, clerk_client: Any) -> None:
    for client in (citizen_client, clerk_client):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _move_in_post(key: str = "page-1") -> dict[str, str]:
    post = {f"new_address.{k}": v for k, v in NEW_ADDRESS.items()}
    post.update({"moved_on": date.today().isoformat(), "movers": "whole_household", "consent": "1",
                 "idempotency_key": key})
    return post


def test_the_apply_page_is_generated_from_the_definition(offices: Any, alice_resident: Any,
                                                         citizen_client: Any) -> None:
    page = citizen_client.get(reverse("applications:apply", args=["move-in-report"]))
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("new_address.road", "moved_on", "movers", "update_vehicles", "consent", "idempotency_key"):
        assert f'name="{name}"' in html
    assert "Who is moving" in html


def test_the_apply_page_speaks_korean_by_default(offices: Any, alice_resident: Any, client_for: Any,
                                                 alice: Any) -> None:
    html = client_for(alice).get(reverse("applications:apply", args=["move-in-report"])).content.decode()
    assert "함께 이사하는 사람" in html


def test_a_citizen_without_a_linked_record_is_asked_to_prove_their_identity(offices: Any,
                                                                            citizen_client: Any) -> None:
    page = citizen_client.get(reverse("applications:apply", args=["move-in-report"]))
    assert 'id="prove-identity"' in page.content.decode()


def test_a_copy_applied_for_on_the_page_is_approved_at_once_and_listed_on_my_applications(
    offices: Any, alice_resident: Any, citizen_client: Any,
) -> None:
    response = citizen_client.post(reverse("applications:apply", args=["resident-registration-copy"]),
                                   {"copies": "1", "consent": "1", "idempotency_key": "p1"})
    assert response.status_code == 302
    detail = citizen_client.get(response["Location"]).content.decode()
    assert "Approved" in detail
    listing = citizen_client.get(reverse("applications:mine")).content.decode()
    assert "Resident registration copy" in listing


def test_errors_appear_under_their_fields_and_nothing_is_filed(offices: Any, alice_resident: Any,
                                                               citizen_client: Any) -> None:
    post = _move_in_post()
    post["moved_on"] = "2999-01-01"
    del post["new_address.road"]
    response = citizen_client.post(reverse("applications:apply", args=["move-in-report"]), post)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_moved_on_error"' in html and "cannot be later than today" in html
    assert 'id="id_new_address.road_error"' in html
    assert Application.objects.count() == 0


def test_the_new_dong_clerk_takes_and_approves_from_the_queue_and_the_old_dong_sees_it(
    offices: Any, alice: Any, alice_resident: Any, citizen_client: Any, clerk_client: Any, client_for: Any,
) -> None:
    citizen_client.post(reverse("applications:apply", args=["move-in-report"]), _move_in_post())
    application = Application.objects.get()
    sam = client_for(offices["sam"])
    sam.cookies["egov_language"] = "en"
    queue = sam.get(reverse("applications_backoffice:queue")).content.decode()
    assert application.reference in queue
    old_dong = clerk_client.get(reverse("applications_backoffice:queue")).content.decode()
    assert 'id="informed"' in old_dong and application.reference in old_dong
    # The old dong's clerk may look, not act.
    refused = clerk_client.post(reverse("applications_backoffice:act", args=[application.case_id, "claim"]))
    assert refused.status_code == 403
    for action in ("claim", "approve"):
        answer = sam.post(reverse("applications_backoffice:act", args=[application.case_id, action]))
        assert answer.status_code == 302
    mine = citizen_client.get(reverse("applications:detail", args=[application.id])).content.decode()
    assert "Approved" in mine


def test_a_clerk_files_at_the_counter_for_a_visitor(offices: Any, alice: Any, alice_resident: Any,
                                                   clerk_client: Any) -> None:
    response = clerk_client.post(reverse("applications_backoffice:counter_file", args=["resident-registration-copy"]),
                                 {"visitor": "alice", "copies": "1", "consent": "1", "idempotency_key": "c1"})
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.channel == "counter" and application.applicant_id == alice.id

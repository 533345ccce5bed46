"""Bundles through the API and the pages: the one form, one submit, the cases shown together."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from egov.applications.models import Application
from egov.applications.tests.test_bundles import BIRTH, INHERITANCE

pytestmark = pytest.mark.django_db


def test_the_form_of_a_bundle_is_public_and_asks_each_question_once(client: Any, service_pack: None) -> None:
    form = client.get("/api/v1/applications/forms/birth-one-stop", HTTP_ACCEPT_LANGUAGE="en").json()
    assert form["kind"] == "bundle"
    assert form["members"] == ["birth-report", "child-allowance", "parental-benefit"]
    names = [q["name"] for q in form["questions"]]
    # The child's number is not asked: the birth report gives it to the two benefits.
    assert "child_number" not in names and names.count("bank_account") == 1 and "birthplace" in names
    assert form["given_later"][0].startswith("child_number: The birth report gives the child a registration number")
    assert [e["product"] for e in form["evidence"]] == ["resident-registration-copy", "family-relations"]


def test_a_bundle_is_submitted_once_and_a_retry_answers_with_the_same_cases(
    offices: Any,
    alice_resident: Any,
    late_father: Any,
    citizen_client: Any,
) -> None:
    body = {
        "service_id": "safe-inheritance-inquiry",
        "data": INHERITANCE,
        "idempotency_key": "api-b1",
        "consent": True,
    }
    first = citizen_client.post(
        "/api/v1/applications/applications/bundles", body, content_type="application/json"
    )
    again = citizen_client.post(
        "/api/v1/applications/applications/bundles", body, content_type="application/json"
    )
    assert first.status_code == 201 and again.status_code == 200
    assert [a["case_id"] for a in first.json()["applications"]] == [
        a["case_id"] for a in again.json()["applications"]
    ]
    assert [a["state"] for a in first.json()["applications"]] == ["approved"] * 3
    group = first.json()["group"]
    shown = citizen_client.get(f"/api/v1/applications/applications/bundles/{group}").json()
    assert [a["service_id"] for a in shown["applications"]] == [
        "inheritance-vehicle-inquiry",
        "inheritance-land-inquiry",
        "inheritance-local-tax-inquiry",
    ]
    mine = citizen_client.get("/api/v1/applications/applications").json()
    assert {a["bundle_group"] for a in mine} == {group} and {a["bundle_id"] for a in mine} == {
        "safe-inheritance-inquiry"
    }


def test_a_bundle_sent_as_one_application_is_refused_with_where_to_send_it(
    offices: Any,
    alice_resident: Any,
    citizen_client: Any,
) -> None:
    body = {"service_id": "birth-one-stop", "data": BIRTH, "idempotency_key": "api-b2", "consent": True}
    response = citizen_client.post(
        "/api/v1/applications/applications", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 422 and "/api/v1/applications/bundles" in response.json()["detail"]


def test_field_errors_of_a_bundle_come_back_by_field_in_the_applicants_language(
    offices: Any,
    alice_resident: Any,
    citizen_client: Any,
) -> None:
    body = {
        "service_id": "birth-one-stop",
        "data": {**BIRTH, "childcare": "x"},
        "idempotency_key": "api-b3",
        "consent": True,
    }
    response = citizen_client.post(
        "/api/v1/applications/applications/bundles",
        body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="ko",
    )
    assert response.status_code == 422
    assert "보육 방식" in response.json()["errors"]["childcare"][0]
    assert Application.objects.count() == 0


def test_another_persons_bundle_is_not_found(
    offices: Any, alice_resident: Any, late_father: Any, citizen_client: Any, client_for: Any, bob: Any
) -> None:
    body = {
        "service_id": "safe-inheritance-inquiry",
        "data": INHERITANCE,
        "idempotency_key": "api-b4",
        "consent": True,
    }
    group = citizen_client.post(
        "/api/v1/applications/applications/bundles", body, content_type="application/json"
    ).json()["group"]
    assert client_for(bob).get(f"/api/v1/applications/applications/bundles/{group}").status_code == 404
    assert client_for(bob).get(reverse("applications:bundle", args=[group])).status_code == 404


def test_a_clerk_files_a_bundle_at_the_counter_through_the_api(
    offices: Any,
    alice_resident: Any,
    late_father: Any,
    clerk_client: Any,
) -> None:
    body = {
        "service_id": "safe-inheritance-inquiry",
        "data": INHERITANCE,
        "idempotency_key": "api-b5",
        "consent": True,
        "visitor_username": "alice",
    }
    response = clerk_client.post(
        "/api/v1/applications/counter/bundles", body, content_type="application/json"
    )
    assert response.status_code == 201
    assert [c["channel"] for c in response.json()["cases"]] == ["counter"] * 3


# ---------------------------------------------------------------- pages


@pytest.fixture
def english(settings: Any, citizen_client: Any, clerk_client: Any) -> None:
    for client in (citizen_client, clerk_client):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _birth_post(key: str) -> dict[str, Any]:
    post: dict[str, Any] = {k: v for k, v in BIRTH.items() if isinstance(v, str)}
    post.update({f"birthplace.{k}": v for k, v in BIRTH["birthplace"].items()})
    post.update({"consent": "1", "idempotency_key": key})
    return post


def test_the_apply_page_of_a_bundle_asks_the_one_form_and_files_every_member(
    offices: Any,
    alice_resident: Any,
    citizen_client: Any,
    english: None,
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("applications:apply", args=["birth-one-stop"])
    html = citizen_client.get(url).content.decode()
    assert html.count('name="bank_account"') == 1 and 'id="bundle-members"' in html
    assert "Parental benefit" in html
    post = _birth_post("page-b1")
    post["birth_proof"] = SimpleUploadedFile("proof.pdf", b"%PDF-1.4 proof", content_type="application/pdf")
    response = citizen_client.post(url, post)
    assert response.status_code == 302 and "/applications/mine/bundles/" in response["Location"]
    result = citizen_client.get(response["Location"]).content.decode()
    references = list(Application.objects.order_by("reference").values_list("reference", flat=True))
    assert len(references) == 3 and all(r in result for r in references)
    assert "Birth report" in result and "Child allowance" in result
    mine = citizen_client.get(reverse("applications:mine")).content.decode()
    assert mine.count('class="egov-bundle"') == 1 and "Birth one-stop service" in mine


def test_a_wrong_answer_on_the_bundle_page_is_shown_under_its_field_and_keeps_the_others(
    offices: Any,
    alice_resident: Any,
    citizen_client: Any,
    english: None,
) -> None:
    post = _birth_post("page-b2")
    post["child_name_ko"] = "Byeol"
    response = citizen_client.post(reverse("applications:apply", args=["birth-one-stop"]), post)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_child_name_ko_error"' in html and 'value="110-123-456789"' in html
    assert Application.objects.count() == 0


def test_a_clerk_files_a_bundle_at_the_counter_page(
    offices: Any,
    alice_resident: Any,
    late_father: Any,
    clerk_client: Any,
    english: None,
    client_for: Any,
    reviewer: Any,
    settings: Any,
) -> None:
    url = reverse("applications_backoffice:counter_file", args=["safe-inheritance-inquiry"])
    assert 'name="deceased_number"' in clerk_client.get(url).content.decode()
    post = {**INHERITANCE, "visitor": "alice", "consent": "1", "idempotency_key": "counter-b1"}
    response = clerk_client.post(url, post)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Land of a deceased person" in html and html.count("종로구") == 3
    assert clerk_client.post(url, post).status_code == 200
    assert Application.objects.count() == 3
    # The clerk may open the cases of her own office only; 종로구's official, who decides the land inquiry,
    # reads the bundle's own answers under their questions.
    assert "Open the case" not in html
    land = Application.objects.get(service_id="inheritance-land-inquiry")
    gu = client_for(reviewer)
    gu.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    case = gu.get(reverse("applications_backoffice:case", args=[land.case_id]))
    html = case.content.decode()
    assert "Filed as part of" in html and "Safe inheritance one-stop inquiry" in html
    assert "Your relation to the deceased" in html and "<dd>Child</dd>" in html

"""The API does what the pages do: submit (idempotent), follow, answer; officials work the queue."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from egov.applications.tests.conftest import NEW_ADDRESS

pytestmark = pytest.mark.django_db


def test_a_submit_is_created_once_and_a_retry_answers_with_the_same_application(
    offices: Any, alice_resident: Any, citizen_client: Any,
) -> None:
    body = {"service_id": "resident-registration-copy", "data": {"copies": 1}, "idempotency_key": "api-1",
            "consent": True}
    first = citizen_client.post("/api/v1/applications/applications", body, content_type="application/json")
    again = citizen_client.post("/api/v1/applications/applications", body, content_type="application/json")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["state"] == "approved"
    mine = citizen_client.get("/api/v1/applications/applications").json()
    assert [a["reference"] for a in mine] == [first.json()["reference"]]


def test_the_answer_to_a_submit_is_the_application_as_reading_it_back_shows_it(
    offices: Any, alice_resident: Any, citizen_client: Any,
) -> None:
    body = {"service_id": "resident-registration-copy", "data": {"copies": 1}, "idempotency_key": "api-answer",
            "consent": True}
    filed = citizen_client.post("/api/v1/applications/applications", body, content_type="application/json")
    read = citizen_client.get(f"/api/v1/applications/applications/{filed.json()['id']}")
    assert filed.status_code == 201 and read.status_code == 200
    assert filed.json() == read.json()
    assert [(step["kind"], step["transition"]) for step in filed.json()["history"]] == [
        ("opened", ""), ("transition", "approve_automatically")]


def test_field_errors_come_back_as_a_problem_document(offices: Any, alice_resident: Any,
                                                     citizen_client: Any) -> None:
    body = {"service_id": "resident-registration-copy", "data": {"copies": 40}, "idempotency_key": "api-2",
            "consent": True}
    response = citizen_client.post("/api/v1/applications/applications", body, content_type="application/json",
                                   HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert "copies" in response.json()["errors"]


def test_the_form_of_a_service_is_public(client: Any, service_pack: None) -> None:
    form = client.get("/api/v1/applications/forms/move-in-report").json()
    assert [q["name"] for q in form["questions"]][:2] == ["new_address", "moved_on"]


def test_an_official_works_a_case_through_the_api(offices: Any, alice_resident: Any, citizen_client: Any,
                                                  client_for: Any, clerk_client: Any) -> None:
    body = {"service_id": "move-in-report", "idempotency_key": "api-3", "consent": True,
            "data": {"new_address": NEW_ADDRESS, "moved_on": date.today().isoformat(), "movers": "applicant_only"}}
    case_id = citizen_client.post("/api/v1/applications/applications", body,
                                  content_type="application/json").json()["case_id"]
    sam = client_for(offices["sam"])
    assert [c["case_id"] for c in sam.get("/api/v1/applications/cases").json()] == [case_id]
    assert clerk_client.post(f"/api/v1/applications/cases/{case_id}/claim", {},
                             content_type="application/json").status_code == 403
    claimed = sam.post(f"/api/v1/applications/cases/{case_id}/claim", {}, content_type="application/json").json()
    assert claimed["state"] == "in_review" and "approve" in claimed["actions"]
    approved = sam.post(f"/api/v1/applications/cases/{case_id}/approve", {}, content_type="application/json")
    assert approved.json()["state"] == "approved"

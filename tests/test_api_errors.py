"""Bad API input gets a problem document with a message per field, in the caller's language, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def _tokens(client: Any) -> list[Any]:
    return client.get("/api/v1/accounts/tokens").json()


def test_a_malformed_body_gets_a_message_per_field_and_creates_nothing(citizen_client: Any) -> None:
    response = citizen_client.post(
        "/api/v1/accounts/tokens", data={"name": "", "lifetime_days": "soon"}, content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "urn:egov:error:validation_error"
    assert problem["errors"]["name"] == ["This value is too short."]
    assert problem["errors"]["lifetime_days"] == ["Enter a whole number."]
    assert _tokens(citizen_client) == []


def test_the_field_messages_are_in_korean_for_a_korean_caller(citizen_client: Any) -> None:
    response = citizen_client.post(
        "/api/v1/accounts/tokens", data={}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="ko"
    )
    assert response.status_code == 422
    problem = response.json()
    assert "name" in problem["errors"]
    assert problem["errors"]["name"] != ["This field is required."]
    assert problem["title"] != "Some of the information given is not valid"


def test_a_body_that_is_not_json_is_refused_plainly(citizen_client: Any) -> None:
    response = citizen_client.post(
        "/api/v1/accounts/tokens", data="{not json", content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code in (400, 422)
    assert response["Content-Type"] == "application/problem+json"
    assert "Traceback" not in response.content.decode()
    assert _tokens(citizen_client) == []


def test_without_credentials_the_api_answers_401_with_a_problem_document(client: Any) -> None:
    response = client.get("/api/v1/accounts/me", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json()["title"] == "Sign-in required"

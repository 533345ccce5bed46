"""What a person sees when something goes wrong: a plain, translated page, never a stack trace."""

from __future__ import annotations

import logging

import pytest
from django.test import Client, override_settings

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.errors_urls")]


@override_settings(DEBUG=False)
def test_a_server_error_shows_an_apology_with_a_reference_that_is_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="egov.errors"):
        response = client.get("/test-only/crash/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Sorry, something went wrong" in page
    assert "hunter2" not in page and "Traceback" not in page
    reference = response["X-Egov-Reference"]
    assert reference in page
    assert any(reference in record.getMessage() for record in caplog.records)


@override_settings(DEBUG=False)
def test_the_apology_is_in_korean_by_default() -> None:
    response = Client(raise_request_exception=False).get("/test-only/crash/")
    assert response.status_code == 500
    assert "Sorry, something went wrong" not in response.content.decode()


def test_an_application_error_is_shown_with_its_own_status_and_message() -> None:
    response = Client().get("/test-only/conflict/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert "This application has already been decided." in response.content.decode()


def test_an_unknown_address_gets_a_proper_not_found_page() -> None:
    response = Client().get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_view_without_an_access_declaration_is_refused_to_everyone() -> None:
    response = Client().get("/test-only/undeclared/")
    assert response.status_code == 403
    assert "should never be served" not in response.content.decode()


def test_an_unknown_api_address_answers_with_a_problem_document() -> None:
    response = Client().get("/api/v1/no-such-endpoint", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:egov:error:not_found"

"""Signed requests answered at the WSGI layer (ADR 0062), as the WSGI server calls the application.

A well-formed request gets the same signed answer the ninja operation gives; anything
else — another method, a body that is not the envelope, one too long — goes on to
Django and gets the API's problem document, exactly as before the short path.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core import signals
from django.db import close_old_connections
from django.test import override_settings

from egov.exchange.federation import messages
from egov.exchange.models import ExchangeLog
from egov.exchange.tests.test_federation_server import OWNER, _request, trust_city

PATH = "/api/v1/exchange/requests"

pytestmark = pytest.mark.django_db


@pytest.fixture
def trusted_city(exchange_pack: Any, alice_resident: Any) -> Any:
    return trust_city(alice_resident)


@pytest.fixture(autouse=True)
def _connections_kept() -> Any:
    """As Django's test client does: the request signals must not close the test's transaction's connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _call(body: bytes, *, method: str = "POST") -> tuple[str, dict[str, str], bytes]:
    from config.wsgi import application

    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": PATH, "QUERY_STRING": "", "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body), "SERVER_NAME": "testserver",
        "SERVER_PORT": "80", "REMOTE_ADDR": "192.0.2.7", "HTTP_HOST": "testserver", "wsgi.url_scheme": "http",
        "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.errors": io.StringIO(),
    }
    answered: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answered["status"], answered["headers"] = status, dict(headers)

    data = b"".join(application(environ, start_response))
    return answered["status"], answered["headers"], data


def test_a_signed_request_is_answered_with_a_signed_release_that_no_cache_may_keep(trusted_city: Any) -> None:
    request_jws = _request(trusted_city)
    with override_settings(EGOV_EXCHANGE_MEMBER_CODE=OWNER):
        status, headers, data = _call(json.dumps({"request": request_jws}).encode())
    assert status.startswith("200")
    assert headers["Cache-Control"] == "no-store"
    claims = messages.peek(json.loads(data)["response"])[1]
    assert claims["status"] == "released" and claims["data"]
    row = ExchangeLog.objects.get(direction="incoming", request_id=claims["rid"])
    assert row.request_jws == request_jws and row.response_jws == json.loads(data)["response"]


def test_a_message_that_is_not_a_signed_request_gets_a_signed_refusal(trusted_city: Any) -> None:
    with override_settings(EGOV_EXCHANGE_MEMBER_CODE=OWNER):
        status, _headers, data = _call(json.dumps({"request": "not.a.jws"}).encode())
    assert status.startswith("200")
    claims = messages.peek(json.loads(data)["response"])[1]
    assert claims["status"] == "refused" and claims["reason"] == "malformed"


@pytest.mark.parametrize("body", [b"{not json", b'{"request": 5}', b"[]",
                                  json.dumps({"request": "x" * 70000}).encode()])
def test_a_body_that_is_not_the_envelope_gets_the_apis_problem_document(body: bytes) -> None:
    status, headers, data = _call(body)
    assert status[:3] in {"400", "422"}
    assert headers["Content-Type"].startswith("application/problem+json")
    assert json.loads(data)["status"] == int(status[:3])


def test_another_method_goes_to_django() -> None:
    status, _headers, _data = _call(b"", method="GET")
    assert status.startswith("405")

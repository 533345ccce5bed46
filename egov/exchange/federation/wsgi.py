"""Signed requests from other deployments answered at the WSGI layer (ADR 0062).

``POST /api/v1/exchange/requests`` carries one compact JWS and gets one back. Its
credential is the message's own signature, checked by
:func:`egov.exchange.federation.server.handle_request` before anything else; it has
no session, no cookie, no form, no page and no language to negotiate. Django's
middleware stack (sessions, CSRF, authentication, OTP, locale, messages, axes) and
ninja's request parsing did nothing for it but cost about a third of what answering
it cost the owner (bench-exchange profile), on every exchange of every client.

:class:`FederationEndpoint` wraps the Django application and answers that one
operation itself when the body is what it must be — a JSON object whose ``request``
is a string of at most 65,536 characters — exactly as the ninja operation does
(same handler, same JSON, same source address in the audit entries, the same request
metrics and Django's request signals, so database connections are reused and closed
as for any request). Anything else, including a malformed body, goes to Django
unchanged, so errors are the API's usual problem documents and the OpenAPI document
still describes the operation.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core import signals
from django.core.handlers.wsgi import WSGIRequest
from django.urls import resolve
from django.utils.translation import gettext as _

from egov.core.audit import request_actor
from egov.core.errors import log_unexpected, problem
from egov.core.observability import REQUEST_ERRORS, REQUEST_LATENCY
from egov.exchange.federation import server
from egov.exchange.federation.client import REQUESTS_PATH

MAX_REQUEST_CHARS = 65536
# The body of a request at its largest: the JWS, its JSON quoting and the envelope.
MAX_BODY_BYTES = MAX_REQUEST_CHARS * 2 + 64

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class FederationEndpoint:
    """WSGI middleware: answer well-formed signed exchange requests without Django's stack."""

    def __init__(self, application: WSGIApp) -> None:
        self.application = application
        self._route: str | None = None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != REQUESTS_PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.application(environ, start_response)
        body = self._body(environ)
        request_jws = self._request_jws(body) if body is not None else None
        if request_jws is None:
            # Not for the short path: Django answers it (a problem document), from the same bytes.
            if body is not None:
                environ["wsgi.input"] = io.BytesIO(body)
                environ["CONTENT_LENGTH"] = str(len(body))
            return self.application(environ, start_response)
        return self._answer(environ, start_response, request_jws)

    @staticmethod
    def _body(environ: dict[str, Any]) -> bytes | None:
        """The request body when it has a length within bounds, else None (Django then decides)."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        if not 0 < length <= MAX_BODY_BYTES:
            return None
        data: bytes = environ["wsgi.input"].read(length)
        return data

    @staticmethod
    def _request_jws(body: bytes) -> str | None:
        try:
            envelope = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(envelope, dict):
            return None
        request_jws = envelope.get("request")
        if not isinstance(request_jws, str) or len(request_jws) > MAX_REQUEST_CHARS:
            return None
        return request_jws

    def _answer(self, environ: dict[str, Any], start_response: StartResponse, request_jws: str) -> Iterable[bytes]:
        started = time.perf_counter()
        if self._route is None:
            self._route = resolve(REQUESTS_PATH).route
        signals.request_started.send(sender=self.__class__, environ=environ)
        request = WSGIRequest(environ)
        try:
            try:
                response_jws = server.handle_request(request_jws, source_ip=request_actor(request)["source_ip"])
                status, content_type = "200 OK", "application/json; charset=utf-8"
                payload: dict[str, Any] = {"response": response_jws}
            except Exception as error:  # noqa: BLE001 - the API's answer to the unexpected, as ninja gives it
                reference = log_unexpected(request, error)
                REQUEST_ERRORS.labels(self._route, "500").inc()
                status, content_type = "500 Internal Server Error", "application/problem+json"
                payload = problem(
                    500, _("Sorry, something went wrong"),
                    _("Nothing you sent was lost. Quote the reference if you contact us."),
                    code="server_error", reference=reference,
                )
            data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
            start_response(status, [
                ("Content-Type", content_type), ("Content-Length", str(len(data))),
                # The answer holds personal data: no cache may keep it.
                ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"),
            ])
            REQUEST_LATENCY.labels(self._route, "POST").observe(time.perf_counter() - started)
            return [data]
        finally:
            signals.request_finished.send(sender=self.__class__)


def wrap(application: WSGIApp) -> WSGIApp:
    """The production WSGI application: Django, with signed exchange requests answered first."""
    return FederationEndpoint(application)

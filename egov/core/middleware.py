"""Cross-cutting middleware: request metrics, security headers, and error pages."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from egov.core.errors import ApplicationError, log_unexpected, render_error_page, server_error
from egov.core.observability import REQUEST_ERRORS, REQUEST_LATENCY


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.route if match and match.route else "unmatched"


class RequestMetricsMiddleware:
    """Times every request by route (the pattern, never the raw path, to bound label cardinality)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        route = _route(request)
        REQUEST_LATENCY.labels(route, request.method or "").observe(time.perf_counter() - started)
        if response.status_code >= 500:
            REQUEST_ERRORS.labels(route, str(response.status_code)).inc()
        return response


class SecurityHeadersMiddleware:
    """CSP with frame-ancestors, and ``no-store`` on every page that may hold personal data.

    Any response to a signed-in user is treated as personal: caches and the browser's
    back-forward cache must not keep it after sign-out on a shared computer.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.EGOV_CSP)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        user = getattr(request, "user", None)
        if getattr(user, "is_authenticated", False) or getattr(request, "egov_personal", False):
            response.headers["Cache-Control"] = "no-store"
        return response


class ErrorPageMiddleware:
    """Render ApplicationErrors raised by views as pages; log anything else under a reference id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None  # the API maps its own errors to problem+json
        if isinstance(exception, ApplicationError):
            return render_error_page(
                request, status=exception.status, title=str(exception.title), detail=exception.message
            )
        if settings.DEBUG:
            return None
        request.egov_error_reference = log_unexpected(request, exception)  # type: ignore[attr-defined]
        REQUEST_ERRORS.labels(_route(request), "500").inc()
        response = server_error(request)
        response.headers["X-Egov-Reference"] = request.egov_error_reference  # type: ignore[attr-defined]
        return response


__all__ = ["ErrorPageMiddleware", "RequestMetricsMiddleware", "SecurityHeadersMiddleware", "_"]

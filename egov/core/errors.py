"""The one error hierarchy of the platform, and its single mapping to HTTP.

Services raise ``ApplicationError`` subclasses with a translated, user-facing message
(what was wrong and what to do). Views never catch them one by one: the
``ErrorPageMiddleware`` renders them as pages and the API's exception handler as
RFC 9457 ``application/problem+json``. Anything else is a bug: the user sees a plain
apology with a reference id, and the traceback goes to the log under that id.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger("egov.errors")


class ApplicationError(Exception):
    """A failure the user can understand and act on. ``message`` is already translated."""

    status = 400
    code = "application_error"
    title = gettext_lazy("The request could not be completed")

    def __init__(self, message: str, *, field_errors: dict[str, list[str]] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}
        self.extra = extra


class ValidationError(ApplicationError):
    status = 422
    code = "validation_error"
    title = gettext_lazy("Some of the information given is not valid")


class NotFound(ApplicationError):
    status = 404
    code = "not_found"
    title = gettext_lazy("Not found")


class PermissionDenied(ApplicationError):
    status = 403
    code = "permission_denied"
    title = gettext_lazy("Not allowed")


class NotAuthenticated(ApplicationError):
    status = 401
    code = "not_authenticated"
    title = gettext_lazy("Sign-in required")


class Conflict(ApplicationError):
    status = 409
    code = "conflict"
    title = gettext_lazy("Conflict with the current state")


class RateLimited(ApplicationError):
    status = 429
    code = "rate_limited"
    title = gettext_lazy("Too many requests")


def problem(status: int, title: str, detail: str, *, code: str, **extra: Any) -> dict[str, Any]:
    """An RFC 9457 problem document; ``type`` names our error code as a URN."""
    body: dict[str, Any] = {"type": f"urn:egov:error:{code}", "title": str(title), "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v})
    return body


def problem_from_error(error: ApplicationError) -> dict[str, Any]:
    return problem(
        error.status, str(error.title), error.message, code=error.code, errors=error.field_errors, **error.extra
    )


def render_error_page(request: HttpRequest, *, status: int, title: str, detail: str, reference: str = "") -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {"status": status, "title": title, "detail": detail, "reference": reference},
        status=status,
    )


def log_unexpected(request: HttpRequest, exc: BaseException | None) -> str:
    """Log an unexpected failure under a fresh reference id the user can quote to support."""
    reference = uuid.uuid4().hex[:12]
    logger.error("unexpected error ref=%s path=%s", reference, request.path, exc_info=exc)
    return reference


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        body = problem(404, _("Not found"), _("There is no API endpoint at this address; see /api/v1/docs."), code="not_found")
        return JsonResponse(body, status=404, content_type="application/problem+json")
    return render_error_page(
        request,
        status=404,
        title=_("Page not found"),
        detail=_("The address may be mistyped, or the page may have moved. Try the home page or the service search."),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    reference = getattr(request, "egov_error_reference", "") or log_unexpected(request, None)
    title = _("Sorry, something went wrong")
    detail = _("Nothing you sent was lost. Please try again in a few minutes. If it keeps happening, contact us and quote the reference.")
    try:
        return render_error_page(request, status=500, title=title, detail=detail, reference=reference)
    except Exception:
        # The page itself could not be drawn (a broken template, missing static files):
        # still answer with the apology and the reference, as plain text.
        logger.exception("the error page failed to render ref=%s", reference)
        return HttpResponse(f"{title}\n\n{detail}\n\n{reference}\n", status=500, content_type="text/plain; charset=utf-8")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error_page(
        request, status=403, title=_("Not allowed"), detail=_("Your account does not have access to this page.")
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error_page(
        request, status=400, title=_("Bad request"), detail=_("The request could not be understood. Please go back and try again.")
    )

"""The API kernel: the NinjaAPI class, and the one mapping of errors to RFC 9457 problems.

``config/api.py`` creates the one API with ``make_api()`` and mounts each app's
router. Every error an operation can raise ends up here: ApplicationErrors with their
status and translated message, request validation with a translated message per field,
authentication failures, and anything unexpected as a 500 with a reference id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from egov.core.access import public
from egov.core.api_auth import CITIZEN_API
from egov.core.errors import ApplicationError, log_unexpected, problem, problem_from_error

PROBLEM = "application/problem+json"

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An RFC 9457 problem document; `errors` maps each invalid field to its messages.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "example": "urn:egov:error:validation_error"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "reference": {"type": "string", "description": "quote it to support; present on server errors"},
    },
}


class EgovNinjaAPI(NinjaAPI):
    """NinjaAPI whose document declares the problem+json answers every operation may give."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem_response = {
            "description": "Error, as an RFC 9457 problem document",
            "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                # OpenAPI keys status codes as strings; ninja uses ints, which cannot sort beside "4XX".
                responses = {str(code): answer for code, answer in operation.get("responses", {}).items()}
                operation["responses"] = responses
                responses.setdefault("4XX", problem_response)
                responses.setdefault("5XX", problem_response)
        return schema


def make_api() -> EgovNinjaAPI:
    """The platform's one API object, with the error mapping installed."""
    api = EgovNinjaAPI(
        title="egov API",
        version="1",
        description=(
            "The platform's JSON API. People authenticate with their session (and CSRF token) or a "
            "personal access token; agency systems with their credentials. Errors are RFC 9457 "
            "problem documents."
        ),
        auth=CITIZEN_API,
        urls_namespace="api",
        docs_decorator=public,  # the OpenAPI document and its docs page are public
    )

    def respond(request: HttpRequest, body: dict[str, Any], status: int) -> HttpResponse:
        response = api.create_response(request, body, status=status)
        response["Content-Type"] = PROBLEM
        return response

    def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        return respond(request, problem_from_error(exc), exc.status)

    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            loc = [str(p) for p in error.get("loc", []) if p not in ("body", "payload", "query", "path")]
            fields.setdefault(".".join(loc) or "body", []).append(translate_pydantic_error(error))
        body = problem(
            422, _("Some of the information given is not valid"), _("Correct the fields listed and send again."),
            code="validation_error", errors=fields,
        )
        return respond(request, body, 422)

    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        body = problem(
            401, _("Sign-in required"), _("Sign in, or send valid credentials, to use this endpoint."),
            code="not_authenticated",
        )
        return respond(request, body, 401)

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        body = problem(exc.status_code, _("The request could not be completed"), str(exc), code="http_error")
        return respond(request, body, exc.status_code)

    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        reference = log_unexpected(request, exc)
        body = problem(
            500, _("Sorry, something went wrong"), _("Nothing you sent was lost. Quote the reference if you contact us."),
            code="server_error", reference=reference,
        )
        return respond(request, body, 500)

    handlers: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
        (ApplicationError, application_error),
        (NinjaValidationError, validation_error),
        (AuthenticationError, authentication_error),
        (HttpError, http_error),
        (Exception, unexpected),
    ]
    for exception_class, handler in handlers:
        api.add_exception_handler(exception_class, handler)
    return api


def translate_pydantic_error(error: dict[str, Any]) -> str:
    """Pydantic's messages are English only; give the common ones in the user's language."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    messages = {
        "missing": _("This field is required."),
        "string_too_short": _("This value is too short."),
        "string_too_long": _("This value is too long."),
        "int_parsing": _("Enter a whole number."),
        "float_parsing": _("Enter a number."),
        "bool_parsing": _("Enter true or false."),
        "date_from_datetime_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_parsing": _("Enter a date as YYYY-MM-DD."),
        "uuid_parsing": _("Enter a valid identifier."),
        "json_invalid": _("The request body is not valid JSON."),
        "enum": _("Choose one of the allowed values."),
        "literal_error": _("Choose one of the allowed values."),
        "string_type": _("Enter text."),
        "value_error.email": _("Enter a valid e-mail address."),
    }
    if kind == "value_error" and isinstance(ctx, dict) and ctx.get("error"):
        return str(ctx["error"])
    return messages.get(kind, _("This value is not valid."))

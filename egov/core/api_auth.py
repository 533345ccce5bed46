"""Access declarations for API operations: ninja ``auth`` callables that carry an ``Access``.

Every operation of the one NinjaAPI names one of these as its ``auth`` (the API's
default is ``CITIZEN_API``, so an operation that says nothing still requires a
signed-in person: deny by default). People authenticate with their session (CSRF
checked on unsafe methods) or a personal access token (``Authorization: Bearer
pat_…``); agency systems with their credentials (``Authorization: Bearer agy_…``).

Token look-ups are plug-ins named by dotted path in settings, so ``core`` never
imports ``accounts``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from ninja.utils import check_csrf

from egov.core.access import AGENCY, CITIZEN, OPERATOR, PUBLIC, Access, Decision, official
from egov.core.errors import NotAuthenticated, PermissionDenied


def _bearer(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class ApiAccess:
    """A ninja auth callable enforcing one ``Access`` declaration."""

    def __init__(self, declared: Access) -> None:
        self.egov_access = declared

    def __call__(self, request: HttpRequest) -> Any:
        declared = self.egov_access
        if declared.kind == "public":
            return True
        token = _bearer(request)
        if declared.kind == "agency":
            if not token:
                raise NotAuthenticated(_("This endpoint is for agency systems: send your credentials as a Bearer token."))
            system = import_string(settings.EGOV_AGENCY_AUTHENTICATOR)(token)
            if system is None:
                raise NotAuthenticated(_("The agency credentials were not recognised or have been revoked."))
            request.egov_agency = system  # type: ignore[attr-defined]
            return system
        user: Any = None
        if token:
            user = import_string(settings.EGOV_TOKEN_AUTHENTICATOR)(token)
            if user is None:
                raise NotAuthenticated(_("The access token was not recognised, has expired or has been revoked."))
            request.user = user
            request.egov_token_auth = True  # type: ignore[attr-defined]
        else:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and request.method not in ("GET", "HEAD", "OPTIONS"):
                csrf_failure = check_csrf(request, lambda r: None)
                if csrf_failure:
                    raise PermissionDenied(_("The form's security token is missing or out of date. Reload the page and try again."))
        decision = declared.decide(user)
        if decision is Decision.ALLOW:
            return user
        if decision is Decision.LOGIN:
            raise NotAuthenticated(_("Sign in, or send a personal access token, to use this endpoint."))
        if decision is Decision.SECOND_FACTOR:
            raise PermissionDenied(_("Complete your second sign-in factor before using this endpoint."))
        raise PermissionDenied(_("Your account does not have access to this endpoint."))


PUBLIC_API = ApiAccess(PUBLIC)
CITIZEN_API = ApiAccess(CITIZEN)
OPERATOR_API = ApiAccess(OPERATOR)
AGENCY_API = ApiAccess(AGENCY)


def official_api(permission: str | None = None) -> ApiAccess:
    return ApiAccess(official(permission))

"""Deny by default: every view and endpoint declares who may use it.

A view opts in with ``@access(PUBLIC)``, ``@access(CITIZEN)``,
``@access(official("perm"))`` or ``@access(OPERATOR)``; the
``DenyByDefaultMiddleware`` refuses any view without a declaration and enforces the
declaration of the others, so a forgotten decorator fails closed. API operations
declare theirs through their ninja ``auth`` (see ``egov.core.api_auth``).

``Access.expected_status`` says what answer each test persona must get;
``tests/test_url_sweep.py`` walks every URL pattern with every persona against it.

The user model (in ``accounts``) provides ``is_official``, ``is_operator`` and
``has_egov_perm(name)``; ``core`` only relies on that protocol, so it imports no app.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from egov.core.errors import permission_denied

logger = logging.getLogger("egov.access")

V = TypeVar("V", bound=Callable[..., Any])


class Persona(StrEnum):
    """The kinds of caller the URL sweep tries every route with."""

    ANONYMOUS = "anonymous"
    CITIZEN = "citizen"
    OFFICIAL = "official"  # a dong-office clerk, second factor passed
    OPERATOR = "operator"  # platform operator, second factor passed


class EgovUser(Protocol):
    is_authenticated: bool
    is_official: bool
    is_operator: bool

    def has_egov_perm(self, name: str) -> bool: ...

    def is_verified(self) -> bool: ...


class Decision(StrEnum):
    ALLOW = "allow"
    LOGIN = "login"  # not signed in: go and sign in
    SECOND_FACTOR = "second_factor"  # signed in, second factor still owed
    FORBIDDEN = "forbidden"


@dataclass(frozen=True)
class Access:
    """Who may use a view: ``kind`` is public, citizen (any signed-in person), official, operator or agency."""

    kind: str
    permission: str | None = None
    # A machine caller (a Prometheus scraper) may also pass with ``Authorization: Bearer
    # <token>`` when the setting of this name holds a token; people still sign in.
    token_setting: str | None = None

    def admits_token(self, request: HttpRequest) -> bool:
        if not self.token_setting:
            return False
        expected = str(getattr(settings, self.token_setting, "") or "")
        scheme, _sep, given = request.headers.get("Authorization", "").partition(" ")
        return bool(expected) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), expected)

    def decide(self, user: Any) -> Decision:
        if self.kind == "public":
            return Decision.ALLOW
        if self.kind == "agency":
            # Agency systems use the API with their credentials, never the web pages.
            return Decision.FORBIDDEN
        if not getattr(user, "is_authenticated", False):
            return Decision.LOGIN
        if self.kind == "citizen":
            return Decision.ALLOW
        if not getattr(user, "is_official", False):
            return Decision.FORBIDDEN
        if not user.is_verified():
            return Decision.SECOND_FACTOR
        if self.kind == "operator":
            return Decision.ALLOW if user.is_operator else Decision.FORBIDDEN
        if self.permission and not user.has_egov_perm(self.permission):
            return Decision.FORBIDDEN
        return Decision.ALLOW

    def expected_status(self, persona: Persona) -> int:
        """The HTTP status a GET by each sweep persona must get (302 = sent to sign in)."""
        if self.kind == "public":
            return 200
        if persona is Persona.ANONYMOUS:
            return 302
        if self.kind == "citizen":
            return 200
        if self.kind == "operator":
            return 200 if persona is Persona.OPERATOR else 403
        if self.kind == "official":
            # The sweep's clerk holds the clerk role; the operator holds every permission.
            return 200 if persona in (Persona.OFFICIAL, Persona.OPERATOR) else 403
        return 403

    def __str__(self) -> str:
        return f"{self.kind}:{self.permission}" if self.permission else self.kind


PUBLIC = Access("public")
CITIZEN = Access("citizen")
OPERATOR = Access("operator")
AGENCY = Access("agency")


def official(permission: str | None = None) -> Access:
    """An official of any organisation, second factor passed, holding ``permission`` if named."""
    return Access("official", permission)


def access(declared: Access) -> Callable[[V], V]:
    """Declare who may use a view. The middleware enforces it; this only labels the view."""

    def mark(view: V) -> V:
        view.egov_access = declared  # type: ignore[attr-defined]
        return view

    return mark


def public(view: V) -> V:
    """Shorthand for ``@access(PUBLIC)``, for views of third-party apps mounted in our URLs."""
    return access(PUBLIC)(view)


# URL namespaces whose views we do not write ourselves, with the declaration that covers them.
NAMESPACE_ACCESS: dict[str, Access] = {"admin": OPERATOR}


def declared_access(view_func: Callable[..., Any], namespace: str | None) -> Access | None:
    found = getattr(view_func, "egov_access", None)
    if found is None:
        view_class = getattr(view_func, "view_class", None)
        found = getattr(view_class, "egov_access", None)
    if found is None and namespace:
        found = NAMESPACE_ACCESS.get(namespace.split(":")[0])
    return found if isinstance(found, Access) else None


def is_api_view(view_func: Callable[..., Any]) -> bool:
    """Ninja's operation views enforce their own declarations (the operation's ``auth``)."""
    return (getattr(view_func, "__module__", "") or "") == "ninja.operation"


class DenyByDefaultMiddleware:
    """Refuse every view that has not declared who may use it; enforce the declaration of the rest."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if is_api_view(view_func):
            return None
        match = request.resolver_match
        declared = declared_access(view_func, match.namespace if match else None)
        if declared is None:
            logger.error("refused undeclared view %s at %s", getattr(view_func, "__name__", view_func), request.path)
            return permission_denied(request)
        if declared.admits_token(request):
            return None
        decision = declared.decide(request.user)
        if decision is Decision.ALLOW:
            return None
        if decision is Decision.LOGIN:
            login = reverse(settings.LOGIN_URL)
            return HttpResponseRedirect(f"{login}?next={quote(request.get_full_path())}")
        if decision is Decision.SECOND_FACTOR:
            return HttpResponseRedirect(f"{reverse('accounts:otp_verify')}?next={quote(request.get_full_path())}")
        return permission_denied(request)

"""Deny by default, proven: every URL pattern, tried by every persona, gets its declared answer.

The sweep walks the whole URL map. A route with no access declaration fails the test
(the middleware would refuse it to everyone, which is never what its author meant);
a route whose answer to a persona differs from what its declaration promises fails
too. API operations are swept through their ninja ``auth`` declarations.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from egov.core.access import Access, Persona, declared_access, is_api_view
from egov.core.api_auth import ApiAccess


@dataclass(frozen=True)
class Route:
    url: str
    name: str
    has_parameters: bool
    pattern: URLPattern


def _sample(converter_pattern: str) -> str:
    """A plausible value for a path parameter: the sweep checks access, not the object."""
    return {"int": "1", "uuid": str(uuid.UUID(int=1)), "slug": "sample", "path": "sample"}.get(converter_pattern, "sample")


def _walk(patterns: list[Any], prefix: str = "", namespace: str | None = None) -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace if entry.namespace else None
            full_ns = ":".join(p for p in (namespace, inner) if p) or None
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), full_ns)
        elif isinstance(entry, URLPattern):
            raw = prefix + str(entry.pattern)
            has_parameters = bool(re.search(r"<|\(\?P<", raw))
            url = re.sub(r"<(?:(\w+):)?\w+>", lambda m: _sample(m.group(1) or "str"), raw)
            url = re.sub(r"\(\?P<\w+>[^)]*\)", "1", url)
            url = "/" + url.lstrip("^").rstrip("$").replace("\\", "")
            name = f"{namespace}:{entry.name}" if namespace else (entry.name or raw)
            yield Route(url, name, has_parameters, entry)


ROUTES = list(_walk(get_resolver().url_patterns))
PAGE_ROUTES = [r for r in ROUTES if not is_api_view(r.pattern.callback)]
API_ROUTES = [r for r in ROUTES if is_api_view(r.pattern.callback)]


def _operations(route: Route) -> list[Any]:
    """The ninja operations behind an API route (its PathView is the view wrapper's closure)."""
    path_view = route.pattern.callback.__closure__[0].cell_contents  # type: ignore[index]
    return list(path_view.operations)


def test_the_sweep_finds_pages_and_api_operations() -> None:
    names = {r.name for r in ROUTES}
    assert "portal:home" in names
    assert "accounts:login" in names
    assert API_ROUTES, "the API should have operations"


@pytest.mark.parametrize("route", PAGE_ROUTES, ids=lambda r: r.name)
def test_every_page_route_declares_who_may_use_it(route: Route) -> None:
    match = resolve(route.url)
    assert declared_access(match.func, match.namespace) is not None, (
        f"{route.name} ({route.url}) has no @access declaration"
    )


@pytest.mark.parametrize("route", API_ROUTES, ids=lambda r: r.name)
def test_every_api_operation_declares_who_may_use_it(route: Route) -> None:
    for operation in _operations(route):
        callbacks = operation.auth_callbacks
        assert callbacks and all(isinstance(c, ApiAccess) for c in callbacks), (
            f"{route.name} {operation.methods} must declare auth=PUBLIC_API/CITIZEN_API/official_api()/AGENCY_API"
        )


def _client_for(persona: Persona, request: pytest.FixtureRequest) -> Client:
    if persona is Persona.ANONYMOUS:
        return Client()
    fixture = {Persona.CITIZEN: "citizen_client", Persona.OFFICIAL: "clerk_client", Persona.OPERATOR: "operator_client"}
    return request.getfixturevalue(fixture[persona])


def _is_login_redirect(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse(settings.LOGIN_URL))


def _check_page_answer(route: Route, declared: Access, persona: Persona, response: Any, user: Any = None) -> None:
    expected = declared.expected_status(persona)
    # A permission the persona's roles do not grant is refused: the sweep's clerk reads
    # no vehicle register, and must be told so.
    if expected == 200 and declared.kind == "official" and declared.permission and user is not None:
        expected = 200 if user.has_egov_perm(declared.permission) else 403
    where = f"{route.name} GET {route.url} as {persona.value}"
    assert response.status_code < 500, f"{where}: server error {response.status_code}"
    if expected == 302:
        assert _is_login_redirect(response), f"{where}: expected a redirect to sign in, got {response.status_code}"
    elif expected == 403:
        assert response.status_code == 403, f"{where}: expected 403, got {response.status_code}"
    else:
        # Allowed: the page itself answers. A route for one object may not find the sample
        # object (404); a POST-only route refuses GET (405); a redirect elsewhere is fine.
        allowed = {200, 302, 405} | ({404} if route.has_parameters else set())
        assert response.status_code in allowed and not _is_login_redirect(response), (
            f"{where}: expected access, got {response.status_code}"
        )
        assert response.status_code != 403, f"{where}: refused a declared persona"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", list(Persona), ids=lambda p: p.value)
def test_every_page_gives_each_persona_its_declared_answer(persona: Persona, request: pytest.FixtureRequest) -> None:
    client = _client_for(persona, request)
    checked = 0
    for route in PAGE_ROUTES:
        match = resolve(route.url)
        declared = declared_access(match.func, match.namespace)
        assert declared is not None, route.name
        response = client.get(route.url)
        _check_page_answer(route, declared, persona, response, getattr(response.wsgi_request, "user", None))
        checked += 1
    assert checked == len(PAGE_ROUTES)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", list(Persona), ids=lambda p: p.value)
def test_every_api_operation_gives_each_persona_its_declared_answer(
    persona: Persona, request: pytest.FixtureRequest
) -> None:
    client = _client_for(persona, request)
    for route in API_ROUTES:
        for operation in _operations(route):
            declared = operation.auth_callbacks[0].egov_access
            for method in operation.methods:
                response = client.generic(method, route.url, data="{}", content_type="application/json")
                where = f"{route.name} {method} {route.url} as {persona.value}"
                assert response.status_code < 500, f"{where}: server error {response.status_code}"
                expected = declared.expected_status(persona)
                if declared.kind == "agency":
                    assert response.status_code == 401, f"{where}: agency endpoints need agency credentials"
                elif expected == 302:
                    assert response.status_code == 401, f"{where}: expected 401, got {response.status_code}"
                    assert response["Content-Type"].startswith("application/problem+json")
                elif expected == 403:
                    assert response.status_code == 403, f"{where}: expected 403, got {response.status_code}"
                else:
                    assert response.status_code not in (401, 403), f"{where}: refused a declared persona"


@pytest.mark.django_db
def test_agency_credentials_open_only_agency_operations() -> None:
    from egov.accounts.fixtures import make_organisation
    from egov.accounts.services import agency_system_create

    _system, token = agency_system_create(organisation=make_organisation("cen-mois"), name="sweep agency system")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    for route in API_ROUTES:
        for operation in _operations(route):
            declared = operation.auth_callbacks[0].egov_access
            for method in operation.methods:
                response = client.generic(method, route.url, data="{}", content_type="application/json")
                where = f"{route.name} {method} {route.url} with agency credentials"
                assert response.status_code < 500, where
                if declared.kind == "agency":
                    assert response.status_code not in (401, 403), where
                elif declared.kind != "public":
                    assert response.status_code in (401, 403), where

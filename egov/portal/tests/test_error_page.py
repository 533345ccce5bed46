"""The error page: plain, translated, with a way home and the reference when there is one."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.utils import translation

from egov.core.errors import render_error_page, server_error

pytestmark = pytest.mark.django_db


def test_an_unknown_address_gets_the_plain_404_page_with_a_way_home() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in page
    assert "Error 404" in page
    assert 'href="/" class="krds-btn medium">Go to the home page</a>' in page
    assert '<div id="krds-skip-link">' in page
    assert "Traceback" not in page


def test_the_404_page_is_korean_by_default() -> None:
    page = Client().get("/no-such-page/").content.decode()
    assert "오류 404" in page
    assert "첫 화면으로 가기" in page


def test_a_server_error_page_quotes_its_reference_and_nothing_else() -> None:
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    request.egov_error_reference = "abc123def456"  # type: ignore[attr-defined]
    with translation.override("en"):
        response = server_error(request)
    page = response.content.decode()
    assert response.status_code == 500
    assert "<code class=\"egov-reference\">abc123def456</code>" in page


def test_each_error_status_renders_the_same_plain_page() -> None:
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    for status in (400, 403, 409, 422):
        with translation.override("en"):
            response = render_error_page(request, status=status, title="Title here", detail="Detail here.")
        page = response.content.decode()
        assert response.status_code == status
        assert "<h1>Title here</h1>" in page and "<p>Detail here.</p>" in page
        assert f"Error {status}" in page
        assert "Reference" not in page

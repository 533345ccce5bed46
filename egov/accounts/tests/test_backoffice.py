"""The back-office landing page: officials see their organisation and roles; citizens are refused."""

from __future__ import annotations

from typing import Any

from django.test import Client


def test_a_clerk_sees_their_office_and_role(clerk_client: Client) -> None:
    clerk_client.cookies["egov_language"] = "en"
    page = clerk_client.get("/back-office/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "청운효자동" in html and "종로구" in html and "서울특별시" in html
    assert "Clerk" in html


def test_the_landing_page_speaks_korean_by_default(clerk_client: Client) -> None:
    html = clerk_client.get("/back-office/").content.decode()
    assert "주무관" in html  # the clerk role, in Korean


def test_a_reviewer_sees_the_si_gun_gu(client_for: Any, reviewer: Any) -> None:
    html = client_for(reviewer).get("/back-office/").content.decode()
    assert "종로구" in html


def test_a_citizen_is_refused_the_back_office(citizen_client: Client) -> None:
    assert citizen_client.get("/back-office/").status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(db: None) -> None:
    response = Client().get("/back-office/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_operator_holds_every_permission(olivia: Any) -> None:
    from egov.accounts.permissions import PERMISSIONS

    assert all(olivia.has_egov_perm(name) for name in PERMISSIONS)
    assert olivia.is_operator


def test_a_clerk_may_process_but_not_decide(clerk: Any) -> None:
    assert clerk.has_egov_perm("cases.process")
    assert not clerk.has_egov_perm("cases.decide")
    assert not clerk.is_operator

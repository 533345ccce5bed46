"""The catalogue's pages, as a visitor sees them in Korean and in English."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def page(client: Any, url: str, language: str = "ko") -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_searching_for_moving_house_in_korean_lists_the_move_in_report(client: Any) -> None:
    html = page(client, "/catalogue/?q=이사")
    assert "전입신고" in html and "/catalogue/services/move-in-report/" in html


def test_a_search_that_finds_nothing_says_so(client: Any) -> None:
    assert "No service matches" in page(client, "/catalogue/?q=qwxzv", "en")


def test_the_catalogue_lists_life_events_subjects_and_offices(client: Any) -> None:
    html = page(client, "/catalogue/", "en")
    assert "Having a baby" in html and "Water and sewerage" in html and "National Tax Service" in html


def test_the_service_page_says_what_you_need_the_fee_the_time_and_whether_it_is_fully_online(client: Any) -> None:
    html = page(client, "/catalogue/services/resident-registration-copy/", "en")
    assert "Fully online" in html and "400 KRW" in html and "Within 1 working hour" in html
    assert "Resident registration copy (household)" in html  # fetched from the register, not asked
    html = page(client, "/catalogue/services/seal-certificate/", "ko")
    assert "부동산 매도용" in html and "창구 방문으로만" in html


def test_a_service_page_lists_uploads_only_with_the_reason_no_register_holds_them(client: Any) -> None:
    html = page(client, "/catalogue/services/birth-report/", "en")
    assert "Proof of birth" in html and "not held by any register" in html


def test_a_bundle_page_links_its_member_services(client: Any) -> None:
    html = page(client, "/catalogue/services/birth-one-stop/", "en")
    for member in ("birth-report", "child-allowance", "parental-benefit"):
        assert f"/catalogue/services/{member}/" in html


def test_browse_pages_list_services_and_unknown_ones_are_not_found(client: Any) -> None:
    assert "Move-in report" in page(client, "/catalogue/life-events/moving/", "en")
    assert "Basic livelihood security benefit" in page(client, "/catalogue/task-areas/welfare/", "en")
    assert "Business registration" in page(client, "/catalogue/organisations/cen-nts/", "en")
    assert client.get("/catalogue/task-areas/nothing/").status_code == 404
    assert client.get("/catalogue/services/nothing/").status_code == 404

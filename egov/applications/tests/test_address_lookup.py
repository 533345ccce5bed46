"""Finding the dong by name instead of typing its codes: on the apply page without JavaScript, and in the API.

The places are the platform's own (accounts' legal and administrative dongs): 역삼동 of
강남구 is served by two administrative dongs (역삼1동, 역삼2동), 사직동 of 종로구 by one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from egov.applications.models import Application

pytestmark = pytest.mark.django_db


def add_place(code: str, full_name: str, admin_dongs: dict[str, str]) -> None:
    """A legal dong with its province and si/gun/gu, and the administrative dongs that serve it."""
    from django.apps import apps

    legal_dong = apps.get_model("accounts", "LegalDong")
    admin_dong = apps.get_model("accounts", "AdminDong")
    sido, sigungu, name = full_name.split()
    legal_dong.objects.get_or_create(
        code=code[:2] + "0" * 8,
        defaults={"name": sido, "full_name": sido, "level": "sido", "sido_code": code[:2]},
    )
    legal_dong.objects.get_or_create(
        code=code[:5] + "0" * 5,
        defaults={
            "name": sigungu,
            "full_name": f"{sido} {sigungu}",
            "level": "sigungu",
            "sido_code": code[:2],
            "sigungu_code": code[:5],
        },
    )
    row, _created = legal_dong.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "full_name": full_name,
            "level": "emd",
            "sido_code": code[:2],
            "sigungu_code": code[:5],
            "emd_code": code[:8],
        },
    )
    for admin_code, admin_name in admin_dongs.items():
        dong, _created = admin_dong.objects.get_or_create(
            code=admin_code, defaults={"name": admin_name, "sigungu_code": code[:5]}
        )
        dong.legal_dongs.add(row)


@pytest.fixture
def places(offices: Any) -> None:
    add_place("1168010100", "서울특별시 강남구 역삼동", {"1123064": "역삼1동", "1123065": "역삼2동"})
    add_place("1111011500", "서울특별시 종로구 사직동", {"1101053": "사직동"})
    add_place("1111010100", "서울특별시 종로구 청운동", {"1101072": "청운효자동"})


@pytest.fixture(autouse=True)
def _pages_in_english(settings: Any, citizen_client: Any) -> None:
    citizen_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_the_platform_finds_a_dong_by_its_korean_or_romanised_name(places: None) -> None:
    from egov.accounts.public import places_named

    for typed in ("역삼", "역삼동", "강남구 역삼", "Yeoksam", "yeoksam-dong", "YEOKSAM DONG"):
        found = places_named(query=typed)
        assert [m.legal_dong_code for m in found] == ["1168010100"], typed
    match = places_named(query="Yeoksam")[0]
    assert (match.sido, match.sigungu, match.name_en) == ("서울특별시", "강남구", "Yeoksam-dong")
    assert [a.name for a in match.admin_dongs] == ["역삼1동", "역삼2동"]
    assert places_named(query="Nowhere") == []


def _move_in_post(**extra: str) -> dict[str, str]:
    post = {
        "new_address.road": "사직로",
        "new_address.building_number": "161",
        "moved_on": date.today().isoformat(),
        "movers": "whole_household",
        "consent": "1",
        "idempotency_key": "lookup-1",
    }
    post.update(extra)
    return post


def test_find_lists_the_matching_dongs_and_keeps_every_other_answer(
    places: None,
    alice_resident: Any,
    citizen_client: Any,
) -> None:
    url = reverse("applications:apply", args=["move-in-report"])
    assert 'name="new_address.find"' in citizen_client.get(url).content.decode()
    page = citizen_client.post(url, _move_in_post(**{"new_address.find": "Yeoksam", "find": "new_address"}))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Yeoksam-dong (서울특별시 강남구 역삼동), served by 역삼1동" in html
    assert 'value="new_address|1168010100|1123065"' in html
    # Her answers are all still there, and nothing was filed.
    assert 'value="사직로"' in html and 'value="161"' in html and 'value="lookup-1"' in html
    assert 'value="whole_household" selected' in html
    assert Application.objects.count() == 0


def test_picking_a_place_fills_the_province_the_district_and_both_codes(
    places: None,
    alice_resident: Any,
    citizen_client: Any,
) -> None:
    url = reverse("applications:apply", args=["move-in-report"])
    page = citizen_client.post(
        url,
        _move_in_post(
            **{
                "new_address.find": "사직",
                "new_address.place": "new_address|1111011500|1101053",
                "pick": "new_address",
            }
        ),
    )
    html = page.content.decode()
    assert "Chosen: 서울특별시 종로구 사직동" in html
    for value in ("서울특별시", "종로구", "1111011500", "1101053", "사직로"):
        assert f'value="{value}"' in html
    assert Application.objects.count() == 0
    # Sent as the page now stands, the application goes to the office of 사직동.
    filed = citizen_client.post(
        url,
        _move_in_post(
            **{
                "new_address.sido": "서울특별시",
                "new_address.sigungu": "종로구",
                "new_address.legal_dong_code": "1111011500",
                "new_address.admin_dong_code": "1101053",
            }
        ),
    )
    assert filed.status_code == 302
    application = Application.objects.get()
    assert application.form["new_address"]["admin_dong_code"] == "1101053"


def test_enter_in_the_finder_box_finds_rather_than_submits(
    places: None, alice_resident: Any, citizen_client: Any
) -> None:
    page = citizen_client.post(
        reverse("applications:apply", args=["move-in-report"]), _move_in_post(**{"new_address.find": "역삼"})
    )
    assert page.status_code == 200 and 'id="places-new_address"' in page.content.decode()
    assert Application.objects.count() == 0


def test_a_name_nothing_matches_says_so_in_the_citizens_language(
    places: None,
    alice_resident: Any,
    citizen_client: Any,
    settings: Any,
) -> None:
    url = reverse("applications:apply", args=["move-in-report"])
    page = citizen_client.post(url, _move_in_post(**{"new_address.find": "Atlantis", "find": "new_address"}))
    assert "No dong, eup, myeon or ri is called “Atlantis”" in page.content.decode()
    citizen_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    page = citizen_client.post(
        url, _move_in_post(**{"new_address.find": "아틀란티스", "find": "new_address"})
    )
    assert "“아틀란티스”" in page.content.decode() and "No dong" not in page.content.decode()


def test_a_pick_of_a_place_not_found_is_refused(
    places: None, alice_resident: Any, citizen_client: Any
) -> None:
    page = citizen_client.post(
        reverse("applications:apply", args=["move-in-report"]),
        _move_in_post(
            **{
                "new_address.find": "사직",
                "new_address.place": "new_address|1111011500|1123064",
                "pick": "new_address",
            }
        ),
    )
    html = page.content.decode()
    assert "Choose one of the places found" in html and 'value="1123064"' not in html


def test_the_api_finds_places_for_any_client(places: None, client: Any) -> None:
    found = client.get("/api/v1/applications/places", {"q": "역삼"}).json()
    assert found[0]["legal_dong_code"] == "1168010100"
    assert [a["code"] for a in found[0]["admin_dongs"]] == ["1123064", "1123065"]


def test_a_clerk_finds_the_visitors_dong_at_the_counter(
    places: None, alice_resident: Any, clerk_client: Any
) -> None:
    url = reverse("applications_backoffice:counter_file", args=["move-in-report"])
    page = clerk_client.post(url, {"visitor": "alice", "new_address.find": "역삼", "find": "new_address"})
    html = page.content.decode()
    assert (
        page.status_code == 200
        and 'value="new_address|1168010100|1123064"' in html
        and 'value="alice"' in html
    )
    assert Application.objects.count() == 0

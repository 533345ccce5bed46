"""A case goes to the office competent for the applicant's address at the level the service names."""

from __future__ import annotations

from typing import Any

import pytest

from egov.workflow.public import competent_organisation

pytestmark = pytest.mark.django_db

CHEONGUN_HYOJA = "1101072"  # 청운효자동, 종로구, 서울특별시


def test_a_dong_level_service_goes_to_the_dong_office_of_the_address(clerk: Any) -> None:
    office = competent_organisation(level="dong", admin_dong_code=CHEONGUN_HYOJA)
    assert office is not None and (office.code, office.name) == ("adm-1101072", "청운효자동")


def test_a_si_gun_gu_level_service_goes_to_the_district_office(clerk: Any) -> None:
    office = competent_organisation(level="si_gun_gu", admin_dong_code=CHEONGUN_HYOJA)
    assert office is not None and office.name == "종로구"


def test_a_province_level_service_goes_to_the_metropolitan_city(clerk: Any) -> None:
    office = competent_organisation(level="sido", admin_dong_code=CHEONGUN_HYOJA)
    assert office is not None and office.name == "서울특별시"


def test_a_national_service_goes_to_the_organisation_it_names(olivia: Any) -> None:
    office = competent_organisation(level="code", code="cen-mois")
    assert office is not None and office.name == "행정안전부"


def test_a_place_no_office_covers_has_no_competent_office(clerk: Any) -> None:
    assert competent_organisation(level="dong", admin_dong_code="9999999") is None
    assert competent_organisation(level="dong") is None


def test_an_unknown_level_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        competent_organisation(level="village", admin_dong_code=CHEONGUN_HYOJA)


def test_where_there_is_no_dong_office_the_district_office_answers(reviewer: Any) -> None:
    office = competent_organisation(level="dong", admin_dong_code=CHEONGUN_HYOJA)
    assert office is not None and office.name == "종로구"

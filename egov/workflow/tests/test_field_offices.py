"""A service decided by a national agency's field office goes to the office serving the address.

The kr pack's tax offices serve si/gun/gu (``serves`` in organisations.yaml): 종로세무서
종로구, 수원세무서 the four gu of 수원시, 제주세무서 both cities of Jeju. A business
registration in 종로구 goes to 종로세무서, one in 수원시 장안구 to 수원세무서; an address
no tax office of the pack serves stays with the National Tax Service itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from egov.accounts.public import load_country_pack
from egov.workflow.public import competent_organisation

CHEONGUN_HYOJA = "1101072"  # 청운효자동, 종로구, 서울특별시
PAJANG = "3101154"  # 파장동, 수원시 장안구, 경기도
DAEJEONG = "3902011"  # 대정읍, 서귀포시, 제주특별자치도
JUNGANG_BUSAN = "2101051"  # 중앙동, 부산광역시 중구: no tax office of the pack serves it


@pytest.fixture(scope="module")
def _pack_loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The whole kr pack, loaded once for the module inside a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_country_pack()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def pack(_pack_loaded: None, db: None) -> None:
    return None


def tax_office(admin_dong_code: str) -> str:
    office = competent_organisation(level="field_office", code="cen-nts", admin_dong_code=admin_dong_code)
    assert office is not None
    return office.name


def test_a_jongno_address_goes_to_the_jongno_tax_office(pack: None) -> None:
    assert tax_office(CHEONGUN_HYOJA) == "종로세무서"


def test_an_address_in_jangan_gu_goes_to_the_suwon_tax_office(pack: None) -> None:
    assert tax_office(PAJANG) == "수원세무서"


def test_seogwipo_is_served_by_the_jeju_tax_office(pack: None) -> None:
    assert tax_office(DAEJEONG) == "제주세무서"


def test_an_address_no_tax_office_serves_stays_with_the_national_tax_service(pack: None) -> None:
    assert tax_office(JUNGANG_BUSAN) == "국세청"


def test_without_an_address_the_agency_itself_is_competent(pack: None) -> None:
    assert tax_office("") == "국세청"


def test_the_field_office_is_that_of_the_agency_named(pack: None) -> None:
    # 종로세무서 serves 청운효자동, but it is not an office of the customs service.
    office = competent_organisation(level="field_office", code="cen-kcs", admin_dong_code=CHEONGUN_HYOJA)
    assert office is not None and office.name == "관세청"


def test_an_unknown_agency_has_no_competent_office(pack: None) -> None:
    assert competent_organisation(level="field_office", code="cen-nowhere", admin_dong_code=CHEONGUN_HYOJA) is None

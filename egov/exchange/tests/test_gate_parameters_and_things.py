"""The gate with parameters and with subjects that are not persons (ADR 0110).

The family court administration (법원행정처, ``cen-nca``) reads the five family
certificates of 김민준 (born 김민수; a first marriage ended in divorce, with a son; a
second wife and a daughter; a brother) at the level the request asks, on behalf of an
applicant whose entitlement the family register checks. 종로구 reads the land and building registers by
parcel number or road address: public registers, logged all the same.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.test import override_settings

from egov.accounts.fixtures import make_organisation
from egov.core import clock
from egov.core.access_log import entries_about
from egov.exchange import public as exchange
from egov.exchange.federation import messages, server
from egov.exchange.models import ExchangeLog
from egov.exchange.services import access_right_grant
from egov.exchange.tests.test_federation_server import CITY, OWNER, trust_city
from egov.registries.tests.factories import make_resident

pytestmark = pytest.mark.django_db

FAMILY_ARTICLE = "Act on the Registration, etc. of Family Relationships, Article 14"
LAND_ARTICLE = "Act on the Establishment, Management, etc. of Spatial Data, Article 75"
PRICE_ARTICLE = "Act on the Public Announcement of Real Estate Values, Article 10"
PNU = "1111010100100120003"  # 청운동 12-3
ROAD_ADDRESS = "서울특별시 종로구 자하문로 10"


def _row(model: str, **values: Any) -> Any:
    """A registry row written as the registry's services would have left it (other apps' tests may not call them)."""
    return apps.get_model("registries", model).objects.create(**values)


@pytest.fixture
def family(db: None) -> dict[str, Any]:
    """김민준, born 1980 to 김아버 and 박어머 and renamed from 김민수 in 2014; married 이지은 (2005, divorced 2012:
    a son, 김첫째) and 최수정 (2015: a daughter, 김둘째); his brother 김형제."""
    father = make_resident(name_ko="김아버", birth_date=date(1950, 4, 4))
    mother = make_resident(name_ko="박어머", sex="F", birth_date=date(1952, 5, 5))
    me = make_resident(name_ko="김민준", birth_date=date(1980, 2, 2), father=father, mother=mother)
    first = make_resident(name_ko="이지은", sex="F", birth_date=date(1981, 3, 3))
    second = make_resident(name_ko="최수정", sex="F", birth_date=date(1984, 8, 8))
    _row("Marriage", spouse_a=me, spouse_b=first, married_on=date(2005, 3, 1), ended_on=date(2012, 6, 30),
         end_reason="divorce")
    _row("Marriage", spouse_a=second, spouse_b=me, married_on=date(2015, 5, 5))
    _row("RegistryEvent", registry="family", kind="family.name_change", entity_type="resident", entity_id=me.id,
         effective_on=date(2014, 1, 10), before={"name_ko": "김민수"}, after={"name_ko": "김민준"},
         cause_kind="official")
    return {"father": father, "mother": mother, "subject": me, "first": first, "second": second,
            "son": make_resident(name_ko="김첫째", birth_date=date(2007, 7, 7), father=me, mother=first),
            "daughter": make_resident(name_ko="김둘째", sex="F", birth_date=date(2016, 9, 9), father=me, mother=second),
            "brother": make_resident(name_ko="김형제", birth_date=date(1978, 1, 1), father=father, mother=mother)}


@pytest.fixture
def court(exchange_pack: Any) -> exchange.Requester:
    return exchange.system_requester(organisation_code="cen-nca", name="applications", label="법원행정처 · 증명서 발급")


def certificate(court: exchange.Requester, product: str, subject: Any, applicant: Any, **params: Any) -> Any:
    return exchange.fetch(requester=court, product=product, purpose="civil_application", service="tests",
                          subject_resident_id=subject.id, legal_basis=FAMILY_ARTICLE, params=params,
                          applicant_resident_id=applicant.id if applicant is not None else None)


def names(data: dict[str, Any], *relations: str) -> list[str]:
    return [p["name_ko"] for p in data["people"] if p["relation"] in relations]


def test_each_certificate_states_more_at_the_detailed_level_than_at_the_general(
    court: exchange.Requester, family: dict[str, Any],
) -> None:
    me = family["subject"]

    def both(product: str) -> tuple[dict[str, Any], dict[str, Any]]:
        general = certificate(court, product, me, me, level="general").data
        detailed = certificate(court, product, me, me, level="detailed").data
        assert (general["level"], detailed["level"]) == ("general", "detailed")
        assert general["subject"]["name_ko"] == detailed["subject"]["name_ko"] == "김민준"
        return general, detailed

    general, detailed = both("basic-certificate")
    assert [e["kind"] for e in general["events"]] == ["birth"]
    assert [e["kind"] for e in detailed["events"]] == ["birth", "name_change"]

    general, detailed = both("family-relation-certificate")
    assert names(general, "father", "mother", "spouse") == ["김아버", "박어머", "최수정"]
    assert names(general, "child") == ["김둘째"]
    assert names(detailed, "child") == ["김첫째", "김둘째"]  # the son of the dissolved marriage too

    general, detailed = both("marriage-relation-certificate")
    assert [(e["kind"], e["counterpart_name"]) for e in general["events"]] == [("marriage", "최수정")]
    assert [e["kind"] for e in detailed["events"]] == ["marriage", "divorce", "marriage"]

    general, detailed = both("adoption-relation-certificate")
    assert names(general, "birth_father", "birth_mother") == ["김아버", "박어머"] and general["events"] == []
    assert names(detailed, "birth_father", "birth_mother") == ["김아버", "박어머"]

    general, detailed = both("full-adoption-relation-certificate")
    assert names(general, "birth_father", "birth_mother") == []  # only the detailed one shows birth parents
    assert names(detailed, "birth_father", "birth_mother") == ["김아버", "박어머"]


def test_the_rear_digits_are_shown_only_when_the_applicant_asks(
    court: exchange.Requester, family: dict[str, Any],
) -> None:
    me, wife = family["subject"], family["second"]
    masked = certificate(court, "family-relation-certificate", me, me, level="general").data
    shown = certificate(court, "family-relation-certificate", me, wife, level="general", show_rear=True).data
    number = me.identifier
    assert masked["subject"]["identifier"] == f"{number[:6]}-{number[6]}******"
    assert shown["subject"]["identifier"] == f"{number[:6]}-{number[6:]}"
    assert all("*" not in p["identifier"] for p in shown["people"]) and shown["rrn_rear_shown"] is True


def test_a_specific_certificate_shows_the_items_picked(court: exchange.Requester, family: dict[str, Any]) -> None:
    me = family["subject"]
    data = certificate(court, "family-relation-certificate", me, me, level="specific", items="spouse").data
    assert [p["relation"] for p in data["people"]] == ["subject", "spouse"]

    with pytest.raises(exchange.Refused) as refused:
        certificate(court, "family-relation-certificate", me, me, level="specific", items=["divorce"])
    assert refused.value.reason == "invalid_parameters" and set(refused.value.field_errors) == {"items"}


def test_a_sibling_is_not_entitled_and_gets_nothing(court: exchange.Requester, family: dict[str, Any]) -> None:
    me, brother = family["subject"], family["brother"]
    with pytest.raises(exchange.Refused) as refused:
        certificate(court, "family-relation-certificate", me, brother, level="general")
    assert refused.value.reason == "not_entitled"
    assert "family member the law entitles" in refused.value.message
    log = ExchangeLog.objects.get(request_id=refused.value.request_id)
    assert (log.status, log.reason, log.subject_resident_id) == ("refused", "not_entitled", me.id)
    seen = entries_about([f"resident:{me.id}"])
    assert seen[0].action == "exchange.refused" and not [e for e in seen if e.action == "person.read"]


@pytest.mark.parametrize(("params", "field"), [
    ({"show_rear": True}, "show_rear"),  # without an applicant: an agency's read is masked
    ({"colour": "blue"}, "colour"),
    ({"level": 3}, "level"),
])
def test_parameters_that_do_not_fit_are_refused_by_name(
    court: exchange.Requester, params: dict[str, Any], field: str,
) -> None:
    person = make_resident()
    with pytest.raises(exchange.Refused) as refused:
        certificate(court, "basic-certificate", person, None, **params)
    assert refused.value.reason == "invalid_parameters" and set(refused.value.field_errors) == {field}


# ---------------------------------------------------------------- parcels and buildings


@pytest.fixture
def gu(exchange_pack: Any) -> exchange.Requester:
    make_organisation("sgg-11110")
    return exchange.system_requester(organisation_code="sgg-11110", name="applications", label="종로구 · 토지대장")


@pytest.fixture
def parcel(db: None) -> dict[str, Any]:
    """청운동 12-3: two thirds 김하늘's, a third the city's, priced for 2023 and 2024, with 자하문로 10 (hers) on it."""
    apps.get_model("accounts", "LegalDong").objects.get_or_create(code="1111010100", defaults={
        "name": "청운동", "full_name": "서울특별시 종로구 청운동", "level": "emd", "sido_code": "11",
        "sigungu_code": "11110", "emd_code": "11110101"})
    owner = make_resident(name_ko="김하늘")
    land = _row("Parcel", pnu=PNU, legal_dong_code="1111010100", category="대", area_m2=Decimal("330.58"),
                registered_on=date(2010, 5, 1))
    _row("ParcelOwnership", parcel=land, owner_resident_id=owner.id, share_numerator=2, share_denominator=3,
         acquired_on=date(2010, 5, 1))
    _row("ParcelOwnership", parcel=land, owner_name="서울특별시", share_numerator=1, share_denominator=3,
         acquired_on=date(2010, 5, 1))
    for year, price in ((2023, 5_120_000), (2024, 5_300_000)):
        _row("LandPrice", parcel=land, year=year, price_per_m2=price)
    building = _row("Building", parcel=land, name="청운빌라", road_address=ROAD_ADDRESS, main_use="multi_family",
                    floors_above=4, floors_below=1, floor_area_m2=Decimal("812.40"), approved_on=date(2012, 6, 1))
    _row("BuildingOwnership", building=building, owner_resident_id=owner.id, acquired_on=date(2012, 6, 1))
    return {"owner": owner, "parcel": land}


def read(gu: exchange.Requester, product: str, key: str, article: str = LAND_ARTICLE, **params: Any) -> Any:
    return exchange.fetch(requester=gu, product=product, purpose="civil_application", service="tests",
                          subject_number=key, legal_basis=article, params=params or None)


def test_a_land_register_extract_names_the_owners_masked_and_the_owner_sees_the_read(
    gu: exchange.Requester, parcel: dict[str, Any],
) -> None:
    owner = parcel["owner"]
    release = read(gu, "land-register", "11110101001-0012-0003")
    data = release.data
    assert (data["pnu"], data["lot"], data["place"], data["category"]) == (PNU, "12-3", "서울특별시 종로구 청운동", "대")
    assert [(o["name"], o["number_masked"], o["share"]) for o in data["owners"]] == [
        ("김하늘", f"{owner.identifier[:6]}-{owner.identifier[6]}******", "2/3"), ("서울특별시", "", "1/3")]
    assert [p["year"] for p in data["prices"]] == [2024, 2023]
    assert release.subject_resident_id is None and release.subject_kind == "parcel"
    entry = entries_about([f"resident:{owner.id}"])[0]
    assert entry.action == "person.read" and entry.object_ref == f"registries:parcel:{PNU}"
    log = ExchangeLog.objects.get(request_id=release.request_id)
    assert (log.status, log.product_code, log.subject_resident_id) == ("released", "land-register", None)


def test_an_unknown_parcel_is_refused_and_logged(gu: exchange.Requester, parcel: dict[str, Any]) -> None:
    with pytest.raises(exchange.Refused) as refused:
        read(gu, "land-register", "1111010100100990000")
    assert refused.value.reason == "parcel_unknown"
    assert ExchangeLog.objects.get(request_id=refused.value.request_id).reason == "parcel_unknown"


def test_an_official_land_price_is_that_years_and_a_year_without_one_is_refused_on_the_year(
    gu: exchange.Requester, parcel: dict[str, Any],
) -> None:
    owner = parcel["owner"]
    before = len(entries_about([f"resident:{owner.id}"]))
    data = read(gu, "official-land-price", PNU, PRICE_ARTICLE, year=2023).data
    assert data["prices"] == [{"year": 2023, "price_per_m2": 5_120_000}] and "owners" not in data
    assert len(entries_about([f"resident:{owner.id}"])) == before  # no owner read, no one named

    with pytest.raises(exchange.Refused) as refused:
        read(gu, "official-land-price", PNU, PRICE_ARTICLE, year=2031)
    assert refused.value.reason == "invalid_parameters"
    assert refused.value.field_errors["year"] == [
        "The register holds no official land price for 2031: it holds the years 2023 to 2024."]


def test_a_building_is_found_by_its_road_address_or_its_parcel(gu: exchange.Requester, parcel: dict[str, Any]) -> None:
    by_address = read(gu, "building-register", "서울특별시  종로구 자하문로 10", "Building Act, Article 38").data
    by_parcel = read(gu, "building-register", PNU, "Building Act, Article 38").data
    assert by_address == by_parcel
    assert (by_address["name"], by_address["main_use"], by_address["lot"]) == ("청운빌라", "multi_family", "12-3")
    with pytest.raises(exchange.Refused) as refused:
        read(gu, "building-register", "서울특별시 종로구 자하문로 11", "Building Act, Article 38")
    assert refused.value.reason == "building_unknown"


def test_another_deployment_sends_the_parameters_in_its_signed_request(
    exchange_pack: Any, alice_resident: Any, parcel: dict[str, Any],
) -> None:
    trust_city(alice_resident)
    access_right_grant(by=None, consumer=CITY, product_code="official-land-price", purpose="civil_application",
                       consent_exempt_article=PRICE_ARTICLE)

    def ask(params: dict[str, Any]) -> dict[str, Any]:
        claims = messages.request_claims(
            request_id=uuid.uuid4(), client=CITY, provider=OWNER, product="official-land-price",
            purpose="civil_application", service="official-land-price-confirmation", consent_id=None,
            legal_basis=PRICE_ARTICLE, subject_number=PNU, actor="system:test", label="Casey Clerk",
            issued_at=int(clock.now().timestamp()), params=params)
        assert claims["params"] == params  # signed with the rest
        with override_settings(EGOV_EXCHANGE_MEMBER_CODE=OWNER):
            return messages.peek(server.handle_request(messages.sign(claims, typ=messages.REQUEST_TYPE)))[1]

    answer = ask({"year": 2024})
    assert answer["status"] == "released" and answer["data"]["prices"] == [{"year": 2024, "price_per_m2": 5_300_000}]
    refused = ask({"year": "2024"})  # a year as text does not fit
    assert (refused["status"], refused["reason"]) == ("refused", "invalid_parameters") and "data" not in refused

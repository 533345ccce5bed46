"""Approved applications change the registries: each effect of the kr pack, checked "as of" its approval date.

Alice (김하늘, 청운효자동) files each service; it is approved automatically or by a
clerk of the competent office (종로구 for the si/gun/gu services, 종로세무서 — the tax
office the kr pack says serves 종로구 — for the business ones). The registry as of the
approval date shows the change, as of the day before it does not, and the events name
the case as their cause. The places and organisations are the kr pack's, loaded once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.apps import apps
from django.conf import settings as django_settings
from django.db import transaction

from egov.accounts.fixtures import make_official
from egov.accounts.public import load_country_pack
from egov.applications import effects
from egov.applications.models import Application
from egov.applications.services import application_act
from egov.core import clock
from egov.core.errors import ValidationError
from egov.exchange.public import ChangedRecord, case_changes_as_of, system_requester
from egov.registries.tests.factories import make_person_number, make_resident
from egov.workflow.public import case_get

pytestmark = pytest.mark.django_db

PDF = {"name": "proof.pdf", "size": 1000, "content_type": "application/pdf", "sha256": "0" * 64, "path": "proof"}
CHEONGUN = {"sido": "서울특별시", "sigungu": "종로구", "road": "자하문로", "building_number": "1", "detail": "",
            "postcode": "03047", "legal_dong_code": "1111010100", "admin_dong_code": "1101072"}
PNU = "1111010100100450000"
VIN = "1HGCM82633A004352"


@pytest.fixture(scope="module")
def _pack_loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The kr pack's places and organisations, loaded once for the module and rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_country_pack()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def places(_pack_loaded: None, service_pack: None, alice_resident: Any) -> dict[str, Any]:
    """The kr pack's 종로구 with a clerk; its tax office, 종로세무서, with one (Tom); the National Tax Service with one (Nami)."""
    gu_clerk = make_official("gu-clerk", "Gu Clerk", "sgg-11110", ["clerk", "reviewer"])
    return {"gu": gu_clerk, "tax_office": _tax_clerk("tom-tax", "Tom Jongno", "cen-nts-jongno"),
            "nts": _tax_clerk("nts-clerk", "Nami Tax", "cen-nts"), "alice": alice_resident}


def _tax_clerk(username: str, name: str, organisation_code: str) -> Any:
    organisation = apps.get_model("accounts", "Organisation").objects.get(code=organisation_code)
    user = apps.get_model("accounts", "User").objects.create(username=username, display_name=name, kind="official")
    official = apps.get_model("accounts", "Official").objects.create(user=user, organisation=organisation)
    apps.get_model("accounts", "RoleAssignment").objects.create(official=official, role="clerk")
    return user


def _organisation_id(code: str) -> Any:
    return apps.get_model("accounts", "Organisation").objects.get(code=code).id


def _reference(application: Application) -> str:
    case = case_get(case_id=application.case_id)
    assert case is not None
    return case.reference


def _as_of(application: Application, on: date) -> dict[str, ChangedRecord]:
    """The records the case changed, as of ``on``, by kind of record."""
    requester = system_requester(organisation_code="sgg-11110", name="tests", label="Effect check")
    return {r.entity_type: r for r in case_changes_as_of(requester=requester, case_reference=_reference(application),
                                                          on=on)}


def _approve(application: Application, official: Any) -> None:
    application_act(application=application, action="claim", official=official)
    case = application_act(application=application, action="approve", official=official)
    assert case.state == "approved"


def _today_and_yesterday(application: Application) -> tuple[dict[str, ChangedRecord], dict[str, ChangedRecord]]:
    today = clock.today()
    after, before = _as_of(application, today), _as_of(application, today - timedelta(days=1))
    reference = _reference(application)
    assert after and all(r.cause_ref == f"case:{reference}" for r in after.values())
    return after, before


@pytest.fixture
def business(places: dict[str, Any], submit: Callable[..., Any]) -> str:
    """Alice's business in 종로구, registered by 종로세무서, the tax office serving the premises."""
    application = submit("business-registration", {
        "trade_name": "하늘서점", "business_address": CHEONGUN, "business_type": "소매업", "business_item": "서적",
        "started_on": clock.today().isoformat(), "tax_type": "simplified", "premises_owned": True,
    }, key="register-business")
    case = case_get(case_id=application.case_id)
    assert case is not None and case.organisation_id == _organisation_id("cen-nts-jongno")
    _approve(application, places["tax_office"])
    after, before = _today_and_yesterday(application)
    assert after["business"].values["status"] == "active" and after["business"].values["name"] == "하늘서점"
    assert after["business"].values["tax_office_code"] == "cen-nts-jongno"
    assert not before["business"].existed
    return str(after["business"].values["registration_number"])


def test_a_business_registration_registers_the_business_from_its_opening_day(business: str) -> None:
    assert len(business) == 10


def test_a_closure_report_closes_the_business_automatically(business: str, submit: Callable[..., Any]) -> None:
    application = submit("business-closure-report", {"registration_number": business,
                                                     "closed_on": clock.today().isoformat()}, key="close")
    assert case_get(case_id=application.case_id).state == "approved"  # type: ignore[union-attr]
    after, _before = _today_and_yesterday(application)
    assert after["business"].values["status"] == "closed"
    assert _as_of(application, clock.today() - timedelta(days=1))["business"].existed is False  # opened today


def test_a_suspension_report_suspends_the_business(business: str, submit: Callable[..., Any]) -> None:
    application = submit("business-suspension-report", {"registration_number": business,
                                                        "suspended_from": clock.today().isoformat()}, key="suspend")
    assert case_get(case_id=application.case_id).state == "approved"  # type: ignore[union-attr]
    after, _before = _today_and_yesterday(application)
    assert after["business"].values["status"] == "suspended"


def test_someone_elses_business_cannot_be_closed(places: dict[str, Any], submit: Callable[..., Any]) -> None:
    application = submit("business-closure-report", {"registration_number": "220-81-62517",
                                                     "closed_on": clock.today().isoformat()}, key="not-mine")
    # The gate released no such business of Alice's: the system refers the case to an official, who is refused.
    assert case_get(case_id=application.case_id).state == "in_review"  # type: ignore[union-attr]
    with pytest.raises(ValidationError) as raised:
        application_act(application=application, action="approve", official=places["nts"])
    assert "No business is registered" in str(raised.value)
    assert case_get(case_id=application.case_id).state == "in_review"  # type: ignore[union-attr]
    assert _as_of(application, clock.today()) == {}


def _vehicle(owner: Any, plate: str, vin: str) -> Any:
    return apps.get_model("registries", "Vehicle").objects.create(
        plate_number=plate, vin=vin, make="현대", model="아반떼", model_year=2019, fuel="gasoline",
        owner_resident_id=owner.id, registered_on=date(2019, 5, 1), status="registered")


def test_a_new_registration_registers_the_vehicle_to_the_applicant(
    places: dict[str, Any], submit: Callable[..., Any],
) -> None:
    application = submit("vehicle-new-registration", {"vin": VIN, "make": "기아", "model": "레이", "model_year": 2025,
                                                      "fuel": "gasoline", "insurance_proof": PDF}, key="new-car")
    _approve(application, places["gu"])
    after, before = _today_and_yesterday(application)
    assert after["vehicle"].values["owner_resident_id"] == places["alice"].id
    assert after["vehicle"].values["fuel"] == "gasoline"  # the form's petrol is the register's gasoline
    assert not before["vehicle"].existed


def test_an_ownership_transfer_makes_the_buyer_the_owner(places: dict[str, Any], submit: Callable[..., Any]) -> None:
    seller_number = make_person_number(birth_date=date(1970, 3, 3))
    seller = make_resident(name_ko="박판매", identifier=seller_number, birth_date=date(1970, 3, 3))
    _vehicle(seller, "12가3456", "KMHD341CBKU000001")
    application = submit("vehicle-ownership-transfer", {"plate_number": "12가3456", "seller_number": seller_number,
                                                        "sale_price": 9000000, "sold_on": clock.today().isoformat()},
                         key="buy-car")
    _approve(application, places["gu"])
    after, before = _today_and_yesterday(application)
    assert after["vehicle"].values["owner_resident_id"] == places["alice"].id
    assert before["vehicle"].values["owner_resident_id"] == seller.id


def test_a_deregistration_takes_the_vehicle_off_the_register(places: dict[str, Any], submit: Callable[..., Any]) -> None:
    _vehicle(places["alice"], "34나5678", "KMHD341CBKU000002")
    application = submit("vehicle-deregistration", {"plate_number": "34나5678", "reason": "scrapped",
                                                    "scrap_certificate_number": "S-1"}, key="scrap")
    if case_get(case_id=application.case_id).state != "approved":  # type: ignore[union-attr]
        _approve(application, places["gu"])
    after, before = _today_and_yesterday(application)
    assert after["vehicle"].values["status"] == "deregistered"
    assert before["vehicle"].values["status"] == "registered"


def test_a_birth_report_enters_the_child_in_the_applicants_household(
    places: dict[str, Any], submit: Callable[..., Any],
) -> None:
    application = submit("birth-report", {"child_name_ko": "김봄", "born_on": clock.today().isoformat(),
                                          "sex": "female", "birthplace": CHEONGUN, "birth_proof": PDF}, key="birth")
    _approve(application, places["gu"])
    after, before = _today_and_yesterday(application)
    assert after["resident"].values["household_id"] == places["alice"].household_id
    assert not before["resident"].existed


def test_a_death_report_marks_the_resident_deceased(places: dict[str, Any], submit: Callable[..., Any]) -> None:
    number = make_person_number(birth_date=date(1940, 2, 2))
    make_resident(name_ko="김옛날", identifier=number, birth_date=date(1940, 2, 2))
    application = submit("death-report", {"deceased_number": number, "died_on": clock.today().isoformat(),
                                          "place_of_death": CHEONGUN, "relation": "child", "death_proof": PDF},
                         key="death")
    _approve(application, places["gu"])
    after, before = _today_and_yesterday(application)
    assert after["resident"].values["status"] == "deceased"
    assert before["resident"].values["status"] == "living"


def test_a_marriage_report_marries_the_two_from_the_day_it_is_accepted(
    places: dict[str, Any], submit: Callable[..., Any],
) -> None:
    number = make_person_number(birth_date=date(1991, 6, 6), sex="M")
    make_resident(name_ko="이바다", identifier=number, birth_date=date(1991, 6, 6), sex="M")
    application = submit("marriage-report", {"spouse_number": number, "spouse_consents": True,
                                             "witness_1": "가나다", "witness_2": "라마바"}, key="marry")
    _approve(application, places["gu"])
    after, before = _today_and_yesterday(application)
    assert after["marriage"].existed and not before["marriage"].existed


def _parcel_and_building(owner: Any) -> Any:
    parcel = apps.get_model("registries", "Parcel").objects.create(
        pnu=PNU, legal_dong_code="1111010100", category="대", area_m2=200, registered_on=date(2000, 1, 1))
    apps.get_model("registries", "ParcelOwnership").objects.create(parcel=parcel, owner_resident_id=owner.id,
                                                                   acquired_on=date(2010, 1, 1))
    building = apps.get_model("registries", "Building").objects.create(
        parcel=parcel, road_address="서울특별시 종로구 자하문로 1", main_use="detached_house", floors_above=2,
        floor_area_m2=150, approved_on=date(2005, 1, 1))
    apps.get_model("registries", "BuildingOwnership").objects.create(building=building, owner_resident_id=owner.id,
                                                                     acquired_on=date(2010, 1, 1))
    return building


def test_a_demolition_report_records_the_building_as_demolished(
    places: dict[str, Any], submit: Callable[..., Any],
) -> None:
    _parcel_and_building(places["alice"])
    application = submit("building-demolition-report", {"building_address": CHEONGUN,
                                                        "demolished_on": clock.today().isoformat(), "plan": PDF},
                         key="demolish")
    _approve(application, places["gu"])
    after, before = _today_and_yesterday(application)
    assert after["building"].values["demolished_on"] == clock.today()
    assert before["building"].values["demolished_on"] is None


def test_a_change_of_use_changes_the_buildings_main_use(places: dict[str, Any], submit: Callable[..., Any]) -> None:
    _parcel_and_building(places["alice"])
    application = submit("building-use-change", {"building_address": CHEONGUN, "new_use": "neighbourhood",
                                                 "floor_area_m2": 50, "drawings": PDF}, key="use")
    _approve(application, places["gu"])
    after, before = _today_and_yesterday(application)
    assert after["building"].values["main_use"] == "neighbourhood"
    assert before["building"].values["main_use"] == "detached_house"


def test_a_land_category_change_changes_the_parcels_category(
    places: dict[str, Any], submit: Callable[..., Any],
) -> None:
    _parcel_and_building(places["alice"])
    application = submit("land-category-change", {"pnu": PNU, "new_category": "cha", "reason": "주차장 조성"},
                         key="category")
    _approve(application, places["gu"])
    after, before = _today_and_yesterday(application)
    assert after["parcel"].values["category"] == "차"
    assert before["parcel"].values["category"] == "대"


def test_every_effect_the_pack_names_has_a_handler() -> None:
    services = Path(django_settings.EGOV_COUNTRY_DIR) / "services"
    named = {effect["name"] for path in services.glob("*.yaml")
             for effect in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("effects") or []}
    assert named, "the pack names effects"
    assert sorted(named - set(effects.HANDLERS)) == []

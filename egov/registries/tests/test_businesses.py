"""Business registration services: registration by a tax office, status, corrections, "as of"."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.apps import apps

from egov.core.errors import ValidationError
from egov.registries import history
from egov.registries.identifiers import vin_check_digit
from egov.registries.models import Business, RegistryEvent, Vehicle
from egov.registries.services.businesses import (
    business_register,
    business_set_status,
    business_update,
    businesses_of,
)
from egov.registries.services.checks import field_label
from egov.registries.services.vehicles import vehicle_register
from egov.registries.tests.factories import DEFAULT_ADMIN_DONG, DEFAULT_LEGAL_DONG, make_cause, make_resident

pytestmark = pytest.mark.django_db

CAUSE = make_cause(legal_basis="부가가치세법 제8조")
OTHER_LEGAL_DONG = "1111013700"  # 종로구 사직동


def business_number(first_nine: str) -> str:
    """A business registration number with the National Tax Service's check digit."""
    weights = (1, 3, 7, 1, 3, 7, 1, 3, 5)
    digits = [int(ch) for ch in first_nine]
    total = sum(d * w for d, w in zip(digits, weights, strict=True)) + digits[8] * 5 // 10
    return first_nine + str((10 - total % 10) % 10)


NUMBER = business_number("101810001")


@pytest.fixture(autouse=True)
def places_and_tax_office(db: None) -> None:
    """The country pack's rows these tests need (the test database holds no pack)."""
    legal_dong = apps.get_model("accounts", "LegalDong")
    admin_dong = apps.get_model("accounts", "AdminDong")
    organisation = apps.get_model("accounts", "Organisation")
    cheongun, _ = legal_dong.objects.get_or_create(code=DEFAULT_LEGAL_DONG, defaults={
        "name": "청운동", "full_name": "서울특별시 종로구 청운동", "level": "emd", "sido_code": "11",
        "sigungu_code": "11110", "emd_code": "11110101"})
    legal_dong.objects.get_or_create(code=OTHER_LEGAL_DONG, defaults={
        "name": "사직동", "full_name": "서울특별시 종로구 사직동", "level": "emd", "sido_code": "11",
        "sigungu_code": "11110", "emd_code": "11110137"})
    office, _ = admin_dong.objects.get_or_create(code=DEFAULT_ADMIN_DONG,
                                                 defaults={"name": "청운효자동", "sigungu_code": "11110"})
    office.legal_dongs.add(cheongun)
    admin_dong.objects.get_or_create(code="1101055", defaults={"name": "사직동", "sigungu_code": "11110"})
    organisation.objects.get_or_create(code="cen-nts-jongno", defaults={
        "name": "종로세무서", "name_en": "Jongno Tax Office", "tree": "central", "kind": "field_office"})


def register(**overrides: Any) -> Business:
    arguments: dict[str, Any] = {
        "registration_number": NUMBER, "name": "청운서점", "representative_name": "김서연",
        "business_type": "소매업", "business_item": "서적", "address": "서울특별시 종로구 자하문로 10",
        "legal_dong_code": DEFAULT_LEGAL_DONG, "admin_dong_code": DEFAULT_ADMIN_DONG,
        "started_on": date(2015, 3, 2), "tax_type": "simplified", "tax_office_code": "cen-nts-jongno",
        "cause": CAUSE,
    }
    arguments.update(overrides)
    return business_register(**arguments)


def counts() -> tuple[int, int, int]:
    return Business.objects.count(), Vehicle.objects.count(), RegistryEvent.objects.count()


def test_a_business_is_registered_by_a_tax_office_with_its_representative() -> None:
    owner = make_resident(name_ko="김서연", birth_date=date(1985, 4, 4), sex="F")

    business = register(representative_id=owner.id, registration_number=NUMBER[:3] + "-" + NUMBER[3:5] + "-"
                        + NUMBER[5:])

    assert business.registration_number == NUMBER and business.status == "active"
    assert businesses_of(resident_id=owner.id) == [business]
    [event] = history.events_for(business.id)
    assert event.kind == "business.registered" and event.effective_on == date(2015, 3, 2)
    assert RegistryEvent.objects.get(id=event.id).registry == "businesses"


def test_bad_input_is_refused_naming_the_business_and_each_field_and_nothing_is_written() -> None:
    before = counts()

    with pytest.raises(ValidationError) as refused:
        register(registration_number="101-81-0001", name="", legal_dong_code="9999999999", tax_type="flat",
                 tax_office_code="cen-pps")

    error = refused.value
    assert "101-81-0001" in error.message
    assert set(error.field_errors) == {"registration_number", "name", "legal_dong_code", "tax_type",
                                       "tax_office_code"}
    assert all(field_label(field) in error.message for field in error.field_errors)
    assert "National Tax Service" in error.field_errors["tax_office_code"][0]
    assert counts() == before


def test_a_business_number_with_a_wrong_check_digit_is_refused() -> None:
    wrong = NUMBER[:9] + str((int(NUMBER[9]) + 1) % 10)

    with pytest.raises(ValidationError) as refused:
        register(registration_number=wrong)

    assert list(refused.value.field_errors) == ["registration_number"]
    assert Business.objects.count() == 0


def test_an_administrative_dong_that_does_not_serve_the_address_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        register(admin_dong_code="1101055")

    assert list(refused.value.field_errors) == ["admin_dong_code"]
    assert Business.objects.count() == 0


def test_a_duplicate_registration_number_is_refused_naming_the_field() -> None:
    register()

    with pytest.raises(ValidationError) as refused:
        register(name="다른 상호")

    assert list(refused.value.field_errors) == ["registration_number"]
    assert "101-81-0001" in refused.value.message
    assert Business.objects.count() == 1


def test_a_minor_represents_a_business_only_with_the_permission_of_their_legal_representative() -> None:
    minor = make_resident(name_ko="이도윤", birth_date=date(2000, 1, 1))

    with pytest.raises(ValidationError) as refused:
        register(representative_id=minor.id, started_on=date(2017, 6, 1))
    assert "17" in refused.value.field_errors["representative_id"][0]
    assert Business.objects.count() == 0

    business = register(representative_id=minor.id, started_on=date(2017, 6, 1),
                        guardian_permission_ref="법정대리인 영업허락서 2017-0601")

    [event] = RegistryEvent.objects.filter(entity_id=business.id)
    assert event.after["guardian_permission_ref"] == "법정대리인 영업허락서 2017-0601"


def test_a_deceased_representative_is_refused() -> None:
    deceased = make_resident(name_ko="박영수", birth_date=date(1940, 1, 1), status="deceased", died_on=date(2014, 1, 1))

    with pytest.raises(ValidationError) as refused:
        register(representative_id=deceased.id)

    assert "박영수" in refused.value.field_errors["representative_id"][0]


def test_a_business_is_suspended_resumed_and_closed_and_closing_is_final() -> None:
    business = register()
    business_set_status(business_id=business.id, status="suspended", effective_on=date(2020, 4, 1), cause=CAUSE)
    business_set_status(business_id=business.id, status="active", effective_on=date(2020, 10, 1), cause=CAUSE)
    business_set_status(business_id=business.id, status="closed", effective_on=date(2023, 12, 31), cause=CAUSE)

    assert [e.kind for e in history.events_for(business.id)] == [
        "business.registered", "business.suspended", "business.resumed", "business.closed"]
    assert history.state_as_of(business, date(2020, 5, 1))["status"] == "suspended"
    assert history.state_as_of(business, date(2021, 1, 1))["status"] == "active"
    business.refresh_from_db()
    assert business.status == "closed" and business.status_changed_on == date(2023, 12, 31)
    before = counts()
    with pytest.raises(ValidationError) as refused:
        business_set_status(business_id=business.id, status="active", effective_on=date(2024, 3, 1), cause=CAUSE)
    assert "registers anew" in refused.value.field_errors["status"][0]
    assert counts() == before


def test_a_status_change_dated_before_the_last_one_is_refused() -> None:
    business = register()
    business_set_status(business_id=business.id, status="suspended", effective_on=date(2020, 4, 1), cause=CAUSE)

    with pytest.raises(ValidationError) as refused:
        business_set_status(business_id=business.id, status="active", effective_on=date(2019, 1, 1), cause=CAUSE)

    assert list(refused.value.field_errors) == ["effective_on"]


def test_a_move_updates_the_place_of_use_of_the_business_vehicles() -> None:
    business = register(tax_type="general")
    vin = "KNAPB81ABJ7000001"
    vin = vin[:8] + vin_check_digit(vin) + vin[9:]
    vehicle, _ = vehicle_register(plate_number="80바1234", vin=vin, make="기아", model="봉고", model_year=2019,
                                  fuel="diesel", owner_business_id=business.id, registered_on=date(2019, 5, 1),
                                  cause=CAUSE)

    business_update(business_id=business.id, reason="사업장 이전", effective_on=date(2022, 7, 1), cause=CAUSE,
                    changes={"address": "서울특별시 종로구 사직로 9", "legal_dong_code": OTHER_LEGAL_DONG,
                             "name": "사직서점"})

    business.refresh_from_db()
    vehicle.refresh_from_db()
    assert (business.name, business.legal_dong_code, business.admin_dong_code) == ("사직서점", OTHER_LEGAL_DONG, "")
    assert vehicle.use_address == "서울특별시 종로구 사직로 9"
    assert vehicle.use_legal_dong_code == OTHER_LEGAL_DONG
    assert history.state_as_of(business, date(2022, 6, 30))["address"] == "서울특별시 종로구 자하문로 10"
    event = RegistryEvent.objects.get(entity_id=business.id, kind="business.updated")
    assert event.reason == "사업장 이전"


def test_a_bad_update_is_refused_and_changes_nothing() -> None:
    business = register()
    before = counts()

    with pytest.raises(ValidationError) as refused:
        business_update(business_id=business.id, reason="", cause=CAUSE,
                        changes={"registration_number": "1234567890", "tax_type": "corporate",
                                 "address": "서울특별시 종로구 사직로 9"})

    assert set(refused.value.field_errors) == {"registration_number", "tax_type", "legal_dong_code", "reason"}
    assert "101-81-0001" in refused.value.message
    assert counts() == before
    business.refresh_from_db()
    assert business.address == "서울특별시 종로구 자하문로 10"

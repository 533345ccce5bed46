"""Vehicle registration services: registration, transfers, liens and seizures, deregistration, "as of"."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from egov.core.errors import ValidationError
from egov.registries import history
from egov.registries.identifiers import vin_check_digit
from egov.registries.models import Business, Encumbrance, RegistryEvent, Resident, Vehicle
from egov.registries.services.checks import field_label
from egov.registries.services.vehicles import (
    VehicleOwner,
    vehicle_deregister,
    vehicle_encumbrance_add,
    vehicle_encumbrance_release,
    vehicle_inspection_record,
    vehicle_owner_as_of,
    vehicle_plate_change,
    vehicle_register,
    vehicle_transfer,
    vehicles_owned_by,
)
from egov.registries.tests.factories import make_cause, make_household, make_resident

pytestmark = pytest.mark.django_db

CAUSE = make_cause(legal_basis="자동차관리법 제8조")


def north_american_vin(body: str) -> str:
    """A 17-character VIN whose ninth character is the North American check digit."""
    assert len(body) == 17
    return body[:8] + vin_check_digit(body[:8] + "0" + body[9:]) + body[9:]


def register(owner: Resident | None = None, **overrides: Any) -> Vehicle:
    arguments: dict[str, Any] = {
        "plate_number": "12가3456", "vin": north_american_vin("KMHD341CBJU123456"), "make": "현대",
        "model": "아반떼", "model_year": 2018, "fuel": "gasoline", "registered_on": date(2018, 3, 2),
        "owner_resident_id": (owner or make_resident()).id, "cause": CAUSE,
    }
    arguments.update(overrides)
    vehicle, warnings = vehicle_register(**arguments)
    assert warnings == []
    return vehicle


def counts() -> tuple[int, int, int]:
    return Vehicle.objects.count(), Encumbrance.objects.count(), RegistryEvent.objects.count()


def make_business(**overrides: Any) -> Business:
    values: dict[str, Any] = {
        "registration_number": "1168200276", "name": "청운상사", "representative_name": "홍길동",
        "business_type": "도소매", "address": "서울특별시 종로구 자하문로 10", "legal_dong_code": "1111010100",
        "started_on": date(2010, 1, 4), "tax_type": "general", "tax_office_code": "cen-nts-jongno",
    }
    values.update(overrides)
    return Business.objects.create(**values)


def test_a_registered_vehicle_takes_its_owners_address_as_its_place_of_use() -> None:
    household = make_household(road="북촌로", building_number="31", detail="101호")
    owner = make_resident(name_ko="김민준", household=household)

    vehicle = register(owner)

    vehicle.refresh_from_db()
    assert vehicle.owner_resident_id == owner.id and vehicle.owner_business_id is None
    assert vehicle.use_address == "서울특별시 종로구 북촌로 31, 101호"
    assert vehicle.use_legal_dong_code == household.legal_dong_code
    assert [e.kind for e in history.events_for(vehicle.id)] == ["vehicle.registered"]
    assert RegistryEvent.objects.get(entity_id=vehicle.id).registry == "vehicles"


def test_a_business_owned_vehicle_takes_the_business_address() -> None:
    business = make_business()

    vehicle, _ = vehicle_register(
        plate_number="34나5678", vin=north_american_vin("KNAPB81ABJ7000001"), make="기아", model="봉고",
        model_year=2019, fuel="diesel", owner_business_id=business.id, registered_on=date(2019, 5, 1), cause=CAUSE,
    )

    assert vehicle.owner_business_id == business.id and vehicle.owner_resident_id is None
    assert vehicle.use_address == business.address
    assert vehicles_owned_by(business_id=business.id) == [vehicle]


def test_a_vin_without_the_north_american_check_digit_is_registered_with_a_warning() -> None:
    vin = north_american_vin("WDD2050421F000001")
    wrong_ninth = "1" if vin[8] != "1" else "2"
    european_vin = vin[:8] + wrong_ninth + vin[9:]

    vehicle, warnings = vehicle_register(
        plate_number="123다4567", vin=european_vin, make="Mercedes-Benz", model="C 200", model_year=2021,
        fuel="gasoline", owner_resident_id=make_resident().id, registered_on=date(2021, 7, 1), cause=CAUSE,
    )

    assert Vehicle.objects.filter(vin=european_vin).exists()
    assert len(warnings) == 1 and "position 9" in warnings[0]
    assert vehicle.vin == european_vin


def test_bad_input_is_refused_naming_the_vehicle_and_each_field_and_nothing_is_written() -> None:
    owner = make_resident()
    business = make_business()
    before = counts()

    with pytest.raises(ValidationError) as refused:
        vehicle_register(
            plate_number="12가3456", vin="KMHD341OBJU12345Q", make="현대", model="아반떼", model_year=2030,
            fuel="coal", owner_resident_id=owner.id, owner_business_id=business.id,
            registered_on=date(2018, 3, 2), cause=CAUSE,
        )

    error = refused.value
    assert "12가3456" in error.message
    assert set(error.field_errors) == {"vin", "model_year", "fuel", "owner_resident_id"}
    assert all(field_label(field) in error.message for field in error.field_errors)
    assert "I, O or Q" in error.field_errors["vin"][0]
    assert counts() == before


def test_a_malformed_plate_is_refused_naming_the_plate_field() -> None:
    with pytest.raises(ValidationError) as refused:
        register(plate_number="ABC-123")

    assert "ABC-123" in refused.value.message
    assert list(refused.value.field_errors) == ["plate_number"]
    assert Vehicle.objects.count() == 0


def test_a_duplicate_plate_or_vin_is_refused_naming_the_field() -> None:
    first = register()
    before = counts()

    with pytest.raises(ValidationError) as same_plate:
        register(vin=north_american_vin("KMHD341CBJU999999"))
    with pytest.raises(ValidationError) as same_vin:
        register(plate_number="55허1234", vin=first.vin)

    assert list(same_plate.value.field_errors) == ["plate_number"]
    assert "already registered" in same_plate.value.field_errors["plate_number"][0]
    assert list(same_vin.value.field_errors) == ["vin"]
    assert first.vin in same_vin.value.message
    assert counts() == before


def test_a_deceased_person_cannot_become_an_owner() -> None:
    deceased = make_resident(name_ko="이순자", birth_date=date(1940, 2, 2), status="deceased",
                             died_on=date(2017, 1, 1))

    with pytest.raises(ValidationError) as refused:
        register(deceased)

    assert "이순자" in refused.value.field_errors["owner_resident_id"][0]
    assert Vehicle.objects.count() == 0


def test_the_owner_as_of_a_past_date_follows_the_transfers() -> None:
    first, second = make_resident(name_ko="김하나"), make_resident(name_ko="박두리")
    business = make_business()
    vehicle = register(first, registered_on=date(2018, 3, 2))
    vehicle_transfer(vehicle_id=vehicle.id, new_owner_resident_id=second.id, transferred_on=date(2020, 6, 15),
                     cause=CAUSE)
    vehicle_transfer(vehicle_id=vehicle.id, new_owner_business_id=business.id, transferred_on=date(2022, 1, 10),
                     cause=CAUSE)

    assert vehicle_owner_as_of(vehicle_id=vehicle.id, on=date(2018, 3, 1)) is None
    assert vehicle_owner_as_of(vehicle_id=vehicle.id, on=date(2019, 1, 1)) == VehicleOwner(first.id, None)
    assert vehicle_owner_as_of(vehicle_id=vehicle.id, on=date(2020, 6, 15)) == VehicleOwner(second.id, None)
    assert vehicle_owner_as_of(vehicle_id=vehicle.id, on=date(2023, 1, 1)) == VehicleOwner(None, business.id)
    assert vehicles_owned_by(resident_id=first.id) == []
    assert [v.id for v in vehicles_owned_by(resident_id=first.id, on=date(2019, 1, 1))] == [vehicle.id]
    assert vehicles_owned_by(resident_id=first.id, on=date(2021, 1, 1)) == []
    assert [v.id for v in vehicles_owned_by(resident_id=second.id, on=date(2021, 1, 1))] == [vehicle.id]
    assert [v.id for v in vehicles_owned_by(business_id=business.id)] == [vehicle.id]


def test_a_vehicle_owned_on_a_past_date_shows_the_plate_it_had_then() -> None:
    owner = make_resident()
    vehicle = register(owner, registered_on=date(2018, 3, 2))
    vehicle_plate_change(vehicle_id=vehicle.id, new_plate_number="123가4567", changed_on=date(2021, 4, 1),
                         cause=CAUSE)

    [then] = vehicles_owned_by(resident_id=owner.id, on=date(2020, 1, 1))
    [now] = vehicles_owned_by(resident_id=owner.id)

    assert then.plate_number == "12가3456"
    assert now.plate_number == "123가4567"


def test_a_transfer_to_the_current_owner_or_dated_before_the_last_change_is_refused() -> None:
    owner, buyer = make_resident(), make_resident()
    vehicle = register(owner, registered_on=date(2018, 3, 2))
    vehicle_transfer(vehicle_id=vehicle.id, new_owner_resident_id=buyer.id, transferred_on=date(2020, 1, 1),
                     cause=CAUSE)
    before = counts()

    with pytest.raises(ValidationError) as same_owner:
        vehicle_transfer(vehicle_id=vehicle.id, new_owner_resident_id=buyer.id, transferred_on=date(2021, 1, 1),
                         cause=CAUSE)
    with pytest.raises(ValidationError) as backdated:
        vehicle_transfer(vehicle_id=vehicle.id, new_owner_resident_id=owner.id, transferred_on=date(2019, 1, 1),
                         cause=CAUSE)

    assert "new_owner_resident_id" in same_owner.value.field_errors
    assert "transferred_on" in backdated.value.field_errors
    assert "12가3456" in backdated.value.message
    assert counts() == before


def test_a_seized_vehicle_cannot_be_transferred_until_the_seizure_is_released() -> None:
    owner, buyer = make_resident(), make_resident()
    vehicle = register(owner)
    seizure = vehicle_encumbrance_add(vehicle_id=vehicle.id, kind="seizure", holder="종로구청",
                                      registered_on=date(2021, 2, 1), cause=CAUSE)

    with pytest.raises(ValidationError) as refused:
        vehicle_transfer(vehicle_id=vehicle.id, new_owner_resident_id=buyer.id, transferred_on=date(2021, 3, 1),
                         cause=CAUSE)
    assert "종로구청" in refused.value.field_errors["vehicle_id"][0]
    assert Vehicle.objects.get(id=vehicle.id).owner_resident_id == owner.id

    vehicle_encumbrance_release(encumbrance_id=seizure.id, released_on=date(2021, 4, 1), cause=CAUSE)
    vehicle_transfer(vehicle_id=vehicle.id, new_owner_resident_id=buyer.id, transferred_on=date(2021, 5, 1),
                     cause=CAUSE)
    assert Vehicle.objects.get(id=vehicle.id).owner_resident_id == buyer.id


def test_a_lien_stays_with_the_vehicle_when_it_changes_hands() -> None:
    owner, buyer = make_resident(), make_resident()
    vehicle = register(owner)
    lien = vehicle_encumbrance_add(vehicle_id=vehicle.id, kind="lien", holder="현대캐피탈", amount=12_000_000,
                                   registered_on=date(2018, 3, 2), cause=CAUSE)

    vehicle_transfer(vehicle_id=vehicle.id, new_owner_resident_id=buyer.id, transferred_on=date(2020, 1, 1),
                     cause=CAUSE)

    lien.refresh_from_db()
    assert lien.vehicle_id == vehicle.id and lien.released_on is None
    assert [e.kind for e in history.events_for(vehicle.id)] == [
        "vehicle.registered", "vehicle.lien_registered", "vehicle.transferred",
    ]


def test_a_lien_without_its_amount_is_refused() -> None:
    vehicle = register()

    with pytest.raises(ValidationError) as refused:
        vehicle_encumbrance_add(vehicle_id=vehicle.id, kind="lien", holder="현대캐피탈",
                                registered_on=date(2019, 1, 1), cause=CAUSE)

    assert list(refused.value.field_errors) == ["amount"]
    assert Encumbrance.objects.count() == 0


def test_an_encumbered_vehicle_cannot_be_deregistered() -> None:
    owner = make_resident()
    vehicle = register(owner)
    lien = vehicle_encumbrance_add(vehicle_id=vehicle.id, kind="lien", holder="현대캐피탈", amount=5_000_000,
                                   registered_on=date(2019, 1, 1), cause=CAUSE)
    before = counts()

    with pytest.raises(ValidationError) as refused:
        vehicle_deregister(vehicle_id=vehicle.id, deregistered_on=date(2024, 1, 1), reason="폐차", cause=CAUSE)

    assert "12가3456" in refused.value.message and "현대캐피탈" in refused.value.message
    assert "vehicle_id" in refused.value.field_errors
    assert counts() == before
    assert Vehicle.objects.get(id=vehicle.id).status == "registered"

    vehicle_encumbrance_release(encumbrance_id=lien.id, released_on=date(2023, 12, 1), cause=CAUSE)
    vehicle_deregister(vehicle_id=vehicle.id, deregistered_on=date(2024, 1, 1), reason="폐차", cause=CAUSE)

    vehicle.refresh_from_db()
    assert vehicle.status == "deregistered" and vehicle.deregistered_on == date(2024, 1, 1)
    assert RegistryEvent.objects.filter(entity_id=vehicle.id, kind="vehicle.deregistered").get().reason == "폐차"
    assert vehicles_owned_by(resident_id=owner.id) == []
    assert [v.id for v in vehicles_owned_by(resident_id=owner.id, on=date(2023, 6, 1))] == [vehicle.id]
    assert vehicle_owner_as_of(vehicle_id=vehicle.id, on=date(2024, 2, 1)) is None


def test_a_deregistered_vehicle_can_no_longer_change() -> None:
    owner = make_resident()
    vehicle = register(owner)
    vehicle_deregister(vehicle_id=vehicle.id, deregistered_on=date(2022, 1, 1), reason="수출", cause=CAUSE)

    with pytest.raises(ValidationError) as refused:
        vehicle_transfer(vehicle_id=vehicle.id, new_owner_resident_id=make_resident().id,
                         transferred_on=date(2022, 2, 1), cause=CAUSE)

    assert "deregistered" in refused.value.field_errors["vehicle_id"][0]


def test_an_inspection_moves_the_due_date_and_the_old_one_stays_in_history() -> None:
    vehicle = register(inspection_due_on=date(2022, 3, 2))

    vehicle_inspection_record(vehicle_id=vehicle.id, inspected_on=date(2022, 2, 20), next_due_on=date(2024, 3, 2),
                              cause=CAUSE)

    vehicle.refresh_from_db()
    assert vehicle.inspection_due_on == date(2024, 3, 2)
    assert history.state_as_of(vehicle, date(2022, 1, 1))["inspection_due_on"] == date(2022, 3, 2)
    with pytest.raises(ValidationError) as refused:
        vehicle_inspection_record(vehicle_id=vehicle.id, inspected_on=date(2023, 1, 1),
                                  next_due_on=date(2022, 12, 31), cause=CAUSE)
    assert list(refused.value.field_errors) == ["next_due_on"]


def test_a_plate_already_in_use_cannot_be_taken_by_a_plate_change() -> None:
    register()
    other = register(plate_number="34나5678", vin=north_american_vin("KMHD341CBJU765432"))

    with pytest.raises(ValidationError) as refused:
        vehicle_plate_change(vehicle_id=other.id, new_plate_number="12가 3456", changed_on=date(2022, 1, 1),
                             cause=CAUSE)

    assert "34나5678" in refused.value.message
    assert list(refused.value.field_errors) == ["new_plate_number"]
    assert Vehicle.objects.get(id=other.id).plate_number == "34나5678"

"""Land and building services: parcels with owners' shares, land prices, buildings, ownership "as of"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from django.apps import apps

from egov.core.errors import ValidationError
from egov.registries import history
from egov.registries.models import (
    Building,
    BuildingOwnership,
    LandPrice,
    Parcel,
    ParcelOwnership,
    RegistryEvent,
)
from egov.registries.services.checks import field_label
from egov.registries.services.property import (
    building_demolish,
    building_owners_as_of,
    building_register,
    building_transfer,
    buildings_owned_by,
    land_price_set,
    parcel_owners_as_of,
    parcel_register,
    parcel_transfer,
    parcels_owned_by,
)
from egov.registries.tests.factories import DEFAULT_LEGAL_DONG, make_cause, make_resident

pytestmark = pytest.mark.django_db

CAUSE = make_cause(legal_basis="공간정보의 구축 및 관리 등에 관한 법률 제71조")
PNU = DEFAULT_LEGAL_DONG + "1" + "0012" + "0003"  # 청운동 12-3


@pytest.fixture(autouse=True)
def cheongun_dong(db: None) -> None:
    """The legal dong of the parcels (the country pack's row; the test database holds no pack)."""
    legal_dong = apps.get_model("accounts", "LegalDong")
    legal_dong.objects.get_or_create(code=DEFAULT_LEGAL_DONG, defaults={
        "name": "청운동", "full_name": "서울특별시 종로구 청운동", "level": "emd", "sido_code": "11",
        "sigungu_code": "11110", "emd_code": "11110101"})
    legal_dong.objects.get_or_create(code="1111000000", defaults={
        "name": "종로구", "full_name": "서울특별시 종로구", "level": "sigungu", "sido_code": "11",
        "sigungu_code": "11110"})


def owner(person: Any = None, *, share: str = "1/1", acquired_on: date = date(2010, 5, 1), **extra: Any) -> dict[str, Any]:
    numerator, denominator = (int(part) for part in share.split("/"))
    entry: dict[str, Any] = {"share_numerator": numerator, "share_denominator": denominator,
                             "acquired_on": acquired_on, **extra}
    if person is not None:
        entry["owner_resident_id"] = person.id
    return entry


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Parcel, ParcelOwnership, LandPrice, Building,
                                                     BuildingOwnership, RegistryEvent))


def register_parcel(*owners: dict[str, Any], pnu: str = PNU, **overrides: Any) -> Parcel:
    arguments: dict[str, Any] = {"pnu": pnu, "category": "대", "area_m2": Decimal("330.58"),
                                 "registered_on": date(2010, 5, 1), "owners": list(owners), "cause": CAUSE}
    arguments.update(overrides)
    return parcel_register(**arguments)


def shares(owners: list[Any]) -> dict[Any, Fraction]:
    return {o.resident_id or o.business_id or o.name: o.share for o in owners}


def test_a_parcel_is_registered_with_its_co_owners_and_an_event() -> None:
    kim, lee = make_resident(name_ko="김철수"), make_resident(name_ko="이영희")

    parcel = register_parcel(owner(kim, share="2/3"), owner(lee, share="1/3"))

    assert parcel.legal_dong_code == DEFAULT_LEGAL_DONG
    assert shares(parcel_owners_as_of(parcel_id=parcel.id, on=date(2011, 1, 1))) == {
        kim.id: Fraction(2, 3), lee.id: Fraction(1, 3)}
    [event] = history.events_for(parcel.id)
    assert event.kind == "parcel.registered" and event.effective_on == date(2010, 5, 1)
    assert RegistryEvent.objects.get(id=event.id).registry == "land"
    assert [h.parcel_id for h in parcels_owned_by(resident_id=kim.id)] == [parcel.id]


def test_shares_that_do_not_add_up_to_one_are_refused_and_nothing_is_written() -> None:
    kim, lee = make_resident(), make_resident()
    before = counts()

    with pytest.raises(ValidationError) as refused:
        register_parcel(owner(kim, share="1/2"), owner(lee, share="1/3"))

    assert PNU in refused.value.message
    assert "5/6" in refused.value.field_errors["owners"][0]
    assert counts() == before


def test_shares_are_added_exactly_not_in_floating_point() -> None:
    people = [make_resident() for _ in range(3)]

    parcel = register_parcel(*(owner(p, share="1/3") for p in people))

    assert sum(o.share for o in parcel_owners_as_of(parcel_id=parcel.id, on=date(2020, 1, 1))) == 1


def test_a_bad_parcel_is_refused_naming_the_pnu_and_each_field() -> None:
    kim = make_resident()
    before = counts()

    with pytest.raises(ValidationError) as bad_number:
        register_parcel(owner(kim), pnu="1111010100100", category="X", area_m2="-3")
    with pytest.raises(ValidationError) as unknown_dong:
        register_parcel(owner(kim), pnu="4799999999" + "1" + "0001" + "0000")
    with pytest.raises(ValidationError) as not_a_dong:
        register_parcel(owner(kim), pnu="1111000000" + "1" + "0001" + "0000")

    assert "1111010100100" in bad_number.value.message
    assert set(bad_number.value.field_errors) == {"pnu", "category", "area_m2"}
    assert "4799999999" in unknown_dong.value.field_errors["pnu"][0]
    assert "종로구" in not_a_dong.value.field_errors["pnu"][0]
    assert counts() == before


def test_a_duplicate_pnu_is_refused_naming_the_field() -> None:
    kim = make_resident()
    register_parcel(owner(kim))

    with pytest.raises(ValidationError) as refused:
        register_parcel(owner(kim), category="전")

    assert list(refused.value.field_errors) == ["pnu"]
    assert Parcel.objects.count() == 1


def test_owner_entries_must_name_exactly_one_living_owner_once() -> None:
    kim = make_resident(name_ko="김철수", birth_date=date(1950, 1, 1), status="deceased", died_on=date(2009, 1, 1))
    lee = make_resident()
    before = counts()

    with pytest.raises(ValidationError) as refused:
        register_parcel(
            owner(kim, share="1/4"),
            owner(lee, share="1/4", owner_name="대한민국"),
            owner(None, share="1/4"),
            owner(None, share="1/4", owner_name="대한민국", colour="blue"),
        )

    errors = refused.value.field_errors
    assert "김철수" in errors["owners[0].owner_resident_id"][0]
    assert "owner 1: owner (resident): " in refused.value.message and "owner 4: colour: " in refused.value.message
    assert "owners[1].owner_resident_id" in errors and "owners[2].owner_resident_id" in errors
    assert "owners[3].colour" in errors
    assert counts() == before


def test_a_public_body_can_own_a_parcel_by_name() -> None:
    parcel = register_parcel(owner(None, owner_name="대한민국"), category="도")

    [state] = parcel_owners_as_of(parcel_id=parcel.id, on=date(2015, 1, 1))
    assert state.name == "대한민국" and state.share == 1


def test_the_owners_as_of_a_past_date_follow_the_transfers() -> None:
    kim, lee, park = make_resident(), make_resident(), make_resident()
    parcel = register_parcel(owner(kim), registered_on=date(2010, 5, 1))
    parcel_transfer(parcel_id=parcel.id, transferred_on=date(2015, 3, 1), cause=CAUSE,
                    owners=[owner(kim, share="1/2", acquired_on=date(2010, 5, 1)),
                            owner(lee, share="1/2", acquired_on=date(2015, 3, 1))])
    parcel_transfer(parcel_id=parcel.id, transferred_on=date(2020, 9, 30), cause=CAUSE,
                    owners=[{"owner_resident_id": park.id, "share_numerator": 1, "share_denominator": 1}])

    assert parcel_owners_as_of(parcel_id=parcel.id, on=date(2010, 4, 30)) == []
    assert shares(parcel_owners_as_of(parcel_id=parcel.id, on=date(2012, 1, 1))) == {kim.id: 1}
    assert shares(parcel_owners_as_of(parcel_id=parcel.id, on=date(2015, 3, 1))) == {
        kim.id: Fraction(1, 2), lee.id: Fraction(1, 2)}
    assert shares(parcel_owners_as_of(parcel_id=parcel.id, on=date(2024, 1, 1))) == {park.id: 1}
    [now] = parcel_owners_as_of(parcel_id=parcel.id, on=date(2024, 1, 1))
    assert now.acquired_on == date(2020, 9, 30)
    assert parcels_owned_by(resident_id=kim.id) == []
    assert [h.parcel.pnu for h in parcels_owned_by(resident_id=park.id)] == [PNU]
    assert [e.kind for e in history.events_for(parcel.id)] == [
        "parcel.registered", "parcel.transferred", "parcel.transferred"]


def test_a_transfer_dated_before_the_last_one_or_changing_nothing_is_refused() -> None:
    kim, lee = make_resident(), make_resident()
    parcel = register_parcel(owner(kim))
    parcel_transfer(parcel_id=parcel.id, owners=[owner(lee, acquired_on=date(2018, 1, 1))],
                    transferred_on=date(2018, 1, 1), cause=CAUSE)
    before = counts()

    with pytest.raises(ValidationError) as backdated:
        parcel_transfer(parcel_id=parcel.id, owners=[owner(kim, acquired_on=date(2016, 1, 1))],
                        transferred_on=date(2016, 1, 1), cause=CAUSE)
    with pytest.raises(ValidationError) as unchanged:
        parcel_transfer(parcel_id=parcel.id, owners=[owner(lee, acquired_on=date(2018, 1, 1))],
                        transferred_on=date(2019, 1, 1), cause=CAUSE)

    assert "transferred_on" in backdated.value.field_errors and PNU in backdated.value.message
    assert list(unchanged.value.field_errors) == ["owners"]
    assert counts() == before


def test_the_official_land_price_is_set_once_a_year() -> None:
    parcel = register_parcel(owner(make_resident()))
    land_price_set(parcel_id=parcel.id, year=2023, price_per_m2=5_120_000, cause=CAUSE)
    before = counts()

    with pytest.raises(ValidationError) as second:
        land_price_set(parcel_id=parcel.id, year=2023, price_per_m2=6_000_000, cause=CAUSE)
    with pytest.raises(ValidationError) as too_early:
        land_price_set(parcel_id=parcel.id, year=1985, price_per_m2=0, cause=CAUSE)

    assert list(second.value.field_errors) == ["year"] and PNU in second.value.message
    assert set(too_early.value.field_errors) == {"year", "price_per_m2"}
    assert counts() == before
    assert LandPrice.objects.get(parcel=parcel, year=2023).price_per_m2 == 5_120_000
    assert [e.kind for e in history.events_for(parcel.id)][-1] == "parcel.price_set"


def test_a_building_on_a_parcel_changes_hands_and_is_demolished() -> None:
    kim, lee = make_resident(), make_resident()
    parcel = register_parcel(owner(kim))
    building = building_register(
        parcel_id=parcel.id, name="청운빌라", road_address="서울특별시 종로구 자하문로 10", main_use="multi_family",
        floors_above=4, floors_below=1, floor_area_m2=Decimal("812.40"), approved_on=date(2012, 6, 1),
        owners=[owner(kim, acquired_on=date(2012, 6, 1))], cause=CAUSE,
    )
    building_transfer(building_id=building.id, owners=[owner(lee, acquired_on=date(2019, 2, 1))],
                      transferred_on=date(2019, 2, 1), cause=CAUSE)

    assert shares(building_owners_as_of(building_id=building.id, on=date(2015, 1, 1))) == {kim.id: 1}
    assert shares(building_owners_as_of(building_id=building.id, on=date(2020, 1, 1))) == {lee.id: 1}
    assert [h.building_id for h in buildings_owned_by(resident_id=lee.id)] == [building.id]
    assert RegistryEvent.objects.filter(entity_id=building.id, registry="buildings").count() == 2

    building_demolish(building_id=building.id, demolished_on=date(2023, 8, 1), cause=CAUSE)

    assert buildings_owned_by(resident_id=lee.id) == []
    assert building_owners_as_of(building_id=building.id, on=date(2024, 1, 1)) == []
    assert shares(building_owners_as_of(building_id=building.id, on=date(2023, 7, 31))) == {lee.id: 1}
    with pytest.raises(ValidationError) as refused:
        building_transfer(building_id=building.id, owners=[owner(kim, acquired_on=date(2024, 1, 1))],
                          transferred_on=date(2024, 1, 1), cause=CAUSE)
    assert "청운빌라" in refused.value.message or "자하문로" in refused.value.message
    assert "building_id" in refused.value.field_errors


def test_a_bad_building_is_refused_naming_the_building_and_each_field() -> None:
    parcel = register_parcel(owner(make_resident()))
    before = counts()

    with pytest.raises(ValidationError) as refused:
        building_register(
            parcel_id=parcel.id, road_address="서울특별시 종로구 자하문로 12", main_use="castle", floors_above=0,
            floors_below=0, floor_area_m2="0", approved_on=date(2012, 6, 1),
            owners=[owner(make_resident(), share="1/2", acquired_on=date(2012, 6, 1))], cause=CAUSE,
        )

    assert "자하문로 12" in refused.value.message and PNU in refused.value.message
    assert set(refused.value.field_errors) == {"main_use", "floors_above", "floor_area_m2", "owners"}
    assert all(field_label(field) in refused.value.message for field in refused.value.field_errors)
    assert counts() == before

"""Resident registration services: households, registration, moves, number changes, corrections, status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection

from egov.core.crypto import blind_index
from egov.core.errors import ValidationError
from egov.registries import history
from egov.registries.identifiers import check_person_number, person_check_digit
from egov.registries.models import Household, RegistryEvent, Resident, Vehicle
from egov.registries.models.residents import IDENTIFIER_INDEX_KIND
from egov.registries.services.checks import field_label
from egov.registries.services.residents import (
    household_create,
    resident_address_history,
    resident_change_number,
    resident_correct,
    resident_move,
    resident_register,
    resident_set_status,
)
from egov.registries.tests.factories import (
    DEFAULT_ADMIN_DONG,
    DEFAULT_LEGAL_DONG,
    make_cause,
    make_household,
    make_person_number,
    make_resident,
)

pytestmark = pytest.mark.django_db

ADDRESS = {
    "sido": "서울특별시", "sigungu": "종로구", "road": "효자로", "building_number": "12", "detail": "101호",
    "postcode": "03044", "legal_dong_code": "1111010400", "admin_dong_code": DEFAULT_ADMIN_DONG,
}
BUSAN = {
    "sido": "부산광역시", "sigungu": "해운대구", "road": "해운대로", "building_number": "570", "detail": "",
    "postcode": "48094", "legal_dong_code": "2635010500", "admin_dong_code": "2635052000",
}


def counts() -> tuple[int, int, int, int]:
    return (Household.objects.count(), Resident.objects.count(), RegistryEvent.objects.count(), Vehicle.objects.count())


def refused(call: Callable[[], Any], field: str) -> ValidationError:
    """Run a service that must refuse: it raises naming the field, and nothing is written."""
    before = counts()
    with pytest.raises(ValidationError) as caught:
        call()
    assert field in caught.value.field_errors, caught.value.field_errors
    assert field_label(field) in caught.value.message
    assert counts() == before
    return caught.value


def make_vehicle(owner: Resident, plate: str = "12가3456", vin: str = "KMHXX00XXXX000001") -> Vehicle:
    return Vehicle.objects.create(
        plate_number=plate, vin=vin, make="현대", model="아반떼", model_year=2020, fuel="gasoline",
        owner_resident=owner, use_address=owner.household.address_line if owner.household else "",
        use_legal_dong_code=owner.household.legal_dong_code if owner.household else "", registered_on=date(2020, 5, 1),
    )


def test_the_factories_make_residents_whose_numbers_pass_the_checks() -> None:
    old = make_resident(birth_date=date(1960, 5, 17), sex="F")
    young = make_resident(birth_date=date(2021, 3, 2), sex="M")
    foreigner = make_resident(birth_date=date(1985, 7, 9), sex="M", foreign=True)
    for person in (old, young, foreigner):
        check_person_number(person.identifier, issued_on=person.identifier_issued_on,
                            birth_date=person.birth_date, sex=person.sex)
        assert person.household.head_id == person.id
    assert foreigner.identifier_type == "frn" and foreigner.nationality != "KOR"


# ---------------------------------------------------------------- households


def test_a_household_is_created_at_an_address_with_its_event() -> None:
    household = household_create(**ADDRESS, established_on=date(2015, 3, 1), cause=make_cause())
    assert household.address_line == "서울특별시 종로구 효자로 12, 101호"
    event = RegistryEvent.objects.get(entity_id=household.id)
    assert (event.registry, event.kind, event.effective_on) == ("residents", "household.created", date(2015, 3, 1))
    assert event.after["legal_dong_code"] == "1111010400"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"road": ""}, "road"),
        ({"building_number": "  "}, "building_number"),
        ({"legal_dong_code": "111101040"}, "legal_dong_code"),
        ({"admin_dong_code": "11-0107"}, "admin_dong_code"),
        ({"admin_dong_code": "2611051000"}, "admin_dong_code"),  # a Busan office for a Seoul address
        ({"postcode": "3044"}, "postcode"),
        ({"established_on": date(2999, 1, 1)}, "established_on"),
    ],
)
def test_a_household_with_a_bad_address_is_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    values = {**ADDRESS, "established_on": date(2015, 3, 1), **changes}
    error = refused(lambda: household_create(**values, cause=make_cause()), field)
    assert "효자로" in error.message or field == "road"


def test_an_administrative_dong_the_pack_knows_must_serve_the_legal_dong(clerk: Any) -> None:
    # The clerk persona brings the pack's 청운효자동 (1101072, in 종로구 11110).
    values = {**BUSAN, "admin_dong_code": "1101072", "established_on": date(2015, 3, 1)}
    error = refused(lambda: household_create(**values, cause=make_cause()), "admin_dong_code")
    assert "1101072" in error.field_errors["admin_dong_code"][0]
    household_create(**ADDRESS, established_on=date(2015, 3, 1), cause=make_cause())


# ---------------------------------------------------------------- registration


def registration(household: Household, **overrides: Any) -> dict[str, Any]:
    birth = date(1988, 4, 5)
    values: dict[str, Any] = {
        "identifier": make_person_number(birth_date=birth, sex="F"),
        "identifier_issued_on": birth,
        "name_ko": "이서연", "name_en": "LEE SEOYEON", "birth_date": birth, "sex": "F",
        "household_id": household.id, "household_relation": "head", "moved_in_on": date(2015, 3, 1),
        "registration_base": "서울특별시 종로구 청운동 1", "phone": "010-1234-5678", "email": "seoyeon@example.kr",
    }
    values.update(overrides)
    return values


def test_a_resident_is_registered_as_the_head_of_a_household_without_one() -> None:
    household = make_household(established_on=date(2015, 1, 1))
    resident = resident_register(**registration(household), cause=make_cause())
    household.refresh_from_db()
    assert household.head_id == resident.id
    assert resident.identifier_type == "rrn" and resident.registered_on == date(2015, 3, 1)
    kinds = set(RegistryEvent.objects.filter(registry="residents").values_list("kind", flat=True))
    assert kinds == {"resident.registered", "household.head_changed"}
    found = Resident.objects.get(identifier_index=blind_index(resident.identifier, kind=IDENTIFIER_INDEX_KIND))
    assert found.id == resident.id


def test_a_foreigner_is_registered_with_a_foreign_registration_number() -> None:
    household = make_household(established_on=date(2015, 1, 1))
    number = make_person_number(birth_date=date(1988, 4, 5), sex="F", foreign=True)
    resident = resident_register(**registration(household, identifier=number, nationality="VNM"), cause=make_cause())
    assert (resident.identifier_type, resident.nationality) == ("frn", "VNM")


def test_the_check_digit_is_not_checked_for_numbers_issued_from_october_2020() -> None:
    household = make_household(established_on=date(2015, 1, 1))
    good = make_person_number(birth_date=date(1988, 4, 5), sex="F")
    random_tail = good[:12] + str((int(good[12]) + 1) % 10)
    refused(lambda: resident_register(**registration(household, identifier=random_tail), cause=make_cause()),
            "identifier")
    resident = resident_register(
        **registration(household, identifier=random_tail, identifier_issued_on=date(2021, 1, 4)), cause=make_cause()
    )
    assert resident.identifier == random_tail


def _bad_registrations() -> list[Any]:
    return [
        pytest.param(lambda h: {"identifier": "880405-2"}, "identifier", id="short number"),
        pytest.param(lambda h: {"identifier": make_person_number(birth_date=date(1988, 4, 6), sex="F")},
                     "identifier", id="number of another birth date"),
        pytest.param(lambda h: {"identifier": make_person_number(birth_date=date(1988, 4, 5), sex="M")},
                     "identifier", id="number of a man"),
        pytest.param(lambda h: {"identifier": make_person_number(birth_date=date(1988, 4, 5), sex="F", foreign=True)},
                     "nationality", id="foreign number with KOR"),
        pytest.param(lambda h: {"household_id": "not-a-uuid"}, "household_id", id="dangling household"),
        pytest.param(lambda h: {"household_relation": "cousin"}, "household_relation", id="unknown relation"),
        pytest.param(lambda h: {"household_relation": "spouse"}, "household_relation", id="no head yet"),
        pytest.param(lambda h: {"moved_in_on": date(1980, 1, 1)}, "moved_in_on", id="moved in before birth"),
        pytest.param(lambda h: {"moved_in_on": date(2014, 1, 1)}, "moved_in_on", id="before the household"),
        pytest.param(lambda h: {"birth_date": date(2999, 1, 1)}, "birth_date", id="born in the future"),
        pytest.param(lambda h: {"name_ko": " "}, "name_ko", id="no name"),
        pytest.param(lambda h: {"sex": "X"}, "sex", id="unknown sex"),
        pytest.param(lambda h: {"nationality": "Korea"}, "nationality", id="nationality not ISO"),
        pytest.param(lambda h: {"phone": "12"}, "phone", id="bad phone"),
        pytest.param(lambda h: {"email": "seoyeon@"}, "email", id="bad e-mail"),
        pytest.param(lambda h: {"father_id": make_resident(sex="F", birth_date=date(1960, 1, 1)).id},
                     "father_id", id="father is a woman"),
        pytest.param(lambda h: {"mother_id": make_resident(sex="F", birth_date=date(1990, 1, 1)).id},
                     "mother_id", id="mother younger than the child"),
        pytest.param(lambda h: {"mother_id": make_resident(sex="F", birth_date=date(1960, 1, 1),
                                                           died_on=date(1987, 1, 1), status="deceased").id},
                     "mother_id", id="mother died before the birth"),
        pytest.param(lambda h: {"father_id": "00000000-0000-0000-0000-000000000000"}, "father_id", id="no such father"),
    ]


@pytest.mark.parametrize(("bad", "field"), _bad_registrations())
def test_a_bad_registration_is_refused_naming_the_field_and_writes_nothing(
    bad: Callable[[Household], dict[str, Any]], field: str
) -> None:
    household = make_household(established_on=date(2015, 1, 1))
    values = registration(household, **bad(household))
    error = refused(lambda: resident_register(**values, cause=make_cause()), field)
    assert "이서연" in error.message or field == "name_ko"
    assert not Resident.objects.filter(name_ko="이서연").exists()


def test_a_number_already_registered_is_refused() -> None:
    someone = make_resident(birth_date=date(1988, 4, 5), sex="F")
    household = make_household(established_on=date(2015, 1, 1))
    error = refused(lambda: resident_register(**registration(household, identifier=someone.identifier),
                                              cause=make_cause()), "identifier")
    assert "already registered" in error.field_errors["identifier"][0]


def test_a_household_has_one_head_only() -> None:
    head = make_resident()
    refused(lambda: resident_register(**registration(head.household, household_relation="head"), cause=make_cause()),
            "household_relation")
    member = resident_register(**registration(head.household, household_relation="spouse",
                                              moved_in_on=date(2016, 1, 1)), cause=make_cause())
    head.household.refresh_from_db()
    assert head.household.head_id == head.id and member.household_relation == "spouse"


def test_registration_numbers_are_never_stored_or_logged_in_plain_text() -> None:
    household = make_household(established_on=date(2015, 1, 1))
    resident = resident_register(**registration(household), cause=make_cause())
    new_number = make_person_number(birth_date=resident.birth_date, sex="F")
    old_number = resident.identifier
    resident_change_number(resident_id=resident.id, new_identifier=new_number, issued_on=date(2022, 7, 1),
                           cause=make_cause())
    with connection.cursor() as cursor:
        cursor.execute("SELECT identifier, phone, email FROM registries_resident WHERE id = %s", [resident.id.hex])
        rows = cursor.fetchall()
        if not rows:
            cursor.execute("SELECT identifier, phone, email FROM registries_resident WHERE id = %s", [str(resident.id)])
            rows = cursor.fetchall()
        cursor.execute("SELECT before, after FROM registries_registryevent")
        log = " ".join(str(value) for row in cursor.fetchall() for value in row)
    stored = " ".join(str(value) for value in rows[0])
    for secret in (old_number, new_number, old_number[:6] + old_number[6:], "010-1234-5678", "seoyeon@example.kr"):
        assert secret not in stored
        assert secret not in log
    assert new_number[7:] not in log and old_number[7:] not in log


# ---------------------------------------------------------------- number change


def test_a_change_of_number_moves_the_lookup_and_keeps_the_old_number_in_the_history() -> None:
    resident = make_resident(birth_date=date(1975, 9, 30), sex="M")
    old_number = resident.identifier
    new_number = make_person_number(birth_date=date(1975, 9, 30), sex="M")
    resident_change_number(resident_id=resident.id, new_identifier=new_number, issued_on=date(2021, 2, 1),
                           cause=make_cause())
    assert not Resident.objects.filter(identifier_index=blind_index(old_number, kind=IDENTIFIER_INDEX_KIND)).exists()
    assert Resident.objects.get(identifier_index=blind_index(new_number, kind=IDENTIFIER_INDEX_KIND)).id == resident.id
    assert history.state_as_of(resident, date(2021, 1, 31))["identifier"] == old_number
    event = RegistryEvent.objects.get(entity_id=resident.id, kind="resident.number_changed")
    assert "identifier_index" not in event.before and event.before["identifier"] != old_number


@pytest.mark.parametrize(
    ("number", "field"),
    [
        (lambda r: make_person_number(birth_date=date(1975, 10, 1), sex="M"), "new_identifier"),
        (lambda r: make_person_number(birth_date=date(1975, 9, 30), sex="F"), "new_identifier"),
        (lambda r: r.identifier, "new_identifier"),
        (lambda r: make_resident(birth_date=date(1975, 9, 30), sex="M").identifier, "new_identifier"),
        (lambda r: "7509301", "new_identifier"),
    ],
    ids=["other birth date", "other sex", "same number", "someone else's", "too short"],
)
def test_a_bad_new_number_is_refused(number: Callable[[Resident], str], field: str) -> None:
    resident = make_resident(birth_date=date(1975, 9, 30), sex="M")
    new = number(resident)
    refused(lambda: resident_change_number(resident_id=resident.id, new_identifier=new, issued_on=date(2021, 2, 1),
                                           cause=make_cause()), field)


def test_a_new_number_cannot_be_issued_before_the_current_one() -> None:
    resident = make_resident(birth_date=date(1975, 9, 30), sex="M", identifier_issued_on=date(2000, 1, 1))
    new = make_person_number(birth_date=date(1975, 9, 30), sex="M")
    refused(lambda: resident_change_number(resident_id=resident.id, new_identifier=new, issued_on=date(1999, 1, 1),
                                           cause=make_cause()), "issued_on")


# ---------------------------------------------------------------- moves


def test_moving_alone_to_a_new_address_makes_a_new_household_and_moves_the_cars() -> None:
    parent = make_resident(name_ko="박지훈", birth_date=date(1960, 2, 2), moved_in_on=date(1990, 1, 1))
    child = make_resident(name_ko="박하늘", birth_date=date(1995, 6, 1), household=parent.household,
                          household_relation="child", moved_in_on=date(1995, 6, 1))
    car = make_vehicle(child)
    resident_move(resident_id=child.id, new_address=BUSAN, household_relation="head", moved_in_on=date(2024, 3, 4),
                  cause=make_cause())
    child.refresh_from_db()
    car.refresh_from_db()
    assert child.household_id != parent.household_id and child.household.head_id == child.id
    assert (child.household_relation, child.moved_in_on) == ("head", date(2024, 3, 4))
    assert car.use_address == "부산광역시 해운대구 해운대로 570" and car.use_legal_dong_code == "2635010500"
    event = RegistryEvent.objects.get(entity_id=car.id)
    assert (event.registry, event.kind, event.effective_on) == ("vehicles", "vehicle.use_address_changed", date(2024, 3, 4))
    parent.household.refresh_from_db()
    assert parent.household.head_id == parent.id


def test_a_whole_household_moves_with_its_members_and_their_cars() -> None:
    head = make_resident(name_ko="최민호", birth_date=date(1970, 1, 1), moved_in_on=date(2000, 1, 1))
    spouse = make_resident(name_ko="정수진", sex="F", birth_date=date(1972, 2, 2), household=head.household,
                           household_relation="spouse", moved_in_on=date(2001, 5, 5))
    gone = make_resident(name_ko="최노인", birth_date=date(1940, 1, 1), household=head.household,
                         household_relation="parent", status="deceased", died_on=date(2010, 1, 1))
    cars = [make_vehicle(head), make_vehicle(spouse, plate="34나5678", vin="KMHXX00XXXX000002")]
    old_line = head.household.address_line
    resident_move(resident_id=spouse.id, new_address=ADDRESS, moved_in_on=date(2023, 8, 1), with_household=True,
                  cause=make_cause())
    household = Household.objects.get(id=head.household_id)
    assert household.address_line == "서울특별시 종로구 효자로 12, 101호" and household.legal_dong_code == "1111010400"
    for member in (head, spouse):
        member.refresh_from_db()
        assert (member.household_id, member.moved_in_on) == (household.id, date(2023, 8, 1))
    gone.refresh_from_db()
    assert gone.moved_in_on != date(2023, 8, 1)
    for car in cars:
        car.refresh_from_db()
        assert car.use_address == household.address_line
    assert RegistryEvent.objects.filter(registry="vehicles", kind="vehicle.use_address_changed").count() == 2
    periods = resident_address_history(resident_id=head.id)
    assert [(p.address_line, p.moved_in_on, p.moved_out_on) for p in periods] == [
        (old_line, date(2000, 1, 1), date(2023, 8, 1)),
        ("서울특별시 종로구 효자로 12, 101호", date(2023, 8, 1), None),
    ]


def test_the_address_history_follows_each_move() -> None:
    person = make_resident(name_ko="한지민", sex="F", birth_date=date(1985, 3, 3), moved_in_on=date(2005, 1, 1))
    first = person.household
    other = make_resident(name_ko="오세훈", birth_date=date(1980, 1, 1), moved_in_on=date(2005, 1, 1))
    resident_move(resident_id=person.id, to_household_id=other.household_id, household_relation="other",
                  moved_in_on=date(2010, 4, 1), cause=make_cause())
    resident_move(resident_id=person.id, new_address=BUSAN, moved_in_on=date(2019, 9, 9), cause=make_cause())
    person.refresh_from_db()
    periods = resident_address_history(resident_id=person.id)
    assert [(p.household_id, p.moved_in_on, p.moved_out_on) for p in periods] == [
        (first.id, date(2005, 1, 1), date(2010, 4, 1)),
        (other.household_id, date(2010, 4, 1), date(2019, 9, 9)),
        (person.household_id, date(2019, 9, 9), None),
    ]
    assert periods[-1].legal_dong_code == "2635010500" and periods[0].legal_dong_code == DEFAULT_LEGAL_DONG


def test_a_head_moving_out_alone_must_leave_a_new_head() -> None:
    head = make_resident(name_ko="윤대호", birth_date=date(1965, 1, 1), moved_in_on=date(2000, 1, 1))
    son = make_resident(name_ko="윤성민", birth_date=date(1992, 1, 1), household=head.household,
                        household_relation="child", moved_in_on=date(2000, 1, 1))
    error = refused(lambda: resident_move(resident_id=head.id, new_address=BUSAN, moved_in_on=date(2024, 1, 2),
                                          cause=make_cause()), "new_head_id")
    assert "new head" in error.message
    resident_move(resident_id=head.id, new_address=BUSAN, moved_in_on=date(2024, 1, 2), new_head_id=son.id,
                  cause=make_cause())
    son.refresh_from_db()
    assert son.household.head_id == son.id and son.household_relation == "head"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        (lambda p, o: {"new_address": BUSAN, "to_household_id": o.household_id}, "to_household_id"),
        (lambda p, o: {}, "to_household_id"),
        (lambda p, o: {"new_address": BUSAN, "moved_in_on": date(2001, 1, 1)}, "moved_in_on"),
        (lambda p, o: {"new_address": {**BUSAN, "road": ""}}, "new_address.road"),
        (lambda p, o: {"new_address": {**BUSAN, "floor": "3"}}, "new_address.floor"),
        (lambda p, o: {"to_household_id": p.household_id, "household_relation": "other"}, "to_household_id"),
        (lambda p, o: {"to_household_id": o.household_id, "household_relation": "head"}, "household_relation"),
        (lambda p, o: {"to_household_id": o.household_id}, "household_relation"),
        (lambda p, o: {"new_address": BUSAN, "household_relation": "spouse"}, "household_relation"),
        (lambda p, o: {"new_address": BUSAN, "new_head_id": o.id}, "new_head_id"),
        (lambda p, o: {"to_household_id": o.household_id, "household_relation": "other", "with_household": True},
         "to_household_id"),
    ],
    ids=["two destinations", "no destination", "before the last move", "bad address", "unknown address field",
         "same household", "second head", "no relation", "new household without head", "new head not needed",
         "whole household into another"],
)
def test_a_bad_move_is_refused_and_moves_nothing(kwargs: Callable[[Resident, Resident], dict[str, Any]], field: str) -> None:
    person = make_resident(name_ko="서지우", sex="F", birth_date=date(1990, 5, 5), moved_in_on=date(2010, 1, 1))
    other = make_resident(name_ko="강도윤", birth_date=date(1980, 1, 1))
    values = {"moved_in_on": date(2024, 5, 1), **kwargs(person, other)}
    error = refused(lambda: resident_move(resident_id=person.id, cause=make_cause(), **values), field)
    assert "서지우" in error.message
    person.refresh_from_db()
    assert person.moved_in_on == date(2010, 1, 1)


def test_a_deceased_person_cannot_move() -> None:
    person = make_resident(status="deceased", died_on=date(2020, 1, 1))
    error = refused(lambda: resident_move(resident_id=person.id, new_address=BUSAN, moved_in_on=date(2024, 5, 1),
                                          cause=make_cause()), "resident_id")
    assert "deceased" in error.message


# ---------------------------------------------------------------- corrections and status


def test_a_correction_changes_the_allowed_fields_and_records_the_reason() -> None:
    person = make_resident(phone="010-1111-2222")
    resident_correct(resident_id=person.id, changes={"name_en": "HONG GIL-DONG", "phone": "010-3333-4444"},
                     reason="여권 영문 성명과 일치하도록 정정", cause=make_cause())
    person.refresh_from_db()
    assert (person.name_en, person.phone) == ("HONG GIL-DONG", "010-3333-4444")
    event = RegistryEvent.objects.get(entity_id=person.id, kind="resident.corrected")
    assert event.reason == "여권 영문 성명과 일치하도록 정정"
    assert event.before["name_en"] == "HONG GILDONG" and "010-1111-2222" not in str(event.before)


@pytest.mark.parametrize(
    ("changes", "reason", "field"),
    [
        ({"name_en": "HONG"}, "", "reason"),
        ({"name_en": "HONG"}, "   ", "reason"),
        ({"name_ko": "홍길순"}, "typo", "name_ko"),
        ({"birth_date": date(1990, 1, 2)}, "typo", "birth_date"),
        ({"status": "deceased"}, "typo", "status"),
        ({"email": "not-an-address"}, "typo", "email"),
        ({"nationality": "korea"}, "typo", "nationality"),
        ({"registration_base": ""}, "typo", "registration_base"),
        ({}, "typo", "changes"),
        ({"name_en": "HONG GILDONG"}, "typo", "name_en"),
    ],
    ids=["no reason", "blank reason", "name", "birth date", "status", "e-mail", "nationality", "empty base",
         "nothing", "same value"],
)
def test_a_bad_correction_is_refused_naming_the_field(changes: dict[str, Any], reason: str, field: str) -> None:
    person = make_resident()
    error = refused(lambda: resident_correct(resident_id=person.id, changes=changes, reason=reason,
                                             cause=make_cause()), field)
    assert "홍길동" in error.message


def test_a_foreigner_cannot_be_corrected_to_korean_nationality() -> None:
    person = make_resident(foreign=True)
    refused(lambda: resident_correct(resident_id=person.id, changes={"nationality": "KOR"}, reason="naturalised",
                                     cause=make_cause()), "nationality")


def test_status_changes_are_events_and_death_is_not_one_of_them() -> None:
    person = make_resident()
    resident_set_status(resident_id=person.id, status="emigrated", effective_on=date(2022, 2, 2), cause=make_cause())
    person.refresh_from_db()
    assert history.state_as_of(person, date(2022, 2, 1))["status"] == "living"
    assert history.state_as_of(person, date(2022, 2, 2))["status"] == "emigrated"
    refused(lambda: resident_set_status(resident_id=person.id, status="deceased", effective_on=date(2023, 1, 1),
                                        cause=make_cause()), "status")
    refused(lambda: resident_set_status(resident_id=person.id, status="emigrated", effective_on=date(2023, 1, 1),
                                        cause=make_cause()), "status")
    refused(lambda: resident_set_status(resident_id=person.id, status="living", effective_on=date(1980, 1, 1),
                                        cause=make_cause()), "effective_on")
    resident_set_status(resident_id=person.id, status="living", effective_on=date(2024, 2, 2), cause=make_cause())
    person.refresh_from_db()
    assert person.status == "living"


def test_check_digits_of_the_factories_match_python_stdnum() -> None:
    number = make_person_number(birth_date=date(1999, 12, 31), sex="F")
    assert number[12] == person_check_digit(number[:12])

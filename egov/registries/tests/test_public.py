"""The person-reading functions of registries.public: each read is one audit entry naming the subject.

Alice's resident record is 김민지, who lives with her husband and their son in
청운효자동 and owns a car, a share of a parcel and a shop; a business owns another car.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from egov.core import clock
from egov.core.access_log import entries_about
from egov.core.errors import PermissionDenied
from egov.core.models.audit import AuditEntry
from egov.registries import public
from egov.registries.models import Business, Marriage, Parcel, ParcelOwnership, Resident, Vehicle
from egov.registries.services.residents import resident_correct
from egov.registries.tests.factories import make_cause, make_household, make_resident

pytestmark = pytest.mark.django_db

OFFICIAL = public.Reader(actor=f"user:{uuid.UUID(int=7)}", label="청운효자동 · Casey Clerk", user_id=uuid.UUID(int=7))
BASIS = public.LEGAL_BASES["residents"]


# --- a family, shared with the back-office and My Gov tests ----------------------------------------


def given_family() -> dict[str, Any]:
    """김민지, her husband 이준호 and their son 이서준 in one household in 청운효자동."""
    household = make_household(road="자하문로", building_number="12")
    mother = make_resident(name_ko="김민지", name_en="KIM MINJI", birth_date=date(1985, 3, 14), sex="F",
                           household=household, household_relation="head", phone="010-1234-5678",
                           email="minji@example.org")
    father = make_resident(name_ko="이준호", name_en="LEE JUNHO", birth_date=date(1983, 7, 2), sex="M",
                           household=household, household_relation="spouse")
    son = make_resident(name_ko="이서준", name_en="LEE SEOJUN", birth_date=date(2015, 5, 5), sex="M",
                        household=household, household_relation="child", father=father, mother=mother)
    Marriage.objects.create(spouse_a=father, spouse_b=mother, married_on=date(2012, 10, 6))
    return {"household": household, "mother": mother, "father": father, "son": son}


def given_car(owner: Resident | None = None, *, plate: str = "12가3456", business: Business | None = None) -> Vehicle:
    return Vehicle.objects.create(
        plate_number=plate, vin=f"KMHD{uuid.uuid4().hex[:13].upper().replace('O', '0').replace('I', '1')}",
        make="현대", model="아반떼", model_year=2021, fuel="gasoline", owner_resident=owner, owner_business=business,
        use_address="서울특별시 종로구 자하문로 12", registered_on=date(2021, 4, 1),
        inspection_due_on=date(2025, 4, 1),
    )


def given_shop(owner: Resident) -> Business:
    return Business.objects.create(
        registration_number="1018212348" if not Business.objects.exists() else "2208112341", name="민지네 꽃집",
        representative=owner, representative_name=owner.name_ko, business_type="소매업", business_item="꽃",
        address="서울특별시 종로구 자하문로 12", legal_dong_code="1111010100", admin_dong_code="1101072",
        started_on=date(2018, 3, 1), tax_type="simplified", tax_office_code="101",
    )


def given_parcel(*owners: Resident, pnu: str = "1111010100100120000") -> Parcel:
    parcel = Parcel.objects.create(pnu=pnu, legal_dong_code=pnu[:10], category="대", area_m2=Decimal("165.30"),
                                   registered_on=date(1990, 1, 1))
    for owner in owners:
        ParcelOwnership.objects.create(parcel=parcel, owner_resident=owner, share_numerator=1,
                                       share_denominator=len(owners), acquired_on=date(2014, 6, 1))
    return parcel


def reads_about(resident: Resident) -> list[Any]:
    return [e for e in entries_about([f"resident:{resident.pk}"]) if e.action in ("person.read", "person.search")]


def audit_count() -> int:
    return AuditEntry.objects.count()


# --- lookups by number ---------------------------------------------------------------------------------


def test_a_lookup_by_number_finds_the_resident_and_writes_one_entry_naming_them() -> None:
    family = given_family()
    before = audit_count()
    with transaction.atomic():
        record = public.resident_by_number(number=family["mother"].identifier, reader=OFFICIAL,
                                           purpose="report_check", basis=BASIS)
    assert record is not None and record.name_ko == "김민지"
    assert record.address is not None and record.address.admin_dong_code == "1101072"
    assert audit_count() == before + 1
    [entry] = reads_about(family["mother"])
    assert entry.actor_label == "청운효자동 · Casey Clerk"
    assert entry.purpose == "Checking a report (move-in, birth, death, marriage)"
    assert entry.legal_basis == "Resident Registration Act, Article 30"


def test_a_lookup_by_number_reads_the_resident_and_household_in_one_query() -> None:
    family = given_family()
    public.resident_by_number(number=family["father"].identifier, reader=OFFICIAL, purpose="report_check", basis=BASIS)
    with CaptureQueriesContext(connection) as captured:
        record = public.resident_by_number(number=family["mother"].identifier, reader=OFFICIAL,
                                           purpose="report_check", basis=BASIS)
    selects = [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert record is not None and record.name_ko == "김민지"
    assert record.address is not None and record.address.admin_dong_code == "1101072"
    assert len(selects) == 1, selects


def test_a_number_written_with_a_dash_finds_the_same_resident() -> None:
    mother = given_family()["mother"]
    number = mother.identifier
    record = public.resident_by_number(number=f"{number[:6]}-{number[6:]}", reader=OFFICIAL, purpose="report_check",
                                       basis=BASIS)
    assert record is not None and record.id == mother.id


def test_a_lookup_that_finds_no_one_is_still_logged_as_a_failure_without_a_subject() -> None:
    before = audit_count()
    assert public.resident_by_number(number="9001011234568", reader=OFFICIAL, purpose="report_check",
                                     basis=BASIS) is None
    entry = AuditEntry.objects.order_by("-id").first()
    assert audit_count() == before + 1
    assert entry is not None and entry.subject is None and entry.outcome == "failure"


def test_records_carry_the_masked_number_and_never_the_full_one_for_an_official() -> None:
    mother = given_family()["mother"]
    record = public.resident_record(resident_id=mother.id, reader=OFFICIAL, purpose="report_check", basis=BASIS)
    assert record is not None
    assert record.number == ""
    assert record.number_masked == f"{mother.identifier[:6]}-{mother.identifier[6]}******"
    with pytest.raises(PermissionDenied):
        public.resident_record(resident_id=mother.id, reader=OFFICIAL, purpose="report_check", basis=BASIS,
                               show_number=True)


def test_the_subject_may_see_their_own_full_number() -> None:
    mother = given_family()["mother"]
    herself = public.Reader(actor=f"user:{uuid.uuid4()}", label="김민지", resident_id=mother.id)
    record = public.resident_record(resident_id=mother.id, reader=herself, purpose="own_records",
                                    basis=public.OWN_RECORDS_BASIS, show_number=True)
    assert record is not None and record.number == mother.identifier


def test_a_read_without_a_purpose_or_a_basis_is_a_programming_error_and_reads_nothing() -> None:
    mother = given_family()["mother"]
    before = audit_count()
    with pytest.raises(ValueError, match="purpose"):
        public.resident_record(resident_id=mother.id, reader=OFFICIAL, purpose="", basis=BASIS)
    with pytest.raises(ValueError, match="basis"):
        public.resident_record(resident_id=mother.id, reader=OFFICIAL, purpose="report_check", basis="")
    assert audit_count() == before


def test_a_consent_can_stand_in_for_a_legal_basis_and_is_logged() -> None:
    mother = given_family()["mother"]
    public.resident_record(resident_id=mother.id, reader=OFFICIAL, purpose="Housing benefit application",
                           basis="", consent="consent-42")
    [entry] = reads_about(mother)
    assert entry.consent == "consent-42"
    assert entry.purpose == "Housing benefit application"


def test_a_record_as_of_a_past_date_shows_the_values_before_a_correction() -> None:
    mother = given_family()["mother"]
    resident_correct(resident_id=mother.id, changes={"name_en": "KIM MIN-JI"}, reason="Passport spelling",
                     cause=make_cause())
    yesterday = clock.today() - timedelta(days=1)
    old = public.resident_record(resident_id=mother.id, reader=OFFICIAL, purpose="report_check", basis=BASIS,
                                 as_of=yesterday)
    new = public.resident_record(resident_id=mother.id, reader=OFFICIAL, purpose="report_check", basis=BASIS)
    assert old is not None and old.name_en == "KIM MINJI" and old.as_of == yesterday
    assert new is not None and new.name_en == "KIM MIN-JI"


# --- household, family, vehicles, property, businesses ----------------------------------------------


def test_a_household_record_lists_its_members_head_first_under_one_entry() -> None:
    family = given_family()
    before = audit_count()
    household = public.household_record(resident_id=family["son"].id, reader=OFFICIAL, purpose="civil_application",
                                        basis=BASIS)
    assert household is not None
    assert [m.name_ko for m in household.members] == ["김민지", "이준호", "이서준"]
    assert all("*" in m.number_masked for m in household.members)
    assert audit_count() == before + 1
    assert len(reads_about(family["son"])) == 1


def test_a_family_record_names_parents_spouse_and_children() -> None:
    family = given_family()
    mother = public.family_record(resident_id=family["mother"].id, reader=OFFICIAL, purpose="civil_application",
                                  basis=public.LEGAL_BASES["family"])
    son = public.family_record(resident_id=family["son"].id, reader=OFFICIAL, purpose="civil_application",
                               basis=public.LEGAL_BASES["family"])
    assert mother is not None and son is not None
    assert mother.spouse is not None and mother.spouse.person.name_ko == "이준호"
    assert [c.person.name_ko for c in mother.children] == ["이서준"]
    assert [(p.relation, p.person.name_ko) for p in son.parents] == [("father", "이준호"), ("mother", "김민지")]


def test_vehicles_property_and_businesses_of_a_person_are_one_entry_each() -> None:
    mother = given_family()["mother"]
    given_car(mother)
    given_parcel(mother)
    given_shop(mother)
    before = audit_count()
    vehicles = public.vehicles_of_person(resident_id=mother.id, reader=OFFICIAL, purpose="civil_application",
                                         basis=public.LEGAL_BASES["vehicles"])
    holdings = public.property_of_person(resident_id=mother.id, reader=OFFICIAL, purpose="civil_application",
                                         basis=public.LEGAL_BASES["land"])
    businesses = public.businesses_of_person(resident_id=mother.id, reader=OFFICIAL, purpose="civil_application",
                                             basis=public.LEGAL_BASES["businesses"])
    assert [v.plate_number for v in vehicles] == ["12가3456"]
    assert [p.pnu for p in holdings.parcels] == ["1111010100100120000"]
    assert [b.name for b in businesses] == ["민지네 꽃집"]
    assert audit_count() == before + 3
    assert {e.legal_basis for e in reads_about(mother)} == {
        "Motor Vehicle Management Act, Article 69",
        "Act on the Establishment, Management, etc. of Spatial Data, Article 76",
        "Value-Added Tax Act, Article 8",
    }


def test_a_vehicle_owned_by_a_person_names_its_owner_and_one_owned_by_a_business_names_no_one() -> None:
    mother = given_family()["mother"]
    shop = given_shop(mother)
    given_car(mother, plate="12가3456")
    given_car(business=shop, plate="34나5678")
    before = audit_count()
    mine = public.vehicle_by_plate(plate="12가3456", reader=OFFICIAL, purpose="civil_application",
                                   basis=public.LEGAL_BASES["vehicles"])
    assert mine is not None and mine.owner_name == "김민지"
    assert audit_count() == before + 1
    theirs = public.vehicle_by_plate(plate="34나5678", reader=OFFICIAL, purpose="civil_application",
                                     basis=public.LEGAL_BASES["vehicles"])
    assert theirs is not None and theirs.owner_name == "민지네 꽃집"
    assert audit_count() == before + 1


def test_a_parcel_with_two_owners_is_logged_for_each_of_them() -> None:
    family = given_family()
    given_parcel(family["mother"], family["father"])
    before = audit_count()
    parcel = public.parcel_by_pnu(pnu="1111010100100120000", reader=OFFICIAL, purpose="civil_application",
                                  basis=public.LEGAL_BASES["land"])
    assert parcel is not None and {s.fraction for s in parcel.owners} == {"1/2"}
    assert audit_count() == before + 2
    assert len(reads_about(family["mother"])) == 1
    assert len(reads_about(family["father"])) == 1


def test_a_business_by_number_names_its_representative() -> None:
    mother = given_family()["mother"]
    shop = given_shop(mother)
    found = public.business_by_number(number=shop.registration_number, reader=OFFICIAL, purpose="civil_application",
                                      basis=public.LEGAL_BASES["businesses"])
    assert found is not None and found.formatted_number == "101-82-12348"
    assert [e.object_ref for e in AuditEntry.objects.filter(subject=f"resident:{mother.pk}")] == [
        "registries:business:1018212348"]


def test_a_search_by_name_logs_one_entry_for_each_person_listed() -> None:
    family = given_family()
    found = public.resident_search(reader=OFFICIAL, purpose="residence_check", basis=BASIS, name="이",
                                   admin_dong_codes={"1101072"})
    assert [p.name_ko for p in found] == ["이서준", "이준호"]
    assert len(reads_about(family["son"])) == 1
    assert len(reads_about(family["father"])) == 1
    assert reads_about(family["mother"]) == []


def test_a_search_never_lists_residents_outside_the_codes_given() -> None:
    given_family()
    assert public.resident_search(reader=OFFICIAL, purpose="residence_check", basis=BASIS, name="김",
                                  admin_dong_codes={"1101055"}) == []


# --- family certificates and own records -----------------------------------------------------------------


def test_a_family_certificate_is_read_under_one_entry_naming_its_kind() -> None:
    family = given_family()
    certificate = public.family_certificate(
        subject_id=family["son"].id, kind="family", level="general", reader=OFFICIAL, purpose="civil_application",
        basis=public.LEGAL_BASES["family"], applicant_resident_id=family["mother"].id,
    )
    assert certificate is not None
    [entry] = AuditEntry.objects.filter(subject=f"resident:{family['son'].pk}")
    assert entry.object_ref == "registries:family_certificate:family"


def test_a_family_certificate_for_someone_not_entitled_is_refused_and_nothing_is_read() -> None:
    family = given_family()
    stranger = make_resident(name_ko="박남", birth_date=date(1970, 1, 1))
    before = audit_count()
    with pytest.raises(PermissionDenied):
        public.family_certificate(
            subject_id=family["son"].id, kind="family", level="general", reader=OFFICIAL,
            purpose="civil_application", basis=public.LEGAL_BASES["family"], applicant_resident_id=stranger.id,
        )
    assert audit_count() == before


def test_own_records_gather_everything_under_one_entry_read_by_the_citizen() -> None:
    family = given_family()
    mother = family["mother"]
    given_car(mother)
    given_parcel(mother)
    given_shop(mother)
    user_id = uuid.uuid4()
    mine = public.own_records(user_id=user_id, resident_id=mother.id, label="Alice Citizen")
    assert mine is not None
    assert mine.resident.name_ko == "김민지" and mine.resident.number == ""
    assert mine.phone_masked == "010-****-5678"
    assert mine.household is not None and len(mine.household.members) == 3
    assert mine.family.spouse is not None and [c.person.name_ko for c in mine.family.children] == ["이서준"]
    assert [v.plate_number for v in mine.vehicles] == ["12가3456"]
    assert len(mine.property.parcels) == 1 and [b.name for b in mine.businesses] == ["민지네 꽃집"]
    [entry] = reads_about(mother)
    assert entry.actor_label == "Alice Citizen"
    assert entry.purpose == "Viewing one's own records on My Gov"
    assert entry.legal_basis == "Personal Information Protection Act, Article 35"


def test_the_audit_subjects_of_a_linked_person_are_their_account_and_their_record() -> None:
    user_id, resident_id = uuid.uuid4(), uuid.uuid4()
    assert public.audit_subjects(user_id=user_id) == [f"user:{user_id}"]
    assert public.audit_subjects(user_id=user_id, resident_id=resident_id) == [
        f"user:{user_id}", f"resident:{resident_id}"]


def test_a_citizens_own_dong_is_read_alone_and_logged_as_their_own_read() -> None:
    mother = given_family()["mother"]
    user_id = uuid.uuid4()
    code = public.own_admin_dong(user_id=user_id, resident_id=mother.id, label="Alice Citizen")
    [entry] = reads_about(mother)
    assert (entry.object_ref, entry.actor_label) == ("registries:own_address", "Alice Citizen")
    mine = public.own_records(user_id=user_id, resident_id=mother.id)
    assert mine is not None and mine.resident.address is not None
    assert code == mine.resident.address.admin_dong_code != ""
    assert public.own_admin_dong(user_id=user_id, resident_id=uuid.uuid4()) == ""

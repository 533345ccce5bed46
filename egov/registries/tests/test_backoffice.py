"""The registries' back office: officials look up records within their jurisdiction, each view one audit entry.

Casey Clerk works at the 청운효자동 office (administrative dong 1101072); Riley
Reviewer at 종로구, which may also read the vehicle, land and business registers.
김민지's family lives in 청운효자동; 박서연 lives in 사직동 (1101055), outside the
clerk's jurisdiction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from egov.core.models.audit import AuditEntry
from egov.registries.models import RegistryEvent, Resident
from egov.registries.tests.factories import make_household, make_resident
from egov.registries.tests.test_public import given_car, given_family, given_parcel, given_shop

pytestmark = pytest.mark.django_db


EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def resident_page(resident: Resident, purpose: str = "report_check") -> str:
    return f"/back-office/registries/residents/{resident.pk}/?purpose={purpose}"


def entries_about(resident: Resident) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(subject=f"resident:{resident.pk}").order_by("id"))


@pytest.fixture
def family() -> dict[str, Any]:
    return given_family()


@pytest.fixture
def outsider() -> Resident:
    household = make_household(road="사직로", building_number="8", legal_dong_code="1111011900",
                               admin_dong_code="1101055")
    return make_resident(name_ko="박서연", birth_date=date(1992, 8, 1), sex="F", household=household)


# --- the resident page --------------------------------------------------------------------------------


def test_a_clerk_opens_a_resident_of_their_dong_with_a_purpose_and_the_view_is_one_entry(
    clerk_client: Client, family: dict[str, Any]
) -> None:
    mother = family["mother"]
    response = clerk_client.get(resident_page(mother), **EN)
    page = response.content.decode()
    assert response.status_code == 200
    assert "김민지" in page and "KIM MINJI" in page
    assert f"{mother.identifier[:6]}-{mother.identifier[6]}******" in page
    assert mother.identifier not in page
    assert "서울특별시 종로구 자하문로 12" in page  # the address, in the record and its history
    assert "이준호" in page and "이서준" in page  # household and family
    [entry] = entries_about(mother)
    assert entry.action == "person.read"
    assert entry.actor_label == "청운효자동 · Casey Clerk"
    assert entry.purpose == "Checking a report (move-in, birth, death, marriage)"
    assert entry.legal_basis == "Resident Registration Act, Article 30"


def test_the_view_shows_on_the_residents_own_who_viewed_my_data(
    clerk_client: Client, family: dict[str, Any], alice: Any, citizen_client: Client
) -> None:
    alice.resident_id = family["mother"].pk
    alice.save(update_fields=["resident_id"])
    clerk_client.get(resident_page(family["mother"], "residence_check"))
    page = citizen_client.get("/my/", **EN).content.decode()
    viewed = page[page.index('id="viewed"'):page.index('id="inbox"')]
    assert "청운효자동 · Casey Clerk" in viewed
    assert "Fact-finding of residence" in viewed
    assert "Resident Registration Act, Article 30" in viewed


def test_the_record_shows_the_address_history_with_the_move_and_its_cause(
    clerk_client: Client, family: dict[str, Any], outsider: Resident
) -> None:
    from egov.registries.services.households import resident_move
    from egov.registries.tests.factories import make_cause

    resident_move(resident_id=outsider.id, to_household_id=family["household"].id, household_relation="other",
                  moved_in_on=date(2024, 3, 4), cause=make_cause(ref="minwon-2024-0304", legal_basis="주민등록법 제16조"))
    page = clerk_client.get(resident_page(outsider), **EN).content.decode()
    history = page[page.index('id="addresses"'):page.index('id="household"')]
    assert history.index("서울특별시 종로구 자하문로 12") < history.index("서울특별시 종로구 사직로 8")
    assert "March 4, 2024" in history and "Current address" in history
    events = page[page.index('id="events"'):]
    assert "Move-in report" in events and "minwon-2024-0304" in events and "주민등록법 제16조" in events


def test_a_resident_outside_the_clerks_jurisdiction_is_refused_and_nothing_is_logged_as_read(
    clerk_client: Client, outsider: Resident
) -> None:
    before = AuditEntry.objects.filter(action="person.read").count()
    response = clerk_client.get(resident_page(outsider), **EN)
    assert response.status_code == 404
    assert "박서연" not in response.content.decode()
    search = clerk_client.get("/back-office/registries/residents/",
                              {"by": "number", "q": outsider.identifier, "purpose": "report_check"}, **EN)
    assert search.status_code == 404
    assert "There is no resident with this number in your jurisdiction." in search.content.decode()
    assert entries_about(outsider) == []
    assert AuditEntry.objects.filter(action="person.read").count() == before


def test_the_same_resident_is_open_to_the_si_gun_gu_whose_jurisdiction_covers_the_dong(
    client_for: Any, reviewer: Any, family: dict[str, Any]
) -> None:
    response = client_for(reviewer).get(resident_page(family["son"]), **EN)
    assert response.status_code == 200
    assert [e.actor_label for e in entries_about(family["son"])] == ["종로구 · Riley Reviewer"]


def test_a_record_is_not_shown_until_a_purpose_is_chosen(clerk_client: Client, family: dict[str, Any]) -> None:
    mother = family["mother"]
    asked = clerk_client.get(f"/back-office/registries/residents/{mother.pk}/", **EN)
    assert asked.status_code == 200
    assert "Say why you are opening this record." in asked.content.decode()
    assert "김민지" not in asked.content.decode()
    refused = clerk_client.get(resident_page(mother, "curiosity"), **EN)
    assert refused.status_code == 400
    assert "Choose one of the purposes listed." in refused.content.decode()
    assert entries_about(mother) == []


def test_a_number_search_goes_straight_to_the_record_with_the_purpose(
    clerk_client: Client, family: dict[str, Any]
) -> None:
    mother = family["mother"]
    number = mother.identifier
    response = clerk_client.get("/back-office/registries/residents/",
                                {"by": "number", "q": f"{number[:6]}-{number[6:]}", "purpose": "civil_application"})
    assert response.status_code == 302
    assert response["Location"] == resident_page(mother, "civil_application")
    assert entries_about(mother) == []  # the record itself is read (and logged) on the page it leads to


def test_a_name_search_lists_residents_of_the_jurisdiction_only_each_logged(
    clerk_client: Client, family: dict[str, Any], outsider: Resident
) -> None:
    make_resident(name_ko="박지훈", birth_date=date(1990, 2, 2), household=make_household(building_number="30"))
    response = clerk_client.get("/back-office/registries/residents/",
                                {"by": "name", "q": "박", "purpose": "residence_check"}, **EN)
    page = response.content.decode()
    assert response.status_code == 400  # one character is too few
    assert "Type at least two characters of the name." in page
    response = clerk_client.get("/back-office/registries/residents/",
                                {"by": "name", "q": "박지", "purpose": "residence_check"}, **EN)
    page = response.content.decode()
    assert "박지훈" in page and "박서연" not in page
    assert entries_about(outsider) == []
    assert AuditEntry.objects.filter(action="person.search", outcome="success").count() == 1


def test_a_search_without_a_purpose_reads_nothing(clerk_client: Client, family: dict[str, Any]) -> None:
    response = clerk_client.get("/back-office/registries/residents/", {"by": "name", "q": "김민"}, **EN)
    assert response.status_code == 400
    assert "Choose why you are looking this up." in response.content.decode()
    assert "김민지" not in response.content.decode()
    assert not AuditEntry.objects.filter(action__startswith="person.").exists()


# --- corrections ----------------------------------------------------------------------------------------


def correction_form(resident: Resident, **changes: str) -> dict[str, str]:
    data = {"name_en": resident.name_en, "registration_base": resident.registration_base,
            "nationality": resident.nationality, "reason": ""}
    data.update(changes)
    return data


def test_a_correction_without_a_reason_is_refused_with_a_message_and_changes_nothing(
    clerk_client: Client, family: dict[str, Any]
) -> None:
    mother = family["mother"]
    url = f"/back-office/registries/residents/{mother.pk}/correct/"
    response = clerk_client.post(url, correction_form(mother, name_en="KIM MIN-JI", reason="   "), **EN)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Give the reason for the correction: it is kept with the change." in page
    assert 'id="id_reason_error"' in page and 'aria-invalid="true"' in page
    mother.refresh_from_db()
    assert mother.name_en == "KIM MINJI"
    assert not RegistryEvent.objects.filter(entity_id=mother.pk).exists()


def test_the_korean_correction_page_speaks_korean(clerk_client: Client, family: dict[str, Any]) -> None:
    mother = family["mother"]
    page = clerk_client.get(f"/back-office/registries/residents/{mother.pk}/correct/").content.decode()
    assert '<html lang="ko">' in page


def test_a_correction_with_a_reason_is_an_event_the_record_page_shows(
    clerk_client: Client, family: dict[str, Any]
) -> None:
    mother = family["mother"]
    url = f"/back-office/registries/residents/{mother.pk}/correct/"
    response = clerk_client.post(
        url, correction_form(mother, name_en="KIM MIN-JI", reason="Spelling in her passport"), **EN
    )
    assert response.status_code == 302
    assert response["Location"] == resident_page(mother, "record_correction")
    [event] = RegistryEvent.objects.filter(entity_id=mother.pk)
    assert event.kind == "resident.corrected"
    assert event.reason == "Spelling in her passport"
    assert event.before == {"name_en": "KIM MINJI"} and event.after == {"name_en": "KIM MIN-JI"}
    page = clerk_client.get(response["Location"], **EN).content.decode()
    assert "The correction was recorded with its reason." in page
    assert "Spelling in her passport" in page and "KIM MINJI → KIM MIN-JI" in page
    assert "Resident Registration Act, Article 20" in page


def test_a_service_refusal_is_shown_under_its_field(clerk_client: Client, family: dict[str, Any]) -> None:
    mother = family["mother"]
    url = f"/back-office/registries/residents/{mother.pk}/correct/"
    response = clerk_client.post(url, correction_form(mother, nationality="K1R", reason="Typo"), **EN)
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_nationality_error"' in page
    assert "A nationality is a three-letter ISO 3166 code such as KOR or USA." in page
    assert not RegistryEvent.objects.filter(entity_id=mother.pk).exists()


def test_an_unchanged_form_is_refused(clerk_client: Client, family: dict[str, Any]) -> None:
    mother = family["mother"]
    response = clerk_client.post(f"/back-office/registries/residents/{mother.pk}/correct/",
                                 correction_form(mother, reason="Nothing really"), **EN)
    assert response.status_code == 400
    assert "Nothing was changed" in response.content.decode()


def test_a_correction_outside_the_jurisdiction_is_refused(clerk_client: Client, outsider: Resident) -> None:
    response = clerk_client.post(f"/back-office/registries/residents/{outsider.pk}/correct/",
                                 correction_form(outsider, name_en="PARK SEOYEON", reason="Typo"))
    assert response.status_code == 404
    assert not RegistryEvent.objects.filter(entity_id=outsider.pk).exists()
    assert entries_about(outsider) == []


# --- vehicles, land and buildings, businesses --------------------------------------------------------------


def test_a_reviewer_looks_up_a_vehicle_by_plate_and_its_owner_sees_it(
    client_for: Any, reviewer: Any, family: dict[str, Any]
) -> None:
    given_car(family["father"], plate="12가3456")
    response = client_for(reviewer).get("/back-office/registries/vehicles/",
                                        {"plate": "12가 3456", "purpose": "civil_application"}, **EN)
    page = response.content.decode()
    assert response.status_code == 200
    assert "12가3456" in page and "이준호" in page and "아반떼" in page
    [entry] = entries_about(family["father"])
    assert entry.legal_basis == "Motor Vehicle Management Act, Article 69"


def test_a_malformed_plate_is_refused_under_its_field_and_nothing_is_read(client_for: Any, reviewer: Any) -> None:
    response = client_for(reviewer).get("/back-office/registries/vehicles/",
                                        {"plate": "ABC123", "purpose": "civil_application"}, **EN)
    assert response.status_code == 400
    assert "A plate number looks like 12가3456 or 123가4567." in response.content.decode()
    assert not AuditEntry.objects.filter(action="person.read").exists()


def test_a_clerk_without_the_vehicle_permission_is_refused(clerk_client: Client) -> None:
    assert clerk_client.get("/back-office/registries/vehicles/").status_code == 403


def test_a_reviewer_looks_up_a_parcel_with_its_owners(client_for: Any, reviewer: Any, family: dict[str, Any]) -> None:
    given_parcel(family["mother"], family["father"])
    response = client_for(reviewer).get("/back-office/registries/property/",
                                        {"pnu": "1111010100100120000", "purpose": "civil_application"}, **EN)
    page = response.content.decode()
    assert response.status_code == 200
    assert "김민지 (1/2" in page and "이준호 (1/2" in page
    assert len(entries_about(family["mother"])) == 1 and len(entries_about(family["father"])) == 1


def test_a_reviewer_looks_up_a_business_by_number(client_for: Any, reviewer: Any, family: dict[str, Any]) -> None:
    shop = given_shop(family["mother"])
    response = client_for(reviewer).get("/back-office/registries/businesses/",
                                        {"number": "101-82-12348", "purpose": "civil_application"}, **EN)
    assert shop.registration_number == "1018212348"
    page = response.content.decode()
    assert response.status_code == 200
    assert "민지네 꽃집" in page and "101-82-12348" in page
    assert len(entries_about(family["mother"])) == 1


def test_the_registries_home_lists_only_the_registers_the_official_may_read(
    clerk_client: Client, client_for: Any, reviewer: Any
) -> None:
    clerk_page = clerk_client.get("/back-office/registries/", **EN).content.decode()
    assert "/back-office/registries/residents/" in clerk_page
    assert "/back-office/registries/vehicles/" not in clerk_page
    reviewer_page = client_for(reviewer).get("/back-office/registries/", **EN).content.decode()
    assert "/back-office/registries/vehicles/" in reviewer_page


def test_the_back_office_home_links_to_the_registries(clerk_client: Client) -> None:
    page = clerk_client.get("/back-office/", **EN).content.decode()
    assert 'href="/back-office/registries/"' in page

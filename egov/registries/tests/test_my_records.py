"""My Gov's "My records": a citizen linked to a resident record sees it, with their household, family and assets.

Alice's account is linked (by identity proofing) to 김민지's record; Bob's is not linked.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from egov.core.audit import audit_append
from egov.core.models.audit import AuditEntry
from egov.registries.tests.test_public import given_car, given_family, given_parcel, given_shop

pytestmark = pytest.mark.django_db


EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def records_section(page: str) -> str:
    return page[page.index('id="records"'):page.index('id="viewed"')]


def viewed_section(page: str) -> str:
    return page[page.index('id="viewed"'):page.index('id="inbox"')]


@pytest.fixture
def linked_alice(alice: Any) -> dict[str, Any]:
    family = given_family()
    alice.resident_id = family["mother"].pk
    alice.save(update_fields=["resident_id"])
    return family


def test_a_linked_citizen_sees_her_record_household_and_vehicles(
    citizen_client: Client, linked_alice: dict[str, Any]
) -> None:
    mother = linked_alice["mother"]
    given_car(mother, plate="12가3456")
    response = citizen_client.get("/my/", **EN)
    assert response.status_code == 200
    section = records_section(response.content.decode())
    assert "김민지" in section and "KIM MINJI" in section
    assert f"{mother.identifier[:6]}-{mother.identifier[6]}******" in section
    assert mother.identifier not in response.content.decode()
    assert "서울특별시 종로구 자하문로 12" in section
    assert "이준호" in section and "이서준" in section  # household members and family
    assert "12가3456" in section and "아반떼" in section
    assert "010-****-5678" in section
    assert "Prove your identity" not in section


def test_her_land_and_business_are_listed_too(citizen_client: Client, linked_alice: dict[str, Any]) -> None:
    mother = linked_alice["mother"]
    given_parcel(mother)
    given_shop(mother)
    section = records_section(citizen_client.get("/my/", **EN).content.decode())
    assert "1111010100100120000" in section and "165.30" in section
    assert "민지네 꽃집" in section and "101-82-12348" in section


def test_someone_with_nothing_registered_is_told_so(citizen_client: Client, linked_alice: dict[str, Any]) -> None:
    section = records_section(citizen_client.get("/my/", **EN).content.decode())
    assert "No vehicle is registered in your name." in section
    assert "You own no land on the land register." in section
    assert "No business is registered with you as its representative." in section


def test_reading_ones_own_records_is_itself_in_who_viewed_my_data(
    citizen_client: Client, linked_alice: dict[str, Any]
) -> None:
    before = AuditEntry.objects.filter(subject=f"resident:{linked_alice['mother'].pk}").count()
    page = citizen_client.get("/my/", **EN).content.decode()
    assert AuditEntry.objects.filter(subject=f"resident:{linked_alice['mother'].pk}").count() == before + 1
    viewed = viewed_section(page)
    assert "Viewing one&#x27;s own records on My Gov" in viewed
    assert "Personal Information Protection Act, Article 35" in viewed


def test_who_viewed_my_data_covers_both_the_account_and_the_resident_record(
    alice: Any, citizen_client: Client, linked_alice: dict[str, Any]
) -> None:
    with transaction.atomic():
        audit_append(action="auth.login", actor=f"user:{alice.pk}", actor_label="alice", subject=f"user:{alice.pk}")
        audit_append(action="person.read", actor=f"user:{uuid.uuid4()}", actor_label="Jongno-gu Office, clerk Park",
                     subject=f"resident:{linked_alice['mother'].pk}", purpose="Moving-in report",
                     legal_basis="Resident Registration Act, Article 16")
        audit_append(action="person.read", actor=f"user:{uuid.uuid4()}", actor_label="Reader of the son",
                     subject=f"resident:{linked_alice['son'].pk}", purpose="Another person's case")
    viewed = viewed_section(citizen_client.get("/my/", **EN).content.decode())
    assert "Signed in" in viewed
    assert "Jongno-gu Office, clerk Park" in viewed and "Moving-in report" in viewed
    assert "Reader of the son" not in viewed


def test_an_unlinked_citizen_is_asked_to_prove_their_identity(bob: Any, client_for: Any) -> None:
    response = client_for(bob).get("/my/", **EN)
    section = records_section(response.content.decode())
    assert response.status_code == 200
    assert "prove your identity once" in section
    assert 'href="/registries/proof/"' in section
    assert not AuditEntry.objects.filter(action="person.read").exists()


def test_an_account_linked_to_a_record_no_longer_there_is_told_whom_to_contact(alice: Any, citizen_client: Client) -> None:
    alice.resident_id = uuid.uuid4()
    alice.save(update_fields=["resident_id"])
    section = records_section(citizen_client.get("/my/", **EN).content.decode())
    assert "no longer on the register" in section

"""Revocation follows every person and thing a document states (ADR 0130).

김민준 asks for his father's family relations certificate and for his own, which names
his parents and his son; 종로구 issues a land register extract of 청운동 12-3 and a
building register extract of the villa on it. The facts are what the gate releases
for an approved application; the changes come from the registries as they do in
service (a death report, a move-in, a land category change), except the change of
name, whose registry service no other app may call, which is its event as the
registry publishes it.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation

from egov.accounts.fixtures import make_organisation
from egov.certificates.models import DocumentStatus, IssuedDocument
from egov.certificates.revocation import CAUSES, EVENT, THING_CAUSES, on_resident_changed
from egov.core.events import Event
from egov.core.models import AuditEntry
from egov.exchange import public as exchange
from egov.registries.tests.factories import make_resident

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("exchange_pack")]

FAMILY_ARTICLE = "Act on the Registration, etc. of Family Relationships, Article 14"
LAND_ARTICLE = "Act on the Establishment, Management, etc. of Spatial Data, Article 75"
BUILDING_ARTICLE = "Building Act, Article 38"
PNU = "1111010100100120003"  # 청운동 12-3
BUSAN = {
    "sido": "부산광역시", "sigungu": "해운대구", "road": "해운대로", "building_number": "570", "detail": "",
    "postcode": "48094", "legal_dong_code": "2635010500", "admin_dong_code": "2635052000",
}


@pytest.fixture
def exchange_pack(db: None) -> None:
    exchange.load_exchange_pack()


@pytest.fixture
def family(db: None) -> dict[str, Any]:
    """김민준 (born 1980) of 김아버 and 박어머, father of 김첫째 (2007, born out of wedlock: a detailed certificate names him)."""
    father = make_resident(name_ko="김아버", birth_date=date(1950, 4, 4))
    mother = make_resident(name_ko="박어머", sex="F", birth_date=date(1952, 5, 5))
    me = make_resident(name_ko="김민준", birth_date=date(1980, 2, 2), father=father, mother=mother)
    son = make_resident(name_ko="김첫째", birth_date=date(2007, 7, 7), father=me)
    return {"father": father, "mother": mother, "me": me, "son": son}


def _issue(holder: Any, applicant: Any, document_type: str, facts: dict[str, Any], form: dict[str, Any]) -> IssuedDocument:
    """The document as the approval path issues it: the applicant's record and what the gate released."""
    from egov.certificates import services

    return services.document_issue(
        document_type=document_type, holder_id=holder.pk, subject_resident_ids=[applicant.id] if applicant else [],
        case_reference="2026-000001", application_id=uuid.uuid4(),
        values={"facts": facts, "form": form, "applicant": {"name": "김민준"}, "case": {"reference": "2026-000001"}},
        authority="서울특별시 종로구", by="system:applications",
    )


def _family_certificate(alice: Any, family: dict[str, Any], whose: str) -> IssuedDocument:
    court = exchange.system_requester(organisation_code="cen-nca", name="applications", label="법원행정처 · 증명서 발급")
    released = exchange.fetch(
        requester=court, product="family-relation-certificate", purpose="civil_application", service="tests",
        subject_resident_id=family[whose].id, legal_basis=FAMILY_ARTICLE, params={"level": "detailed"},
        applicant_resident_id=family["me"].id,
    )
    return _issue(alice, family["me"], "family-relations-certificate", {"family_relation_certificate": released.data},
                  {"whose": "self" if whose == "me" else "family", "detail": "detailed"})


def _cause(message: str) -> str:
    """The cause as stored: in the deployment's language, whoever's request made the change."""
    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(message)


def _revoked(document: IssuedDocument) -> bool:
    document.refresh_from_db()
    return document.status == DocumentStatus.REVOKED


def test_a_fathers_certificate_is_revoked_when_the_father_dies_and_the_applicant_is_told(
    alice: Any, family: dict[str, Any], django_capture_on_commit_callbacks: Any,
) -> None:
    from egov.notifications import public as notifications

    document = _family_certificate(alice, family, "father")
    # He is the person it is about; no one's number is among what anyone may verify.
    assert str(family["father"].id) in document.subject_resident_ids
    assert family["father"].identifier[7:] not in str(document.public_facts)

    with django_capture_on_commit_callbacks(execute=True):
        exchange.death_report(deceased_number=family["father"].identifier, reporter_id=None,
                              died_on=date(2026, 11, 1), cause_ref="2026-000099", by="system:applications")

    assert _revoked(document)
    assert document.revocation_cause == _cause(CAUSES["death"])
    assert document.number in notifications.inbox_list(alice.pk)[0].body
    entry = AuditEntry.objects.get(action="certificate.revoked")
    assert entry.subject == f"user:{alice.pk}" and entry.object_ref == f"document:{document.id}"


def test_a_certificate_naming_a_son_is_revoked_when_the_son_changes_his_name(
    alice: Any, family: dict[str, Any],
) -> None:
    document = _family_certificate(alice, family, "me")
    other = make_resident(name_ko="남남이")  # named on no certificate

    on_resident_changed(Event(EVENT, {"resident_ids": [str(other.id)], "change": "name_changed", "fields": ["name_ko"]}))
    assert not _revoked(document)
    on_resident_changed(Event(EVENT, {"resident_ids": [str(family["son"].id)], "change": "name_changed",
                                      "fields": ["name_ko"]}))
    assert _revoked(document)
    assert document.revocation_cause == _cause(CAUSES["name_changed"])


def test_a_parents_move_revokes_his_abstract_but_not_the_certificate_that_names_him(
    alice: Any, family: dict[str, Any], django_capture_on_commit_callbacks: Any,
) -> None:
    certificate = _family_certificate(alice, family, "me")
    abstract = _issue(alice, family["father"], "resident-registration-extract", {"resident": {
        "name_ko": "김아버", "number_masked": "500404-1******", "address": {"sido": "서울특별시", "road": "자하문로"}}}, {})

    with django_capture_on_commit_callbacks(execute=True):
        exchange.resident_move_in(resident_id=family["father"].id, address=BUSAN, moved_in_on=date(2026, 11, 2),
                                  cause_ref="2026-000100", by="system:applications")

    assert _revoked(abstract)  # the move reached certificates: what prints his address is untrue
    assert not _revoked(certificate)  # a family certificate prints no address
    assert AuditEntry.objects.filter(action="certificate.revoked").count() == 1


@pytest.fixture
def parcel(db: None) -> dict[str, Any]:
    """청운동 12-3, 대 (building site), 김하늘's, with the villa 청운빌라 (자하문로 10) on it."""
    def row(model: str, **values: Any) -> Any:  # as the registry's services leave them (theirs are not ours to call)
        return apps.get_model("registries", model).objects.create(**values)

    apps.get_model("accounts", "LegalDong").objects.get_or_create(code="1111010100", defaults={
        "name": "청운동", "full_name": "서울특별시 종로구 청운동", "level": "emd", "sido_code": "11",
        "sigungu_code": "11110", "emd_code": "11110101"})
    owner = make_resident(name_ko="김하늘")
    land = row("Parcel", pnu=PNU, legal_dong_code="1111010100", category="대", area_m2=Decimal("330.58"),
               registered_on=date(2010, 5, 1))
    row("ParcelOwnership", parcel=land, owner_resident_id=owner.id, acquired_on=date(2010, 5, 1))
    building = row("Building", parcel=land, name="청운빌라", road_address="서울특별시 종로구 자하문로 10",
                   main_use="multi_family", floors_above=4, floors_below=1, floor_area_m2=Decimal("812.40"),
                   approved_on=date(2012, 6, 1))
    row("BuildingOwnership", building=building, owner_resident_id=owner.id, acquired_on=date(2012, 6, 1))
    return {"owner": owner}


def test_a_land_register_extract_is_revoked_when_the_parcels_category_changes_and_a_building_extract_when_its_use_does(
    alice: Any, parcel: dict[str, Any], django_capture_on_commit_callbacks: Any,
) -> None:
    make_organisation("sgg-11110")
    gu = exchange.system_requester(organisation_code="sgg-11110", name="applications", label="종로구 · 토지대장")

    def released(product: str, key: str, article: str) -> Any:
        return exchange.fetch(requester=gu, product=product, purpose="civil_application", service="tests",
                              subject_number=key, legal_basis=article).data

    extract = _issue(alice, None, "land-register-extract",
                     {"land_register": released("land-register", PNU, LAND_ARTICLE)}, {"pnu": PNU})
    building = _issue(alice, None, "building-register-extract",
                      {"building_register": released("building-register", PNU, BUILDING_ARTICLE)}, {})
    assert extract.subject_things == [f"parcel:{PNU}"]

    with django_capture_on_commit_callbacks(execute=True):
        exchange.parcel_category_changed(pnu=PNU, owner_resident_id=parcel["owner"].id, category="잡",
                                         changed_on=date(2026, 11, 3), reason="", cause_ref="2026-000101",
                                         by="system:applications")

    assert _revoked(extract)
    assert extract.revocation_cause == _cause(THING_CAUSES[("parcel", "category_changed")])
    assert not _revoked(building)  # the building register prints no land category

    # The villa becomes offices: its register extract, which prints its use, is no longer true.
    with django_capture_on_commit_callbacks(execute=True):
        exchange.building_use_changed(
            address={"road": "자하문로", "building_number": "10", "legal_dong_code": "1111010100"},
            owner_resident_id=parcel["owner"].id, main_use="office", changed_on=date(2026, 11, 4),
            cause_ref="2026-000102", by="system:applications")
    assert _revoked(building)
    assert building.revocation_cause == _cause(THING_CAUSES[("building", "use_changed")])

"""The kr pack's document templates: every document a service names exists, reads only what it is given, and issues.

An approved case hands the document its values (``facts`` released by the gate for the
application, ``form``, ``applicant``, ``case``: egov/applications/effects.py). These tests
check, for every service that names a document, that its template exists and parses,
that every fact it reads is released by an evidence product of that service and every
answer it reads is a field of its form; then that each template issues a signed PDF
whose public facts, and only those, show on verification by number.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings as django_settings

from egov.certificates import services
from egov.certificates.templates_pack import all_templates, document_template, template_exists

# The fact each data product becomes in an application's facts (egov/applications/definitions.py, FACT_NAMES).
FACT_NAMES = {
    "resident-registration-extract": "resident",
    "resident-registration-copy": "household",
    "family-relations": "family",
    "vehicle-record": "vehicles",
    "land-ownership": "land",
    "building-record": "buildings",
    "business-status": "businesses",
}


def _services() -> list[dict[str, Any]]:
    directory = Path(django_settings.EGOV_COUNTRY_DIR) / "services"
    found = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.yaml"))]
    return [service for service in found if isinstance(service, dict) and service.get("document")]


SERVICES = _services()
TEMPLATES = sorted({service["document"]["template"] for service in SERVICES})


def test_every_document_a_service_names_has_a_template_that_parses() -> None:
    assert len(TEMPLATES) >= 30, "the pack's services name their documents"
    assert [name for name in TEMPLATES if not template_exists(name)] == []
    assert {template.type for template in all_templates()} >= set(TEMPLATES)


@pytest.mark.parametrize("service", SERVICES, ids=[s["id"] for s in SERVICES])
def test_a_template_reads_only_facts_and_answers_its_service_has(service: dict[str, Any]) -> None:
    template = document_template(service["document"]["template"])
    facts = {FACT_NAMES.get(item["product"], item["product"].replace("-", "_")) for item in service.get("evidence") or []}
    answers = {item["name"] for item in service.get("form") or []}

    def available(source: str) -> bool:
        root, _dot, rest = source.partition(".")
        head = rest.split(".")[0]
        return (
            (root == "facts" and head in facts)
            or (root == "form" and (not rest or head in answers))
            or source in ("applicant.name", "case.reference")
        )

    problems = []
    for field in template.fields:
        if not any(available(source) for source in field.sources):
            problems.append(f"{field.name}: {', '.join(field.sources)}")
        # A list narrowed by another value needs that value wherever the list itself is given.
        elif available(field.sources[0]):
            references = [str(w) for w in field.where.values() if not isinstance(w, list)]
            problems += [f"{field.name}: where {r}" for r in references if not available(r)]
    assert problems == []


def test_no_template_makes_a_registration_number_public() -> None:
    for template in all_templates():
        for field in template.fields:
            assert not (field.public and any("number_masked" in s or "rrn" in s for s in field.sources)), (
                f"{template.type}.{field.name}"
            )
            assert not (field.public and "number_masked" in field.show), f"{template.type}.{field.name}"


PERSON = {"name_ko": "김민준", "birth_date": "1960-05-05", "number_masked": "600505-1******"}
FACTS = {
    "resident": {
        "name_ko": "김하늘",
        "number_masked": "900101-2******",
        "birth_date": "1990-01-01",
        "died_on": "2026-10-02",
        "address": {"sido": "서울특별시", "sigungu": "종로구", "road": "자하문로", "building_number": "1"},
    },
    "household": {
        "address": {"sido": "서울특별시", "sigungu": "종로구", "road": "자하문로", "building_number": "1"},
        "established_on": "2020-03-02",
        "members": [{**PERSON, "name_ko": "김서윤", "household_relation": "child", "birth_date": "2019-04-01"}],
    },
    "family": {
        "registration_base": "서울특별시 종로구 청운동 1",
        "parents": [
            {"person": PERSON, "relation": "father", "since": "1990-01-01"},
            {"person": {**PERSON, "name_ko": "이영희"}, "relation": "adoptive_parent", "since": "1995-01-01"},
        ],
        "spouses": [
            {"person": {**PERSON, "name_ko": "박지훈"}, "relation": "spouse", "since": "2018-06-01"},
            {"person": {**PERSON, "name_ko": "최도윤"}, "relation": "former_spouse", "since": "2012-01-01",
             "until": "2015-01-01", "end": "divorce"},
        ],
        "children": [{"person": {**PERSON, "name_ko": "김서윤"}, "relation": "adopted_child", "since": "2020-01-01"}],
    },
    "vehicles": [
        {"plate_number": "12가3456", "make": "현대", "model": "아반떼", "model_year": 2022, "fuel": "gasoline",
         "registered_on": "2022-03-01", "inspection_due_on": "2026-03-01", "status": "registered"},
        {"plate_number": "34나5678", "make": "기아", "model": "레이", "model_year": 2020, "fuel": "lpg",
         "registered_on": "2020-03-01", "inspection_due_on": None, "status": "registered"},
    ],
    "land": [{"pnu": "1111010100100010000", "lot": "1", "place": "서울특별시 종로구 청운동", "category": "대",
              "area_m2": "330.00", "owners": [], "prices": [[2026, 5000000]]}],
    "buildings": [],
    "businesses": [
        {"registration_number": "1234567890", "name": "하늘상회", "business_type": "소매업", "business_item": "잡화",
         "address": "서울특별시 종로구 자하문로 1", "started_on": "2021-01-04", "status": "active"},
        {"registration_number": "2222222222", "name": "다른상회", "status": "closed"},
    ],
}


def _form(template_type: str) -> dict[str, Any]:
    """An answer for every question a template reads, the numbers matching the facts above."""
    answers: dict[str, Any] = {"detail": "general", "use": "payment", "register_kind": "general"}
    for template in [document_template(template_type)]:
        for field in template.fields:
            for source in (*field.sources, *(str(w) for w in field.where.values() if not isinstance(w, list))):
                root, _dot, name = source.partition(".")
                if root == "form" and name and name not in answers:
                    answers[name] = f"{name}-answer"
    answers["plate_number"] = "12가3456"
    answers["registration_number"] = "123-45-67890"
    return answers


@pytest.mark.django_db
@pytest.mark.parametrize("template_type", TEMPLATES)
def test_each_template_issues_a_signed_document_whose_public_facts_verify(template_type: str, alice: Any) -> None:
    form = _form(template_type)
    document = services.document_issue(
        document_type=template_type,
        holder_id=alice.pk,
        subject_resident_ids=[uuid.uuid4()],
        case_reference="2026-000042",
        application_id=uuid.uuid4(),
        values={"facts": FACTS, "form": form, "applicant": {"name": "김하늘"}, "case": {"reference": "2026-000042"}},
        authority="서울특별시 종로구 청운효자동",
        by="system:applications",
    )
    assert bytes(document.pdf).startswith(b"%PDF")
    verdict = services.document_verify_pdf(pdf=bytes(document.pdf))
    assert verdict.verdict == "valid"
    by_number = services.document_verify_number(number=document.number)
    template = document_template(template_type)
    shown = {fact["label"]["en"]: fact["value"] for fact in by_number.public_facts}
    assert set(shown) == {field.label["en"] for field in template.fields if field.public}
    assert all("******" not in value and "900101" not in value for value in shown.values())
    assert any(value not in ("-", "") for value in shown.values()), shown


@pytest.mark.django_db
def test_a_vehicle_extract_shows_the_vehicle_named_on_the_form_only(alice: Any) -> None:
    document = services.document_issue(
        document_type="vehicle-register-extract", holder_id=alice.pk, subject_resident_ids=[],
        case_reference="2026-000043", application_id=None,
        values={"facts": FACTS, "form": {"plate_number": "12가 3456"}, "applicant": {"name": "김하늘"}, "case": {}},
        authority="", by="system:applications",
    )
    shown = {fact["label"]["en"]: fact["value"] for fact in document.public_facts}
    assert shown["Vehicle"] == "현대 아반떼 (2022, gasoline)"


@pytest.mark.django_db
def test_a_family_relations_certificate_lists_each_tie_under_its_heading(alice: Any) -> None:
    from egov.certificates.services import _rows

    # The family-relation-certificate product's data (registries.public.family_certificate), as released.
    def person(relation: str, name: str, item: str, label: str) -> dict[str, Any]:
        return {"relation": relation, "relation_label": label, "item": item, "name_ko": name,
                "birth_date": "1960-05-05", "identifier": "600505-1******", "died_on": None}

    certificate = {
        "kind": "family", "level": "general", "registration_base": "서울특별시 종로구 청운동 1",
        "subject": person("subject", "김하늘", "", "본인"),
        "people": [person("subject", "김하늘", "", "본인"), person("father", "김민준", "parents", "부"),
                   person("adoptive_mother", "이영희", "parents", "양모"), person("spouse", "박지훈", "spouse", "배우자"),
                   person("child", "김서윤", "children", "자녀")],
        "events": [],
    }
    rows = {row["name"]: row["value"] for row in _rows(
        document_template("family-relations-certificate"),
        {"facts": {"family_relation_certificate": certificate}, "form": {"detail": "general"},
         "applicant": {"name": "김하늘"}, "case": {}},
    )}
    assert rows["detail"] == "일반"
    assert rows["subject"] == "김하늘 (1960-05-05, 600505-1******)"
    assert rows["parents"] == "부 김민준 (1960-05-05, 600505-1******), 양모 이영희 (1960-05-05, 600505-1******)"
    assert rows["spouse"] == "박지훈 (1960-05-05, 600505-1******)"
    assert rows["children"] == "김서윤 (1960-05-05, 600505-1******)"


@pytest.mark.django_db
def test_a_land_register_extract_prints_the_parcel_and_its_owners_masked(alice: Any) -> None:
    from egov.certificates.services import _rows

    parcel = {"pnu": "1111010100100120003", "lot": "12-3", "place": "서울특별시 종로구 청운동", "category": "대",
              "category_label": "대지", "area_m2": "330.58", "registered_on": "2010-05-01",
              "owners": [{"kind": "person", "name": "김하늘", "number_masked": "900101-1******", "share": "2/3",
                          "acquired_on": "2010-05-01"}],
              "prices": [{"year": 2024, "price_per_m2": 5300000}, {"year": 2023, "price_per_m2": 5120000}]}
    rows = {row["name"]: row["value"] for row in _rows(
        document_template("land-register-extract"),
        {"facts": {"land_register": parcel}, "form": {"pnu": parcel["pnu"]}, "applicant": {"name": "김하늘"},
         "case": {"reference": "2026-000044"}},
    )}
    assert (rows["pnu"], rows["parcel"], rows["category"]) == ("1111010100100120003", "서울특별시 종로구 청운동 12-3",
                                                               "대 (대지)")
    assert rows["owners"] == "김하늘 (900101-1******) 2/3, 2010-05-01"
    assert rows["prices"] == "2024: 5300000, 2023: 5120000"

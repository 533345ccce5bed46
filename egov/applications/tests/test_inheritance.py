"""The safe-inheritance inquiry reads the deceased's records, and only for an heir.

Alice (김하늘, 청운효자동) lost her father, 김철수: the register records him as deceased,
with a car and a parcel of land in his name; Alice has a car of her own. Her brother
김하람 died too. Bob, who is no relation, asks about her father; Alice asks about
김영희, who is alive. Each evidence item of the inheritance inquiries names its subject
(``subject: form.deceased_number``): the gate finds that person by number and reads
their records under the Standards for the Integrated Inquiry into the Property of
Deceased Persons, without a consent, once the register shows the applicant is an heir.
"""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings

from egov.applications.models import Application
from egov.applications.services import bundle_submit
from egov.catalogue.public import CatalogueInvalid, load_catalogue, service_definition
from egov.core.access_log import entries_about
from egov.core.errors import ValidationError
from egov.exchange.public import consents_of
from egov.registries.tests.factories import make_resident
from egov.workflow.public import case_get

pytestmark = pytest.mark.django_db

MEMBERS = ["inheritance-vehicle-inquiry", "inheritance-land-inquiry", "inheritance-local-tax-inquiry"]


def _car(owner: Any, plate: str) -> Any:
    return apps.get_model("registries", "Vehicle").objects.create(
        plate_number=plate,
        vin=f"KMHD0000000{plate[-4:]}00",
        make="현대",
        model="쏘나타",
        model_year=2018,
        fuel="gasoline",
        owner_resident=owner,
        use_address="서울특별시 종로구 자하문로 1",
        registered_on=date(2018, 3, 2),
        inspection_due_on=date(2026, 3, 2),
    )


def _parcel(owner: Any, pnu: str) -> Any:
    parcel = apps.get_model("registries", "Parcel").objects.create(
        pnu=pnu,
        legal_dong_code=pnu[:10],
        category="대",
        area_m2=Decimal("120.50"),
        registered_on=date(1990, 1, 1),
    )
    apps.get_model("registries", "ParcelOwnership").objects.create(
        parcel=parcel,
        owner_resident=owner,
        share_numerator=1,
        share_denominator=1,
        acquired_on=date(2001, 5, 1),
    )
    return parcel


@pytest.fixture
def family(offices: Any, alice_resident: Any) -> dict[str, Any]:
    """Alice's late father with his car and land, her late brother, and her own car."""
    father = make_resident(
        name_ko="김철수",
        name_en="KIM CHEOLSU",
        birth_date=date(1955, 4, 1),
        status="deceased",
        died_on=date(2026, 10, 2),
    )
    brother = make_resident(
        name_ko="김하람",
        name_en="KIM HARAM",
        birth_date=date(1988, 2, 3),
        status="deceased",
        died_on=date(2026, 9, 1),
        father=father,
    )
    alice_resident.father = father
    alice_resident.save(update_fields=["father"])
    return {
        "father": father,
        "brother": brother,
        "father_car": _car(father, "11가1111"),
        "father_land": _parcel(father, "1111010100100770000"),
        "alice_car": _car(alice_resident, "22나2222"),
    }


def _inquire(
    applicant: Any, number: str, *, relation: str = "child", key: str = "inherit-1"
) -> list[Application]:
    return bundle_submit(
        applicant=applicant,
        service_id="safe-inheritance-inquiry",
        data={"deceased_number": number, "relation": relation},
        idempotency_key=key,
        by=applicant,
    )


def _reads_about(resident: Any) -> list[str]:
    """The data products read about ``resident`` through the gate, as "Who viewed my data" lists them."""
    return sorted(
        str(e.detail.get("product", "")).split("@")[0]
        for e in entries_about([f"resident:{resident.pk}"], limit=None)
        if e.action == "person.read"
    )


def test_a_child_finds_her_late_fathers_vehicles_and_land_not_her_own(
    family: dict[str, Any], alice: Any, alice_resident: Any
) -> None:
    father = family["father"]
    filed = _inquire(alice, father.identifier)

    assert [a.service_id for a in filed] == MEMBERS
    assert [case.state for case in (case_get(case_id=a.case_id) for a in filed) if case] == ["approved"] * 3
    vehicles, land, tax = filed
    assert [v["plate_number"] for v in vehicles.facts["vehicles"]] == ["11가1111"]
    assert [p["pnu"] for p in land.facts["land"]] == ["1111010100100770000"]
    for application in filed:
        assert application.facts["resident"]["status"] == "deceased"
        assert application.facts["resident"]["name_ko"] == "김철수"
        assert application.facts["family"]["applicant_relation"] == "child"
        assert all(
            item["subject"] == "form.deceased_number" and not item["consent_id"]
            for item in application.evidence
        )
    # The father's records were read, each once for the three inquiries, under the Standards' article;
    # none of Alice's property was, and nobody was asked for a consent the deceased cannot give.
    assert _reads_about(father) == [
        "family-relations",
        "land-ownership",
        "local-tax",
        "resident-registration-extract",
        "vehicle-record",
    ]
    assert all(
        "Deceased Persons, Article 4" in e.legal_basis
        for e in entries_about([f"resident:{father.pk}"])
        if e.action == "person.read"
    )
    assert not {"vehicle-record", "land-ownership"} & set(_reads_about(alice_resident))
    assert consents_of(resident_id=alice_resident.id) == [] and consents_of(resident_id=father.id) == []


def test_a_sibling_is_an_heir_through_a_shared_parent(family: dict[str, Any], alice: Any) -> None:
    filed = _inquire(alice, family["brother"].identifier, relation="sibling")
    assert [a.facts["family"]["applicant_relation"] for a in filed] == ["sibling"] * 3
    assert filed[0].facts["vehicles"] == []


def test_a_stranger_is_refused_and_nothing_about_the_deceased_is_read_beyond_the_check(
    family: dict[str, Any], bob: Any
) -> None:
    bob.resident_id = make_resident(name_ko="박민수", name_en="PARK MINSU").id
    bob.save(update_fields=["resident_id"])

    with pytest.raises(ValidationError) as refused:
        _inquire(bob, family["father"].identifier)

    assert (
        "does not record you as the deceased's spouse, child, parent or sibling"
        in refused.value.field_errors["deceased_number"][0]
    )
    assert Application.objects.count() == 0
    assert "vehicle-record" not in _reads_about(family["father"])
    assert "land-ownership" not in _reads_about(family["father"])


def test_a_living_persons_number_is_refused(family: dict[str, Any], alice: Any) -> None:
    living = make_resident(name_ko="김영희", name_en="KIM YOUNGHEE", birth_date=date(1960, 6, 6), sex="F")

    with pytest.raises(ValidationError) as refused:
        _inquire(alice, living.identifier, relation="parent")

    assert "not recorded as deceased" in refused.value.field_errors["deceased_number"][0]
    assert Application.objects.count() == 0
    assert _reads_about(living) == ["resident-registration-extract"]


def test_a_number_nobody_has_is_refused_on_its_field(family: dict[str, Any], alice: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        _inquire(alice, "500101-1234567")
    assert refused.value.field_errors["deceased_number"] and Application.objects.count() == 0


# ---------------------------------------------------------------- the definitions


@pytest.fixture
def pack_copy(tmp_path: Any, settings: Any) -> Any:
    """A copy of the kr pack used as the country pack, for definitions a test breaks."""
    target = tmp_path / "pack"
    shutil.copytree(
        Path(django_settings.EGOV_COUNTRY_DIR), target, ignore=shutil.ignore_patterns("tools", "*.py")
    )
    settings.EGOV_COUNTRY_DIR = target
    return target / "services"


def _errors() -> list[str]:
    """What loading the pack reports, as ``file:line: reason``."""
    try:
        load_catalogue()
    except CatalogueInvalid as invalid:
        return [f"{Path(error.path).name}:{error.line}: {error.reason}" for error in invalid.errors]
    return []


def test_a_subject_naming_a_field_no_form_declares_is_refused_at_its_line(pack_copy: Any) -> None:
    path = pack_copy / "inheritance-vehicle-inquiry.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("subject: form.deceased_number", "subject: form.deceased", 1), encoding="utf-8"
    )
    line = next(
        n
        for n, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "subject: form.deceased" in row
    )
    assert _errors() == [
        f"inheritance-vehicle-inquiry.yaml:{line}: evidence.0.subject: 'form.deceased' names a "
        "field the form does not declare (nor the form of a bundle listing this service)"
    ]


def test_a_subject_read_without_an_article_is_refused(pack_copy: Any) -> None:
    path = pack_copy / "inheritance-land-inquiry.yaml"
    text = path.read_text(encoding="utf-8")
    article = (
        "    consent_exempt_article: Standards for the Integrated Inquiry into the Property of Deceased Persons, "
        "Article 4\n"
    )
    path.write_text(text.replace(article, "", 1), encoding="utf-8")
    land, bundle = _errors()
    assert (
        land.startswith("inheritance-land-inquiry.yaml:")
        and "evidence.0.subject: a record of someone other "
        "than the applicant is read without their consent: name the consent_exempt_article that allows it"
        in land
    )
    assert (
        bundle.startswith("safe-inheritance-inquiry.yaml:")
        and "'inheritance-land-inquiry' is not a service" in bundle
    )


def test_a_member_may_read_the_person_a_question_of_its_bundle_names(pack_copy: Any) -> None:
    path = pack_copy / "inheritance-local-tax-inquiry.yaml"
    text = path.read_text(encoding="utf-8")
    own_question = text[text.index("form:\n") : text.index("evidence:\n")]
    path.write_text(text.replace(own_question, "").replace("version: 4", "version: 99"), encoding="utf-8")
    assert _errors() == []
    tax = service_definition("inheritance-local-tax-inquiry", 99)
    assert tax.form == () and {item.subject for item in tax.evidence} == {"form.deceased_number"}


def test_a_registration_number_asked_as_plain_text_is_refused(pack_copy: Any) -> None:
    path = pack_copy / "death-report.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(
        "    type: resident_number\n", "    type: text\n    validation: {pattern: '^[0-9]{6}-?[0-9]{7}$'}\n", 1),
        encoding="utf-8")
    problems = _errors()
    assert len(problems) == 1 and problems[0].startswith("death-report.yaml:")
    assert "a registration number is asked with type resident_number, which keeps it encrypted" in problems[0]


def test_an_answer_given_by_a_member_that_cannot_give_it_is_refused(pack_copy: Any) -> None:
    path = pack_copy / "birth-one-stop.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    member: birth-report\n", "    member: child-allowance\n", 1), encoding="utf-8")
    problems = _errors()
    assert any("birth-one-stop.yaml:" in p and "given.0.field: 'child_number' is asked by the bundle or by "
               "child-allowance, which cannot wait for it" in p for p in problems), problems
    assert any("given.0.output: child-allowance has no family.register_birth effect" in p for p in problems), problems

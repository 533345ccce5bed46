"""Family certificates and land documents filed online: the form's answers become the gate's parameters and subject.

Alice (김하늘) asks for her own basic certificate with the rear digits shown, for her
mother's family relation certificate, and — refused on the number she typed — for a
stranger's. She asks 종로구 for the land register extract and the official land price
of 청운동 12-3 by its parcel number; an unknown parcel and a year without a price are
refused on the question that gave them, and nothing is filed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps

from egov.applications.models import Application
from egov.core.errors import ValidationError
from egov.registries.tests.factories import make_resident

pytestmark = pytest.mark.django_db

PNU = "1111010100100120003"  # 청운동 12-3


@pytest.fixture
def court(offices: dict[str, Any]) -> Any:
    """The court administration (법원행정처), which decides the family certificates."""
    organisation, _created = apps.get_model("accounts", "Organisation").objects.get_or_create(
        code="cen-nca", defaults={"name": "법원행정처", "name_en": "National Court Administration", "tree": "central",
                                  "kind": "agency"})
    return organisation


def test_her_own_detailed_basic_certificate_prints_her_full_number_when_she_asks(
    court: Any, alice_resident: Any, submit: Callable[..., Any],
) -> None:
    application = submit("basic-certificate", {"detail": "detailed", "show_rear": True, "copies": 1})
    data = application.facts["basic_certificate"]
    assert (data["level"], data["subject"]["name_ko"]) == ("detailed", "김하늘")
    number = alice_resident.identifier
    assert data["subject"]["identifier"] == f"{number[:6]}-{number[6:]}"  # what the document prints

    masked = submit("basic-certificate", {"detail": "general", "copies": 1}, key="key-2")
    assert masked.facts["basic_certificate"]["subject"]["identifier"] == f"{number[:6]}-{number[6]}******"


def test_her_mothers_family_certificate_is_read_on_her_behalf(
    court: Any, alice_resident: Any, submit: Callable[..., Any],
) -> None:
    mother = make_resident(name_ko="박엄마", sex="F", birth_date=date(1962, 3, 3))
    alice_resident.mother = mother
    alice_resident.save(update_fields=["mother"])
    application = submit("family-relations-certificate", {
        "whose": "family", "subject_number": mother.identifier, "detail": "detailed", "copies": 1})
    data = application.facts["family_relation_certificate"]
    assert data["subject"]["name_ko"] == "박엄마"  # a child born out of wedlock is on the detailed certificate
    assert [p["name_ko"] for p in data["people"] if p["relation"] == "child"] == ["김하늘"]
    assert application.evidence[0]["subject"] == "form.subject_number"


def test_a_strangers_certificate_is_refused_on_the_number_and_nothing_is_filed(
    court: Any, alice_resident: Any, submit: Callable[..., Any],
) -> None:
    stranger = make_resident(name_ko="남남", birth_date=date(1991, 1, 1))
    with pytest.raises(ValidationError) as refused:
        submit("marriage-relations-certificate", {
            "whose": "family", "subject_number": stranger.identifier, "detail": "general", "copies": 1})
    assert "family member the law entitles" in refused.value.field_errors["subject_number"][0]
    assert not Application.objects.exists()


@pytest.fixture
def parcel(offices: dict[str, Any], alice_resident: Any) -> Any:
    """청운동 12-3, Alice's, priced for 2024."""
    apps.get_model("accounts", "LegalDong").objects.get_or_create(code="1111010100", defaults={
        "name": "청운동", "full_name": "서울특별시 종로구 청운동", "level": "emd", "sido_code": "11",
        "sigungu_code": "11110", "emd_code": "11110101"})
    land = apps.get_model("registries", "Parcel").objects.create(
        pnu=PNU, legal_dong_code="1111010100", category="대", area_m2=Decimal("330.58"), registered_on=date(2010, 5, 1))
    apps.get_model("registries", "ParcelOwnership").objects.create(parcel=land, owner_resident_id=alice_resident.id,
                                                                   acquired_on=date(2010, 5, 1))
    apps.get_model("registries", "LandPrice").objects.create(parcel=land, year=2024, price_per_m2=5_300_000)
    return land


def test_a_land_register_extract_is_given_the_registers_facts(parcel: Any, submit: Callable[..., Any]) -> None:
    application = submit("land-register-extract", {"pnu": "1111010100-1-0012-0003", "copies": 1})
    data = application.facts["land_register"]
    assert (data["pnu"], data["lot"], data["category_label"]) == (PNU, "12-3", "Building site")
    assert [(o["name"], o["number_masked"], o["share"]) for o in data["owners"]] == [("김하늘", "900101-1******", "1/1")]
    assert data["prices"] == [{"year": 2024, "price_per_m2": 5_300_000}]
    assert application.form["pnu"] == PNU


@pytest.mark.parametrize(("service", "answers", "field", "message"), [
    ("land-register-extract", {"pnu": "1111010100100990000"}, "pnu", "No parcel on the land register has"),
    ("official-land-price-confirmation", {"pnu": PNU, "year": 2019}, "year",
     "The register holds no official land price for 2019"),
    ("land-use-plan-confirmation", {"pnu": "11110101001001200"}, "pnu", "A parcel number (PNU) has 19 digits."),
])
def test_a_bad_parcel_or_year_is_refused_on_its_question(
    parcel: Any, submit: Callable[..., Any], service: str, answers: dict[str, Any], field: str, message: str,
) -> None:
    with pytest.raises(ValidationError) as refused:
        submit(service, {**answers, "copies": 1} if service != "official-land-price-confirmation" else answers)
    assert message in " ".join(refused.value.field_errors[field])
    assert not Application.objects.exists()


def test_an_official_land_price_is_given_that_years_price(parcel: Any, submit: Callable[..., Any]) -> None:
    application = submit("official-land-price-confirmation", {"pnu": PNU, "year": 2024})
    assert application.facts["official_land_price"]["prices"] == [{"year": 2024, "price_per_m2": 5_300_000}]

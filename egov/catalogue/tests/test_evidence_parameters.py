"""Evidence with parameters and with parcels or buildings as subjects: what the author is told (ADR 0110)."""

from __future__ import annotations

from pathlib import Path

import pytest

from egov.catalogue.loader import load_pack
from egov.catalogue.tests.test_definitions import BROKEN_FORM

PRICE_ARTICLE = "Act on the Public Announcement of Real Estate Values, Article 10"


def errors_of(pack_dir: Path, text: str) -> list[str]:
    (pack_dir / "services" / "broken.yaml").write_text(text, encoding="utf-8")
    return [str(error).partition("broken.yaml:")[2] for error in load_pack().errors]


def with_evidence(evidence: str, *, colour: str = "type: parcel_number") -> str:
    return BROKEN_FORM.replace("type: colour", colour) + "evidence:\n" + evidence


def test_the_kr_packs_certificates_and_land_documents_name_their_subject_and_parameters() -> None:
    pack = load_pack()
    assert not pack.errors
    family = pack.service("family-relations-certificate")
    price = pack.service("official-land-price-confirmation")
    assert family is not None and price is not None
    item = family.definition.evidence[0]
    assert (item.product, item.subject_field) == ("family-relation-certificate", "subject_number")
    assert item.param_fields == {"level": "detail", "items": "item", "show_rear": "show_rear"}
    assert item.param_values({"detail": "specific", "item": "spouse"}) == {"level": "specific", "items": "spouse"}
    assert price.definition.evidence[0].param_values({"pnu": "1111010100100120003", "year": 2024}) == {"year": 2024}


@pytest.mark.parametrize(("evidence", "expected"), [
    (f"  - {{product: official-land-price, purpose: civil_application, subject: form.colour,\n"
     f"     consent_exempt_article: '{PRICE_ARTICLE}', params: {{year: form.colour, month: 5}}}}\n",
     "28: evidence.0.params.month: the data product official-land-price takes no parameter 'month'; it declares: year"),
    (f"  - {{product: official-land-price, purpose: civil_application, subject: form.colour,\n"
     f"     consent_exempt_article: '{PRICE_ARTICLE}', params: {{year: form.age}}}}\n",
     "28: evidence.0.params.year: form.age names a field the form does not declare"),
    (f"  - {{product: land-register, purpose: civil_application, consent_exempt_article: '{PRICE_ARTICLE}'}}\n",
     "27: evidence.0: land-register reads a parcel: name the form field that gives it (subject: form.<field>)"),
    (f"  - {{product: land-register, purpose: civil_application, subject: form.income,\n"
     f"     consent_exempt_article: '{PRICE_ARTICLE}'}}\n",
     "27: evidence.0.subject: 'form.income' is a number field; a parcel is named by a parcel_number field"),
])
def test_parameters_and_subjects_that_do_not_fit_the_product_name_their_line(
    pack_dir: Path, evidence: str, expected: str,
) -> None:
    assert errors_of(pack_dir, with_evidence(evidence)) == [expected]


def test_a_constant_parameter_and_a_building_named_by_its_address_are_accepted(pack_dir: Path) -> None:
    evidence = (f"  - {{product: official-land-price, purpose: civil_application, subject: form.colour,\n"
                f"     consent_exempt_article: '{PRICE_ARTICLE}', params: {{year: 2024}}}}\n"
                "  - {product: building-register, purpose: civil_application, subject: form.site,\n"
                "     consent_exempt_article: 'Building Act, Article 38'}\n")
    text = with_evidence(evidence).replace("form:\n", "form:\n  - {name: site, type: address, label: {ko: 주소, en: Address}}\n")
    assert errors_of(pack_dir, text) == []

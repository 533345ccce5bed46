"""The kr pack's definitions, and what an operator is told when one does not validate."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from egov.catalogue.loader import load_pack
from egov.catalogue.schema import json_schema

REQUIRED = [
    "resident-registration-copy", "resident-registration-extract", "move-in-report", "birth-report", "death-report",
    "marriage-report", "family-relations-certificate", "basic-certificate", "marriage-relations-certificate",
    "adoption-relations-certificate", "full-adoption-relations-certificate", "seal-certificate",
    "vehicle-new-registration", "vehicle-ownership-transfer", "vehicle-deregistration", "land-register-extract",
    "building-register-extract", "official-land-price-confirmation", "business-registration",
    "business-registration-certificate", "local-tax-payment-certificate", "basic-livelihood-security",
    "child-allowance", "water-supply-connection", "road-occupancy-permit", "livestock-farming-permit",
    "fishery-permit", "tree-felling-permit", "civil-defence-training-deferral", "disaster-damage-report",
    "sports-facility-booking", "birth-one-stop", "safe-inheritance-inquiry",
]

BROKEN_FORM = """\
id: broken-service
version: 1
task_area: welfare
name: {ko: 고장난 서비스, en: Broken service}
description: {ko: 설명, en: Description}
competent_organisation: {level: dong}
legal_basis: {act: 법, article: 제1조}
form:
  - name: income
    type: number
    label: {ko: 소득, en: Income}
  - name: colour
    type: colour
    label: {ko: 색, en: Colour}
workflow:
  mode: automatic
  states:
    - {name: submitted, label: {ko: 접수, en: Submitted}}
    - {name: approved, label: {ko: 완료, en: Approved}, final: true}
  initial: submitted
  transitions:
    - {name: approve, from: submitted, to: approved, roles: [system]}
sla: {value: 1, unit: days}
channels:
  - {purpose: general, label: {ko: 일반, en: General}, channel: both}
"""


def test_the_kr_pack_validates_with_at_least_40_services_in_all_21_task_areas() -> None:
    pack = load_pack()
    assert [str(error) for error in pack.errors] == []
    assert len(pack.services) >= 40
    assert len(pack.task_areas) == 21
    assert {loaded.definition.task_area for loaded in pack.services} == {area.slug for area in pack.task_areas}


def test_the_kr_pack_has_every_service_the_issue_names_and_12_that_change_registries() -> None:
    pack = load_pack()
    ids = {loaded.definition.id for loaded in pack.services}
    assert set(REQUIRED) <= ids
    assert sum(1 for loaded in pack.services if loaded.definition.effects) >= 12


def test_the_bundles_list_their_member_services() -> None:
    pack = load_pack()
    birth = pack.service("birth-one-stop")
    inheritance = pack.service("safe-inheritance-inquiry")
    assert birth is not None and inheritance is not None
    assert birth.definition.members == ("birth-report", "child-allowance", "parental-benefit")
    assert inheritance.definition.kind == "bundle" and len(inheritance.definition.members) == 3


def test_a_seal_certificate_for_selling_real_estate_is_issued_at_the_counter_only() -> None:
    seal = load_pack().service("seal-certificate")
    assert seal is not None
    channels = {channel.purpose: channel.channel for channel in seal.definition.channels}
    assert channels == {"general": "both", "real_estate_sale": "counter", "vehicle_sale": "counter"}
    assert not seal.definition.fully_online


def test_a_broken_definition_is_reported_with_its_file_line_and_reason(pack_dir: Path) -> None:
    (pack_dir / "services" / "broken.yaml").write_text(BROKEN_FORM, encoding="utf-8")
    errors = [str(error) for error in load_pack().errors]
    assert len(errors) == 1
    assert errors[0].startswith(f"{pack_dir / 'services' / 'broken.yaml'}:13: form.1.type: Input should be 'text'")


@pytest.mark.django_db
def test_egov_check_fails_with_the_file_line_and_reason(pack_dir: Path) -> None:
    (pack_dir / "services" / "broken.yaml").write_text(BROKEN_FORM, encoding="utf-8")
    with pytest.raises(SystemCheckError) as failure:
        call_command("check", stdout=StringIO(), stderr=StringIO())
    assert "broken.yaml:13: form.1.type" in str(failure.value)


def test_a_rule_reading_an_undeclared_field_names_its_line(pack_dir: Path) -> None:
    text = BROKEN_FORM.replace("type: colour", "type: text\n    show_if: form.salary > 0")
    (pack_dir / "services" / "broken.yaml").write_text(text, encoding="utf-8")
    errors = [str(error) for error in load_pack().errors]
    assert errors == [f"{pack_dir / 'services' / 'broken.yaml'}:14: form.1.show_if: "
                      "reads form.salary, which the form does not declare"]


def test_an_unknown_task_area_and_data_product_are_refused_with_what_the_pack_declares(pack_dir: Path) -> None:
    text = BROKEN_FORM.replace("type: colour", "type: text").replace("task_area: welfare", "task_area: welfare-ish")
    text += "evidence:\n  - {product: tax-returns, purpose: civil_application}\n"
    (pack_dir / "services" / "broken.yaml").write_text(text, encoding="utf-8")
    errors = [str(error) for error in load_pack().errors]
    assert any(":3: task_area: Value error, unknown task area 'welfare-ish'" in error for error in errors)
    assert any(":27: evidence.0.product: Value error, unknown data product 'tax-returns'" in error for error in errors)


def test_invalid_yaml_is_reported_at_its_line(pack_dir: Path) -> None:
    (pack_dir / "services" / "broken.yaml").write_text("id: x\nname: {ko: a\nversion: 1\n", encoding="utf-8")
    errors = [str(error) for error in load_pack().errors]
    assert len(errors) == 1 and "broken.yaml:" in errors[0] and "not valid YAML" in errors[0]


def test_two_services_disagreeing_on_a_consent_exemption_are_refused(pack_dir: Path) -> None:
    move_in = (pack_dir / "services" / "move-in-report.yaml").read_text(encoding="utf-8")
    copy = move_in.replace("id: move-in-report", "id: move-in-report-copy").replace(
        "    consent_exempt_article: Resident Registration Act, Article 30\n", "")
    (pack_dir / "services" / "zz-copy.yaml").write_text(copy, encoding="utf-8")
    errors = [str(error) for error in load_pack().errors]
    assert len(errors) == 1 and "zz-copy.yaml" in errors[0] and "must agree" in errors[0]


def test_the_published_json_schema_is_in_step_with_the_code() -> None:
    published = Path(settings.BASE_DIR) / "docs" / "service-definition.schema.json"
    assert json.loads(published.read_text(encoding="utf-8")) == json_schema(), (
        "regenerate it: egov catalogue schema --out docs/service-definition.schema.json")


def test_catalogue_list_prints_every_task_area_and_at_least_40_services() -> None:
    out = StringIO()
    call_command("catalogue", "list", stdout=out)
    text = out.getvalue()
    pack = load_pack()
    assert all(area.slug in text for area in pack.task_areas)
    assert len(re.findall(r"@\d+ ", text)) >= 40  # each service with its version
    assert "move-in-report@1" in text

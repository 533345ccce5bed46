"""Definitions stored by version: a case keeps the version it started under."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from egov.catalogue import public as catalogue
from egov.catalogue.models import ServiceDefinitionVersion
from egov.core.errors import NotFound

pytestmark = pytest.mark.django_db


def test_loading_stores_each_version_once() -> None:
    first = catalogue.load_catalogue()
    assert first["stored"] == first["services"] >= 40
    assert catalogue.load_catalogue()["stored"] == 0
    row = ServiceDefinitionVersion.objects.get(service_id="move-in-report", version=1)
    assert len(row.content_hash) == 64 and row.content["name"]["ko"] == "전입신고"


def test_a_stored_definition_comes_back_frozen() -> None:
    catalogue.load_catalogue()
    definition = catalogue.service_definition("move-in-report")
    assert definition.version == 1 and definition.workflow is not None
    assert definition.workflow.assign_to == "form.new_address"
    assert [effect.name for effect in definition.effects] == [
        "resident.move_in", "household.move_in", "vehicle.change_address"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        definition.version = 2  # type: ignore[misc]


def test_a_case_keeps_its_version_when_the_pack_bumps_it(pack_dir: Path) -> None:
    catalogue.load_catalogue()
    path = pack_dir / "services" / "child-allowance.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("version: 2", "version: 3").replace(
        "A monthly allowance of 100,000 won", "A monthly allowance of 110,000 won"), encoding="utf-8")
    assert catalogue.load_catalogue()["stored"] == 1
    assert "110,000" in catalogue.service_definition("child-allowance").description.en
    assert "100,000" in catalogue.service_definition("child-allowance", 2).description.en


def test_a_changed_definition_with_the_same_version_is_refused(pack_dir: Path) -> None:
    catalogue.load_catalogue()
    path = pack_dir / "services" / "child-allowance.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("100,000 won", "120,000 won"), encoding="utf-8")
    with pytest.raises(catalogue.CatalogueInvalid) as refused:
        catalogue.load_catalogue()
    assert "child-allowance.yaml:4: version: child-allowance version 2 is already stored" in refused.value.message
    assert "100,000" in catalogue.service_definition("child-allowance").description.en


def test_an_unknown_service_or_version_is_not_found() -> None:
    catalogue.load_catalogue()
    with pytest.raises(NotFound):
        catalogue.service_definition("no-such-service")
    with pytest.raises(NotFound):
        catalogue.service_definition("move-in-report", 99)


def test_evidence_needs_still_seed_the_gate_from_the_definitions() -> None:
    needs = [need for need in catalogue.evidence_needs() if need.service_id == "move-in-report"]
    assert [(need.product, need.purpose) for need in needs] == [
        ("resident-registration-extract", "civil_application"), ("vehicle-record", "civil_application")]
    # The dong offices, and the si/gun/gu standing in for a dong the pack has no office for.
    assert needs[0].consumers == ("kind:dong", "kind:eup", "kind:myeon", "standin:dong")
    assert needs[0].consent_exempt_article == "Resident Registration Act, Article 30"


def test_rules_of_a_definition_are_evaluated_without_running_code() -> None:
    assert catalogue.rule_holds("form.movers == 'some_members'", form={"movers": "some_members"}, facts={})
    assert not catalogue.rule_holds("facts.child.age_months < 96", form={}, facts={})
    assert catalogue.rule_holds("form.x in ['a', 'b'] and not facts.r.flag", form={"x": "a"}, facts={"r": {"flag": False}})
    with pytest.raises(ValueError):
        catalogue.rule_holds("__import__('os').system('true')", form={}, facts={})

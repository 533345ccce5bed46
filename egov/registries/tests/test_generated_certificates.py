"""A generated person's family relation certificates agree with their generated family events, as of past dates."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest

from egov.registries.family_certificates import family_certificate_data
from egov.registries.generate import generate_country
from egov.registries.importer import registries_import

pytestmark = pytest.mark.django_db


def read(directory: Path, table: str) -> list[dict[str, str]]:
    with (directory / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def country(tmp_path: Path) -> Path:
    generate_country(residents=600, seed=11, out=tmp_path)
    registries_import(directory=tmp_path)
    return tmp_path


def day(text: str) -> date:
    return date.fromisoformat(text)


def people(certificate: object, relation: str) -> set[str]:
    return {str(p.resident_id) for p in certificate.people if p.relation == relation}  # type: ignore[attr-defined]


def test_a_divorced_persons_marriage_certificate_follows_the_marriage_and_the_divorce(country: Path) -> None:
    divorces = [m for m in read(country, "marriages") if m["end_reason"] == "divorce"]
    assert divorces, "the generated country has divorces"
    marriage = divorces[0]
    subject, spouse = marriage["spouse_a_id"], marriage["spouse_b_id"]
    married, divorced = day(marriage["married_on"]), day(marriage["ended_on"])

    before = family_certificate_data(subject_id=subject, kind="marriage", level="general",
                                     as_of=married - timedelta(days=1))
    during = family_certificate_data(subject_id=subject, kind="marriage", level="general",
                                     as_of=married + (divorced - married) / 2)
    after = family_certificate_data(subject_id=subject, kind="marriage", level="detailed",
                                    as_of=divorced + timedelta(days=1))

    assert spouse not in people(before, "spouse")
    assert people(during, "spouse") == {spouse}
    assert spouse not in people(after, "spouse")
    facts = [(e.kind, e.on) for e in after.events if e.kind in ("marriage", "divorce")]
    assert ("marriage", married) in facts and ("divorce", divorced) in facts
    # The general certificate after the divorce states no earlier marriage.
    general_after = family_certificate_data(subject_id=subject, kind="marriage", level="general",
                                            as_of=divorced + timedelta(days=1))
    assert not [e for e in general_after.events if e.kind == "divorce"]


def test_a_parents_family_certificate_lists_each_child_from_its_birth_on(country: Path) -> None:
    residents = read(country, "residents")
    children: dict[str, list[dict[str, str]]] = {}
    for row in residents:
        if row["mother_id"] and row["status"] == "living":
            children.setdefault(row["mother_id"], []).append(row)
    mother, kids = max(children.items(), key=lambda item: len(item[1]))
    kids.sort(key=lambda row: row["birth_date"])
    youngest = kids[-1]
    born = day(youngest["birth_date"])

    before_birth = family_certificate_data(subject_id=mother, kind="family", level="detailed",
                                           as_of=born - timedelta(days=1))
    after_birth = family_certificate_data(subject_id=mother, kind="family", level="detailed",
                                          as_of=born + timedelta(days=1))

    assert youngest["id"] not in people(before_birth, "child")
    assert youngest["id"] in people(after_birth, "child")
    older = {row["id"] for row in kids if day(row["birth_date"]) < born}
    assert older <= people(before_birth, "child")
    # The rear digits of resident numbers stay masked unless the applicant asks for them.
    assert all(p.identifier.endswith("******") for p in after_birth.people)

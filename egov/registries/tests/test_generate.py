"""``egov registries generate``: a synthetic country that is the same for the same seed, valid, and plausible."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from egov.registries import identifiers, rules
from egov.registries.generate import DEFAULT_AS_OF, generate_country
from egov.registries.generate.places import known_legal_codes, load_country
from egov.registries.importer import CSV_COLUMNS


def digests(directory: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(directory.glob("*.csv"))}


def rows(directory: Path, table: str) -> list[dict[str, str]]:
    with (directory / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("country")
    generate_country(residents=1500, seed=11, out=directory)
    return directory


def test_the_same_seed_gives_byte_identical_files_and_another_seed_other_files(tmp_path: Path) -> None:
    generate_country(residents=300, seed=7, out=tmp_path / "first")
    generate_country(residents=300, seed=7, out=tmp_path / "second")
    generate_country(residents=300, seed=8, out=tmp_path / "other")

    first, second, other = digests(tmp_path / "first"), digests(tmp_path / "second"), digests(tmp_path / "other")
    assert set(first) == {f"{table}.csv" for table in CSV_COLUMNS}
    assert first == second
    assert first["residents.csv"] != other["residents.csv"]


def test_it_writes_exactly_the_residents_asked_for_in_the_documented_columns(country: Path) -> None:
    for table, columns in CSV_COLUMNS.items():
        with (country / f"{table}.csv").open(encoding="utf-8") as handle:
            assert next(csv.reader(handle)) == list(columns)
    residents = rows(country, "residents")
    households = rows(country, "households")
    assert len(residents) == 1500
    assert len({r["id"] for r in residents}) == 1500
    living = [r for r in residents if r["status"] == "living"]
    # About 2.1 people per household, as on the resident register, and about half a car per person.
    assert 1.8 < len(living) / len(households) < 2.6
    assert 0.35 < len(rows(country, "vehicles")) / len(residents) < 0.7
    assert rows(country, "parcels") and rows(country, "buildings") and rows(country, "businesses")


def test_every_identifier_is_valid_and_unique(country: Path) -> None:
    residents = rows(country, "residents")
    numbers = Counter(r["identifier"] for r in residents)
    assert numbers.most_common(1)[0][1] == 1
    for resident in residents:
        issued = date.fromisoformat(resident["identifier_issued_on"])
        identifiers.check_person_number(
            resident["identifier"], issued_on=issued, birth_date=date.fromisoformat(resident["birth_date"]),
            sex=resident["sex"], foreign=resident["identifier_type"] == "frn",
        )
    for business in rows(country, "businesses"):
        identifiers.check_business_number(business["registration_number"])
    vehicles = rows(country, "vehicles")
    assert len({v["plate_number"] for v in vehicles}) == len({v["vin"] for v in vehicles}) == len(vehicles)
    for vehicle in vehicles:
        identifiers.check_plate_number(vehicle["plate_number"])
        assert identifiers.check_vin(vehicle["vin"]).warning == ""
    codes = known_legal_codes()
    parcels = rows(country, "parcels")
    assert len({p["pnu"] for p in parcels}) == len(parcels)
    for parcel in parcels:
        assert identifiers.check_pnu(parcel["pnu"])[:10] == parcel["legal_dong_code"]
        assert parcel["legal_dong_code"] in codes


def test_families_have_dates_that_agree(country: Path) -> None:
    residents = {r["id"]: r for r in rows(country, "residents")}
    born = {key: date.fromisoformat(r["birth_date"]) for key, r in residents.items()}
    died = {key: date.fromisoformat(r["died_on"]) if r["died_on"] else None for key, r in residents.items()}
    order = {key: index for index, key in enumerate(residents)}
    linked = 0
    for key, resident in residents.items():
        for column, is_father in (("father_id", True), ("mother_id", False)):
            parent = resident[column]
            if not parent:
                continue
            linked += 1
            # Every parent is written before the child or lives with them (so the import finds them),
            # is of the right sex, and is 18 to 50 years older.
            same_home = resident["household_id"] and residents[parent]["household_id"] == resident["household_id"]
            assert same_home or order[parent] < order[key]
            assert residents[parent]["sex"] == ("M" if is_father else "F")
            assert 18 <= rules.age_on(born[parent], born[key]) <= 50
            rules.check_parent(parent_birth_date=born[parent], child_birth_date=born[key],
                               parent_died_on=died[parent], father=is_father)
        if died[key] is not None:
            assert born[key] <= died[key] <= DEFAULT_AS_OF
    assert linked > len(residents) / 3
    generations = 0
    for resident in residents.values():
        father = residents.get(resident["father_id"])
        if father and (father["father_id"] or father["mother_id"]):
            generations += 1
    assert generations > 0, "some families span three generations"
    for marriage in rows(country, "marriages"):
        married = date.fromisoformat(marriage["married_on"])
        for spouse in (marriage["spouse_a_id"], marriage["spouse_b_id"]):
            rules.check_marriage(birth_date=born[spouse], married_on=married, died_on=died[spouse])
        if marriage["end_reason"] == "death":
            assert marriage["ended_on"] in {str(died[marriage["spouse_a_id"]]), str(died[marriage["spouse_b_id"]])}


def test_households_are_placed_in_the_packs_administrative_dongs_by_population(country: Path) -> None:
    places = load_country(str(settings.EGOV_COUNTRY_DIR))
    admin_codes = {place.admin_dong_code: place for place in places.places}
    households = rows(country, "households")
    for household in households:
        place = admin_codes[household["admin_dong_code"]]
        assert household["legal_dong_code"] in {legal.code for legal in place.legal}
        assert household["sido"] == place.sido
    provinces = Counter(h["legal_dong_code"][:2] for h in households)
    # Gyeonggi-do (41) and Seoul (11) hold the most people; every household has a head among its members.
    assert provinces.most_common(2)[0][0] in {"41", "11"}
    members = Counter(r["household_id"] for r in rows(country, "residents") if r["household_id"])
    heads = {r["id"]: r["household_id"] for r in rows(country, "residents") if r["household_relation"] == "head"}
    for household in households:
        assert members[household["id"]] >= 1
        assert heads[household["head_id"]] == household["id"]


def test_the_command_writes_the_files_and_prints_what_it_wrote(tmp_path: Path) -> None:
    out = StringIO()
    with translation.override("en"):
        call_command("registries", "generate", "--residents", "120", "--seed", "3", "--out", str(tmp_path / "made"),
                     stdout=out)
    text = out.getvalue()
    assert "Generated 120 residents (seed 3)" in text
    assert f"egov registries import {tmp_path / 'made'}" in text
    assert len(rows(tmp_path / "made", "residents")) == 120

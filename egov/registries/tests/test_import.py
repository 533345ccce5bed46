"""``egov registries import``: generated files load whole; bad rows are refused by line; an interrupted import resumes."""

from __future__ import annotations

import csv
import shutil
import uuid
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from egov.registries.generate import generate_country
from egov.registries.importer import CSV_COLUMNS, ProgressInfo, registries_import
from egov.registries.models import (
    Building,
    BuildingOwnership,
    Business,
    CauseKind,
    Encumbrance,
    Household,
    LandPrice,
    Marriage,
    Parcel,
    ParcelOwnership,
    RegistryEvent,
    Resident,
    Vehicle,
)
from egov.registries.models.family import Adoption

MODELS = {
    "households": Household, "residents": Resident, "marriages": Marriage, "adoptions": Adoption,
    "businesses": Business, "vehicles": Vehicle, "encumbrances": Encumbrance, "parcels": Parcel,
    "parcel_ownerships": ParcelOwnership, "land_prices": LandPrice, "buildings": Building,
    "building_ownerships": BuildingOwnership,
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("generated")
    generate_country(residents=400, seed=5, out=directory)
    return directory


@pytest.fixture
def files(generated: Path, tmp_path: Path) -> Path:
    """A private copy of the generated files (an import writes its rejects beside them)."""
    return Path(shutil.copytree(generated, tmp_path / "files"))


def read(directory: Path, table: str) -> list[dict[str, str]]:
    with (directory / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write(directory: Path, table: str, rows: list[dict[str, str]]) -> None:
    with (directory / f"{table}.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS[table], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def line_counts(directory: Path) -> dict[str, int]:
    return {table: len(read(directory, table)) for table in CSV_COLUMNS}


def import_command(directory: Path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        call_command("registries", "import", str(directory), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def printed_counts(output: str) -> dict[str, tuple[int, int]]:
    """The table of counts the command prints: table → (loaded, rejected)."""
    counts = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 5 and parts[2] == "loaded" and parts[4] == "rejected":
            counts[parts[0]] = (int(parts[1]), int(parts[3]))
    return counts


@pytest.mark.django_db
def test_generated_files_load_whole_and_the_printed_counts_are_what_the_register_holds(files: Path) -> None:
    output, errors = import_command(files)

    counts = printed_counts(output)
    expected = line_counts(files)
    for table, model in MODELS.items():
        assert counts[table] == (expected[table], 0)
        assert model.objects.count() == expected[table]
    assert counts["total"] == (sum(expected.values()), 0)
    assert "rejected" not in errors.replace(" 0 rejected", "")
    assert not (files / "rejects").exists() or not any((files / "rejects").iterdir())


@pytest.mark.django_db
def test_every_imported_row_points_to_the_one_import_event(files: Path) -> None:
    report = registries_import(directory=files)

    event = RegistryEvent.objects.get(kind="registry.imported")
    assert event.id == report.event_id
    assert (event.entity_type, event.entity_id, event.cause_kind) == ("import", report.batch_id, CauseKind.IMPORT)
    for table, model in MODELS.items():
        if table != "land_prices":  # a land price has no source event of its own
            assert set(model.objects.values_list("source_event_id", flat=True)) <= {event.id}, table
    assert Resident.objects.filter(source_event=event).count() == len(read(files, "residents"))
    # Identifiers are encrypted at rest and found by their blind index.
    number = read(files, "residents")[0]["identifier"]
    resident = Resident.objects.get(id=read(files, "residents")[0]["id"])
    assert resident.identifier == number
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT identifier FROM registries_resident WHERE id = %s",
                       [resident.id.hex if connection.vendor == "sqlite" else resident.id])
        stored = cursor.fetchone()[0]
    assert number not in stored and stored.startswith("v1.")


def _lonely_children(directory: Path) -> list[dict[str, str]]:
    """Children born before October 2020 whom no other row refers to (so refusing them refuses nothing else)."""
    referred = set()
    for table in CSV_COLUMNS:
        for row in read(directory, table):
            referred.update(value for column, value in row.items() if column.endswith("_id") and value)
    return [r for r in read(directory, "residents")
            if r["household_relation"] == "child" and r["id"] not in referred and r["birth_date"] < "2020-09-01"]


@pytest.mark.django_db
def test_a_file_with_broken_rows_loads_the_good_rows_and_reports_each_bad_one_by_file_and_line(files: Path) -> None:
    residents = read(files, "residents")
    index = {r["id"]: i for i, r in enumerate(residents)}
    bad_number, dead_before_birth, dangling, duplicated = (residents[index[r["id"]]] for r in _lonely_children(files)[:4])
    bad_number["identifier"] = bad_number["identifier"][:12] + str((int(bad_number["identifier"][12]) + 1) % 10)
    dead_before_birth.update(status="deceased", died_on=str(date.fromisoformat(dead_before_birth["birth_date"])
                                                            - timedelta(days=1)))
    dangling["household_id"] = str(uuid.uuid4())
    copy = {**duplicated, "id": str(uuid.uuid4())}
    residents.insert(index[duplicated["id"]] + 1, copy)
    write(files, "residents", residents)
    lines = {r["id"]: i + 2 for i, r in enumerate(residents)}  # line 1 is the header
    parcels = read(files, "parcels")
    priced = {p["parcel_id"] for p in read(files, "land_prices")}
    broken_parcel = next(p for p in parcels if p["id"] in priced)
    broken_parcel["pnu"] = broken_parcel["pnu"][:10] + "3" + broken_parcel["pnu"][11:]
    write(files, "parcels", parcels)
    parcel_line = parcels.index(broken_parcel) + 2

    output, errors = import_command(files)

    assert f"residents.csv:{lines[bad_number['id']]}: identifier: The registration number's check digit is wrong" in errors
    assert f"residents.csv:{lines[dead_before_birth['id']]}: died_on: The date of death is before the date of birth." in errors
    assert f"residents.csv:{lines[dangling['id']]}: household_id: Household {dangling['household_id']}" in errors
    assert (f"residents.csv:{lines[copy['id']]}: identifier: The same value is on line "
            f"{lines[duplicated['id']]} of this file.") in errors
    assert f"parcels.csv:{parcel_line}: pnu: The eleventh digit of a parcel number is 1 (land) or 2 (mountain)." in errors
    # What refers to a refused row is refused too: the broken parcel's prices, buildings and owners.
    assert f"It refers to line {parcel_line} of parcels.csv, which was rejected." in errors

    counts = printed_counts(output)
    assert counts["residents"] == (len(residents) - 4, 4)
    assert Resident.objects.count() == len(residents) - 4
    assert not Resident.objects.filter(id__in=[bad_number["id"], dead_before_birth["id"], dangling["id"], copy["id"]])
    assert Resident.objects.filter(id=duplicated["id"]).exists()
    assert not Parcel.objects.filter(id=broken_parcel["id"]).exists()
    assert not LandPrice.objects.filter(parcel_id=broken_parcel["id"]).exists()
    for table, model in MODELS.items():
        assert model.objects.count() == counts[table][0], table

    rejected = read(files / "rejects", "residents")
    assert {(r["id"], r["reject_line"], r["reject_field"]) for r in rejected} == {
        (bad_number["id"], str(lines[bad_number["id"]]), "identifier"),
        (dead_before_birth["id"], str(lines[dead_before_birth["id"]]), "died_on"),
        (dangling["id"], str(lines[dangling["id"]]), "household_id"),
        (copy["id"], str(lines[copy["id"]]), "identifier"),
    }
    assert all(r["reject_reason"] for r in rejected)


@pytest.mark.django_db
def test_an_interrupted_import_resumes_where_it_stopped_without_loading_anything_twice(files: Path) -> None:
    seen: list[ProgressInfo] = []

    def interrupt(info: ProgressInfo) -> None:
        seen.append(info)
        if len(seen) == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        registries_import(directory=files, chunk_rows=60, progress=interrupt)
    partly = Resident.objects.count()
    assert 0 < partly < len(read(files, "residents"))

    report = registries_import(directory=files, chunk_rows=60)

    expected = line_counts(files)
    assert report.resumed
    assert {table: report.loaded[table] for table in expected} == expected and report.total_rejected == 0
    for table, model in MODELS.items():
        assert model.objects.count() == expected[table], table
    assert RegistryEvent.objects.filter(kind="registry.imported").count() == 1

    again = registries_import(directory=files)
    assert again.already_done and again.total_loaded == sum(expected.values())
    assert Resident.objects.count() == expected["residents"]


@pytest.mark.django_db
def test_a_file_with_a_wrong_header_stops_the_import_before_anything_is_written(files: Path) -> None:
    text = (files / "vehicles.csv").read_text(encoding="utf-8").replace("plate_number", "plate", 1)
    (files / "vehicles.csv").write_text(text, encoding="utf-8")

    with pytest.raises(Exception, match="vehicles.csv line 1: the header does not match the format"):
        with translation.override("en"):
            call_command("registries", "import", str(files), stdout=StringIO(), stderr=StringIO())
    assert not Resident.objects.exists()
    assert not RegistryEvent.objects.filter(kind="registry.imported").exists()


@pytest.mark.django_db
def test_worker_processes_check_rows_as_the_writer_would(files: Path) -> None:
    residents = read(files, "residents")
    lonely = _lonely_children(files)[0]["id"]
    child = next(r for r in residents if r["id"] == lonely)
    child["sex"] = "F" if child["sex"] == "M" else "M"  # the seventh digit no longer matches
    write(files, "residents", residents)

    report = registries_import(directory=files, workers=1)

    assert report.rejected["residents"] == 1
    assert report.loaded["residents"] == len(residents) - 1
    assert Resident.objects.count() == len(residents) - 1


@pytest.mark.django_db
def test_generate_without_a_directory_loads_the_population_into_the_database() -> None:
    out = StringIO()
    with translation.override("en"):
        call_command("registries", "generate", "--residents", "150", "--seed", "9", stdout=out, stderr=StringIO())

    assert Resident.objects.count() == 150
    assert printed_counts(out.getvalue())["residents"] == (150, 0)


def test_the_format_has_every_column_of_the_models() -> None:
    for table, model in MODELS.items():
        columns = {f.attname for f in model._meta.concrete_fields} - {"source_event_id", "identifier_index"}
        if table == "land_prices":
            columns -= {"id"}  # the database numbers land prices
        assert set(CSV_COLUMNS[table]) == columns, table


@pytest.mark.committed
def test_outside_a_transaction_the_writer_thread_commits_chunks_refuses_late_repeats_and_resumes(
    committed_db: str, generated: Path, tmp_path: Path,
) -> None:
    files = Path(shutil.copytree(generated, tmp_path / "files"))
    residents = read(files, "residents")
    households = read(files, "households")
    # A copy of an early child, registered again in one of the last households: the two
    # rows are in different chunks, so the database, not the chunk check, finds the repeat.
    child = next(r for r in residents if r["household_relation"] == "child" and r["birth_date"] < "2020-09-01")
    last_home = households[-1]["id"]
    copy = {**child, "id": str(uuid.uuid4()), "household_id": last_home, "father_id": "", "mother_id": ""}
    residents.append(copy)
    write(files, "residents", residents)
    # A vehicle whose owner is on no register: the database's foreign key refuses its chunk.
    vehicles = read(files, "vehicles")
    stray = next(v for v in vehicles if v["owner_resident_id"])
    stray["owner_resident_id"] = str(uuid.uuid4())
    write(files, "vehicles", vehicles)
    calls: list[ProgressInfo] = []

    def interrupt(info: ProgressInfo) -> None:
        calls.append(info)
        if len(calls) == 3:
            raise KeyboardInterrupt

    with translation.override("en"):
        with pytest.raises(KeyboardInterrupt):
            registries_import(directory=files, chunk_rows=80, progress=interrupt)
        report = registries_import(directory=files, chunk_rows=80)

    expected = line_counts(files)
    assert report.resumed
    assert report.rejected["residents"] == 1 and report.loaded["residents"] == expected["residents"] - 1
    assert Resident.objects.count() == expected["residents"] - 1
    assert not Resident.objects.filter(id=copy["id"]).exists()
    refused = read(files / "rejects", "residents")
    assert [(r["id"], r["reject_field"], r["reject_reason"]) for r in refused] == [
        (copy["id"], "identifier", "This registration number is on the register already.")]
    assert not Vehicle.objects.filter(id=stray["id"]).exists()
    assert [(r["id"], r["reject_field"]) for r in read(files / "rejects", "vehicles")] == [
        (stray["id"], "owner_resident_id")]
    assert f"There is no such record in residents ({stray['owner_resident_id']})." in read(
        files / "rejects", "vehicles")[0]["reject_reason"]
    for table, model in MODELS.items():
        if table not in ("residents", "vehicles", "encumbrances"):
            assert model.objects.count() == expected[table], table

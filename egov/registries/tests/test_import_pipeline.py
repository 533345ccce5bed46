"""The bulk import's fast paths give what the plain ones give: the same rows, lines, refusals and ciphertexts."""

from __future__ import annotations

import base64
import csv
import shutil
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.utils import translation

from egov.core.crypto import decrypt
from egov.registries.generate import generate_country
from egov.registries.importer import CSV_COLUMNS, registries_import
from egov.registries.models import Parcel, ParcelOwnership, Resident, Vehicle
from egov.registries.models.residents import EMAIL_CONTEXT, IDENTIFIER_CONTEXT, PHONE_CONTEXT


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("generated")
    generate_country(residents=300, seed=11, out=directory)
    return directory


@pytest.fixture
def files(generated: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(generated, tmp_path / "files"))


def read(directory: Path, table: str) -> list[dict[str, str]]:
    with (directory / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def rejects(directory: Path, table: str) -> list[dict[str, str]]:
    path = directory / "rejects" / f"{table}.csv"
    return read(directory / "rejects", table) if path.exists() else []


@pytest.mark.django_db
def test_blank_lines_between_residents_do_not_shift_the_lines_that_bad_rows_are_reported_on(files: Path) -> None:
    path = files / "residents.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    referred = {value for table in CSV_COLUMNS for row in read(files, table)
                for column, value in row.items() if column.endswith("_id") and value}
    # A blank line after the header and another in the middle; then a bad date of birth
    # further on, on a child no other row refers to.
    middle = len(lines) // 2
    bad_at = next(i for i in range(middle + 1, len(lines))
                  if (row := next(csv.reader([lines[i]])))[0] not in referred and row[12] == "child")
    header_and_rows = lines[:1] + ["\n"] + lines[1:middle] + ["\n"] + lines[middle:]
    bad_index = bad_at + 2  # the two blank lines come before it
    fields = next(csv.reader([header_and_rows[bad_index]]))
    columns = CSV_COLUMNS["residents"]
    fields[columns.index("birth_date")] = "1800-13-01"
    header_and_rows[bad_index] = ",".join(fields) + "\n"
    path.write_text("".join(header_and_rows), encoding="utf-8")

    with translation.override("en"):
        report = registries_import(directory=files, chunk_rows=40)

    refused = rejects(files, "residents")
    assert [(r["id"], r["reject_line"], r["reject_field"]) for r in refused] == [
        (fields[0], str(bad_index + 1), "birth_date")]
    assert report.rejected["residents"] == 1
    assert not Resident.objects.filter(id=fields[0]).exists()


@pytest.mark.django_db
def test_with_a_worker_and_small_chunks_a_refused_parcel_refuses_what_later_tables_say_about_it(files: Path) -> None:
    parcels = read(files, "parcels")
    owned = {o["parcel_id"] for o in read(files, "parcel_ownerships")}
    broken = next(p for p in parcels if p["id"] in owned)
    broken["category"] = "X"
    with (files / "parcels.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS["parcels"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(parcels)
    expected = {table: len(read(files, table)) for table in CSV_COLUMNS}

    with translation.override("en"):
        report = registries_import(directory=files, chunk_rows=50, workers=1)

    assert report.rejected["parcels"] == 1
    assert not Parcel.objects.filter(id=broken["id"]).exists()
    assert not ParcelOwnership.objects.filter(parcel_id=broken["id"]).exists()
    line = str(parcels.index(broken) + 2)
    assert {r["reject_reason"] for r in rejects(files, "parcel_ownerships")} == {
        f"It refers to line {line} of parcels.csv, which was rejected."}
    assert report.loaded["vehicles"] == expected["vehicles"] == Vehicle.objects.count()
    for table in CSV_COLUMNS:
        assert report.loaded[table] + report.rejected[table] == expected[table], table


@pytest.mark.django_db
def test_imported_numbers_phones_and_emails_decrypt_to_the_file_and_no_two_share_a_nonce(files: Path) -> None:
    residents = {r["id"]: r for r in read(files, "residents")}

    registries_import(directory=files)

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, identifier, phone, email FROM registries_resident")
        stored = cursor.fetchall()
    assert len(stored) == len(residents)
    nonces = set()
    for row_id, identifier, phone, email in stored:
        source = residents[str(uuid.UUID(str(row_id)))]
        assert decrypt(identifier, context=IDENTIFIER_CONTEXT) == source["identifier"].replace("-", "")
        assert (decrypt(phone, context=PHONE_CONTEXT) if phone else "") == source["phone"]
        assert (decrypt(email, context=EMAIL_CONTEXT) if email else "") == source["email"]
        for token in (identifier, phone, email):
            if token:
                body = token.split(".", 2)[2]
                nonces.add(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))[:12])
    assert len(nonces) == sum(1 for row in stored for token in row[1:] if token)


"""The generator's CSV files: one per table, in the columns of docs/registries-data.md.

Rows are written as they are made, so nothing accumulates; the files are opened with
a fixed line ending and encoding so that the same seed gives the same bytes on any
machine.
"""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path
from typing import IO, Any

from egov.registries.importer.rows import CSV_COLUMNS


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class CsvOutput:
    """Writers for every table of the format; ``row(table, **columns)`` appends one row."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.counts: Counter[str] = Counter()
        self._handles: dict[str, IO[str]] = {}
        self._writers: dict[str, Any] = {}
        for table, columns in CSV_COLUMNS.items():
            handle = (directory / f"{table}.csv").open("w", encoding="utf-8", newline="")
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            self._handles[table] = handle
            self._writers[table] = writer

    def row(self, table: str, **values: Any) -> None:
        columns = CSV_COLUMNS[table]
        if len(values) != len(columns):
            missing = set(columns) ^ set(values)
            raise ValueError(f"{table}: columns {sorted(missing)} missing or unknown")
        self._writers[table].writerow([cell(values[name]) for name in columns])
        self.counts[table] += 1

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()

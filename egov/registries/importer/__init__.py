"""``egov registries import DIR``: bulk load of the registries' CSV files (docs/registries-data.md).

What it promises:

- Every row is checked as a service would check it (identifiers.py, rules.py, the
  models' choices and lengths, references to rows that exist) and either loads or is
  rejected with its file, line, field and reason, written to ``DIR/rejects/<table>.csv``
  (the row as it was, plus ``reject_line``, ``reject_field`` and ``reject_reason``, so
  a corrected reject file can be imported again). A row that refers to a rejected row
  is rejected too, so nothing dangles.
- Nothing is half-written: each chunk of rows commits in one transaction together with
  its line in the progress ledger (ledger.py), so an interrupted import resumes after
  the last committed chunk (run the same command again) without loading anything twice.
- It is fast: PostgreSQL loads with COPY, SQLite with ``executemany`` in large
  transactions; households and their residents are read side by side, so that a
  household is written with its head in the same transaction and never updated.
- One ``RegistryEvent`` (``registry.imported``, cause ``import``, entity ``import:<batch>``)
  stands for the whole import, and every imported row's ``source_event`` points at it.

Identifiers arrive in clear (the CSV files are personal data of the highest grade);
the importer encrypts resident numbers, phones and e-mail addresses and computes the
blind index on the way in.

Modules: rows.py (the format and each row's own checks), sources.py (reading files
with byte offsets), ledger.py (progress), engine.py (chunks, references, writing), checking.py (rows checked ahead, in worker processes), references.py (checks of a row against the rows it names),
worker.py (the worker processes' entry point).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from egov.registries.importer.engine import ImportFailed, ImportReport, ProgressInfo, registries_import
    from egov.registries.importer.rows import CSV_COLUMNS, STEPS, Reject
    from egov.registries.importer.sources import ImportFormatError

# Loaded on first use (PEP 562), so that the worker processes can import
# egov.registries.importer.worker before Django is set up.
_EXPORTS = {
    "ImportFailed": "engine", "ImportReport": "engine", "ProgressInfo": "engine", "registries_import": "engine",
    "CSV_COLUMNS": "rows", "STEPS": "rows", "Reject": "rows", "ImportFormatError": "sources",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(name)
    from importlib import import_module

    return getattr(import_module(f"egov.registries.importer.{module}"), name)


__all__ = [
    "CSV_COLUMNS",
    "STEPS",
    "ImportFailed",
    "ImportFormatError",
    "ImportReport",
    "ProgressInfo",
    "Reject",
    "registries_import",
]

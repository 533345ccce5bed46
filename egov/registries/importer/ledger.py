"""The import's progress ledger: one row per committed chunk, written in the chunk's own transaction.

A chunk's rows and its ledger row commit together, so the ledger says exactly what is
in the database: after an interruption the import starts again after the last chunk
the ledger holds, with the files' byte offsets and the reject files' lengths recorded
there. The table is the model ``ImportLedgerEntry``'s, made by a migration; plain SQL
keeps the writes cheap. A batch is found again by the fingerprint of its files.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection

TABLE = "registries_import_ledger"
BATCH_STEP = "batch"
DONE_STEP = "done"


def fingerprint(files: dict[str, Path]) -> str:
    """Names, sizes and the first and last 64 KiB of every file: the same files give the same batch."""
    digest = hashlib.sha256()
    for table, path in files.items():
        size = path.stat().st_size
        digest.update(f"{table}\0{size}\0".encode())
        with path.open("rb") as handle:
            digest.update(handle.read(65536))
            if size > 65536:
                handle.seek(max(65536, size - 65536))
                digest.update(handle.read())
    return digest.hexdigest()


@dataclass
class Batch:
    id: str
    event_id: str
    done: bool


def find_batch(print_: str) -> Batch | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT batch_id, state FROM {TABLE} WHERE step = %s", [BATCH_STEP])  # noqa: S608
        candidates = [(batch_id, json.loads(state)) for batch_id, state in cursor.fetchall()]
        for batch_id, state in candidates:
            if state.get("fingerprint") != print_:
                continue
            cursor.execute(f"SELECT 1 FROM {TABLE} WHERE batch_id = %s AND step = %s",  # noqa: S608
                           [batch_id, DONE_STEP])
            return Batch(id=batch_id, event_id=state["event_id"], done=cursor.fetchone() is not None)
    return None


def record(batch_id: str, step: str, chunk: int, state: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (batch_id, step, chunk, state) VALUES (%s, %s, %s, %s)",  # noqa: S608
                       [batch_id, step, chunk, json.dumps(state, sort_keys=True)])


def chunks(batch_id: str) -> list[tuple[str, int, dict[str, Any]]]:
    """Every chunk of the batch, in the order they committed within each step."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT step, chunk, state FROM {TABLE} WHERE batch_id = %s ORDER BY step, chunk",  # noqa: S608
                       [batch_id])
        return [(step, chunk, json.loads(state)) for step, chunk, state in cursor.fetchall()]

"""Checking rows ahead of the writer: in worker processes, or in this process when there are none.

Worker processes are started fresh (``spawn``, see ``worker.py``) and import this
module, not the engine: they parse and check the lines of a chunk
(:func:`prepare_chunk`) in the context the main process gives them.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from django.utils.translation import get_language

from egov.registries.importer import worker
from egov.registries.importer.rows import CSV_COLUMNS, ID, Context, Row, RowError, prepare
from egov.registries.importer.sources import Layout, RawLine, block_lines, parse


class Inline:
    """A finished job: the result of work done in this process (no worker processes)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def result(self) -> Any:
        return self.value


class CheckingPool:
    """Worker processes that check chunks ahead of the writer (none: checks run in this process)."""

    def __init__(self, workers: int, ctx: Context, *, check_while_starting: bool = True) -> None:
        set_context(ctx)
        self.executor: ProcessPoolExecutor | None = None
        self.ready: Future[None] | None = None
        self.depth = 0
        if workers > 0:
            self.executor = ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=worker.start,
                initargs=(os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"), get_language() or "en",
                          ctx.today, ctx.vendor, ctx.event_id),
            )
            # A fresh worker takes a second or two to set Django up; the first chunks
            # are checked here meanwhile rather than waited for.
            self.ready = self.executor.submit(worker.ready) if check_while_starting else None
            self.depth = workers + 1

    def submit(self, groups: list[tuple[str, Any, Layout]]) -> Any:
        if self.executor is None or (self.ready is not None and not self.ready.done()):
            return Inline(prepare_chunk(groups))
        return self.executor.submit(worker.prepare_chunk, groups)

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)


# Collections of the youngest generation are put off until this many objects were
# made: a chunk makes hundreds of thousands of small tuples and lists (its rows, and
# in the main process their unpickled copies) that live until the chunk is written.
# With Python's default (700) each of them was looked at by the collector several
# times on its way to the oldest generation, which cost as much as checking the rows.
# The rows hold no reference cycles; the collector still runs, only less often.
GC_YOUNG_OBJECTS = 1_000_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect the youngest generation only every :data:`GC_YOUNG_OBJECTS` objects while the block runs."""
    before = gc.get_threshold()
    if before[0]:
        gc.set_threshold(max(before[0], GC_YOUNG_OBJECTS), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


_CONTEXT: Context | None = None


def set_context(ctx: Context) -> None:
    """The context :func:`prepare_chunk` checks rows in (set in each worker when it starts)."""
    global _CONTEXT
    _CONTEXT = ctx


def prepare_chunk(groups: list[tuple[str, list[RawLine], Layout]]) -> list[tuple[str, Any]]:
    """Parse and check the lines of one chunk: rows, the rows' own faults, and every id seen (with its line)."""
    ctx = _CONTEXT
    assert ctx is not None
    results = []
    for table, source, layout in groups:
        lines = block_lines(*source) if isinstance(source, tuple) else source
        rows: list[Row] = []
        own: dict[int, tuple[str, str]] = {}
        ids: dict[str, int] = {}
        has_id = CSV_COLUMNS[table][0] == "id"
        for number, data in lines:
            fields, _raw, error = parse(data, layout)
            if fields is None:
                own[number] = ("", error)
                continue
            try:
                row = prepare(table, fields, number, ctx)
            except RowError as problem:
                own[number] = (problem.field, problem.message)
                if has_id:
                    key = fields[0].lower()
                    ids.setdefault(key.replace("-", "") if ctx.hex_ids else key, number)
                continue
            rows.append(row)
            if has_id:
                # The row's own id (the same string, so it travels back to the main process once).
                ids.setdefault(row[ID], number)
        results.append((table, (rows, own, ids)))
    return results

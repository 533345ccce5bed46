"""Checking rows ahead of the writer: in worker processes, or in this process when there are none.

Worker processes are started fresh (``spawn``, see ``worker.py``) and import this
module, not the engine: they parse and check the lines of a chunk
(:func:`prepare_chunk`) in the context the main process gives them.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from django.utils.translation import get_language

from egov.registries.importer import worker
from egov.registries.importer.rows import CSV_COLUMNS, Context, Row, RowError, prepare
from egov.registries.importer.sources import Layout, RawLine, block_lines, parse


class Inline:
    """A finished job: the result of work done in this process (no worker processes)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def result(self) -> Any:
        return self.value


class CheckingPool:
    """Worker processes that check chunks ahead of the writer (none: checks run in this process)."""

    def __init__(self, workers: int, ctx: Context) -> None:
        set_context(ctx)
        self.executor: ProcessPoolExecutor | None = None
        self.depth = 0
        if workers > 0:
            self.executor = ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=worker.start,
                initargs=(os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"), get_language() or "en",
                          ctx.today, ctx.vendor, ctx.event_id),
            )
            self.depth = workers + 1

    def submit(self, groups: list[tuple[str, Any, Layout]]) -> Any:
        if self.executor is None:
            return Inline(prepare_chunk(groups))
        return self.executor.submit(worker.prepare_chunk, groups)

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)


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
            if has_id:
                key = fields[0].lower()
                ids.setdefault(key.replace("-", "") if ctx.hex_ids else key, number)
            try:
                rows.append(prepare(table, fields, number, ctx))
            except RowError as problem:
                own[number] = (problem.field, problem.message)
        results.append((table, (rows, own, ids)))
    return results

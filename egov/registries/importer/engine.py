"""The import itself: read a chunk, check it against itself and the register, write it, commit, repeat."""

from __future__ import annotations

import csv
import os
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from django.db import IntegrityError, connection, transaction
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from egov.core import clock
from egov.core.audit import audit_append
from egov.registries import rules
from egov.registries.generate.places import known_legal_codes
from egov.registries.importer import ledger
from egov.registries.importer.checking import CheckingPool, Inline, fewer_collections
from egov.registries.importer.references import ROW_CHECKS, Recent, ordinal, repeated_message, shown_key
from egov.registries.importer.rows import (
    CACHE_ROWS,
    CHUNK_ROWS,
    CSV_COLUMNS,
    ID,
    INFO,
    LINE,
    MODELS,
    REFS,
    REJECT_COLUMNS,
    STEPS,
    UNIQUE_COLUMNS,
    VALUES,
    Context,
    Reject,
    Row,
    db_columns,
)
from egov.registries.importer.sources import (
    ImportFormatError,
    Source,
    as_block,
    block_lines,
    parse,
    read_header,
)
from egov.registries.models import CauseKind, Registry, RegistryEvent

Progress = Callable[["ProgressInfo"], None]
# A chunk on its way: (step, number, groups of (table, lines) or None at the end of the step,
# positions in the files after it, the files' layouts).
_Flight = tuple[str, int, list[tuple[str, Any]] | None, dict[str, list[int]], dict[str, Any]]
_row_id = itemgetter(ID)
_row_info = itemgetter(INFO)
RESIDENT_INFO = ("birth_date", "died_on", "sex")
REFERENCED = ("households", "residents", "businesses", "vehicles", "parcels", "buildings")
SQLITE_IMPORT_CACHE_KIB = 131_072  # 128 MiB of SQLite page cache while importing
SQLITE_IMPORT_CHECKPOINT_PAGES = 262_144  # 1 GiB of write-ahead log between checkpoints while importing



@dataclass
class ProgressInfo:
    done_bytes: int
    total_bytes: int
    loaded: int
    rejected: int


@dataclass
class ImportReport:
    batch_id: uuid.UUID
    event_id: uuid.UUID
    loaded: Counter[str]
    rejected: Counter[str]
    resumed: bool = False
    already_done: bool = False
    seconds: float = 0.0

    @property
    def total_loaded(self) -> int:
        return sum(self.loaded.values())

    @property
    def total_rejected(self) -> int:
        return sum(self.rejected.values())


class ImportFailed(Exception):
    """The database refused a chunk for a reason the checks did not foresee; nothing of the chunk was written."""


@dataclass
class _Pending:
    """A chunk of one table: rows that passed their own checks, and rejects so far (line → (field, reason))."""

    table: str
    source: Any  # the lines as read: a list of (number, bytes), or a block (number before it, bytes)
    rows: list[Row]
    own: dict[int, tuple[str, str]]  # the rows' own faults
    rejects: dict[int, tuple[str, str]]  # those and what the chunk checks found
    ids: dict[str, int]  # every id in the chunk (bad rows' too) → line


@dataclass
class _Chunk:
    """One transaction's worth: a chunk of one step, where it ends in the files, and what it wrote."""

    step: str
    number: int
    groups: list[_Pending]
    positions: dict[str, list[int]]
    complete: bool
    state: dict[str, Any] = field(default_factory=dict)
    written: list[Reject] = field(default_factory=list)


def _accepted(pending: _Pending) -> list[Row]:
    """The rows of a chunk that are not rejected (so far)."""
    rejects = pending.rejects
    return [r for r in pending.rows if r[LINE] not in rejects] if rejects else pending.rows


def _by_id(rows: list[Row]) -> dict[str, Row]:
    return dict(zip(map(_row_id, rows), rows, strict=True))


def _close_connection() -> None:
    """Close this thread's database connection (``connection`` is per thread)."""
    connection.close()


class _Writer:
    """Where chunks are written: a thread of its own with its own database connection, so
    that checking the next chunk goes on while the database writes this one; or, inside
    the caller's transaction (where all writes must stay), this thread."""

    def __init__(self, *, threaded: bool, start: Callable[[], Callable[[], None]]) -> None:
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="registries-import-writer") \
            if threaded else None
        if self.executor is not None:
            # The language is the thread's: reasons written by the writer read as this thread's do.
            self.executor.submit(translation.activate, get_language() or "en").result()
        self.finish = self.submit(start).result()

    def submit(self, function: Callable[..., Any], *args: Any) -> Any:
        if self.executor is None:
            return Inline(function(*args))
        return self.executor.submit(function, *args)

    def close(self) -> None:
        try:
            self.submit(self.finish).result()
        finally:
            if self.executor is not None:
                self.executor.submit(_close_connection).result()
                self.executor.shutdown(wait=True)


class Importer:
    def __init__(self, *, directory: Path, chunk_rows: int = CHUNK_ROWS, progress: Progress | None = None,
                 on_reject: Callable[[Reject], None] | None = None, workers: int | None = None) -> None:
        self.directory = Path(directory)
        self.workers = workers
        self.chunk_rows = max(2, chunk_rows)
        self.progress = progress
        self.on_reject = on_reject
        self.files = {t: self.directory / f"{t}.csv" for t in CSV_COLUMNS if (self.directory / f"{t}.csv").is_file()}
        self.vendor = connection.vendor
        self.ctx = Context(today=clock.today(), legal_codes=frozenset())
        self.loaded: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        # Only the tables other rows refer to are remembered.
        self.cache: dict[str, Recent] = {t: Recent() for t in REFERENCED}
        self.rejected_ids: dict[str, Recent] = {t: Recent(CACHE_ROWS // 10) for t in REFERENCED}
        self.reject_files: dict[str, IO[str]] = {}
        self.total_bytes = sum(p.stat().st_size for p in self.files.values())
        self.done_bytes: dict[str, int] = {}
        self.batch_id = ""
        self.event_id = ""
        self.columns = {t: db_columns(t) for t in CSV_COLUMNS}

    # --- the run ---------------------------------------------------------------------------

    def run(self) -> ImportReport:
        started = time.monotonic()
        if not self.files:
            raise ImportFormatError(_("%(dir)s holds none of the files of the format (households.csv, residents.csv, …).")
                                    % {"dir": self.directory})
        # Every header is checked before anything is written.
        self.layouts = {table: read_header(path, table)[0] for table, path in self.files.items()}
        fingerprint = ledger.fingerprint(self.files)
        batch = ledger.find_batch(fingerprint)
        resumed = batch is not None
        if batch is not None and batch.done:
            self._restore_counts(batch.id)
            return ImportReport(uuid.UUID(batch.id), uuid.UUID(batch.event_id), self.loaded, self.rejected,
                                resumed=True, already_done=True)
        if batch is None:
            self._start(fingerprint)
        else:
            self.batch_id, self.event_id = batch.id, batch.event_id
        states = self._restore(resume=resumed)
        self.ctx = Context(today=clock.today(), legal_codes=known_legal_codes(), vendor=self.vendor,
                           event_id=self.event_id)
        with fewer_collections():
            self._load(states)
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # Planner statistics for the rows just loaded: until autovacuum's analyze comes round,
            # PostgreSQL plans look-ups as if the registers were still their old size (whole-table
            # reads of households for a person's family: bench-apply halved).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        return ImportReport(uuid.UUID(self.batch_id), uuid.UUID(self.event_id), self.loaded, self.rejected,
                            resumed=resumed, seconds=time.monotonic() - started)

    def _load(self, states: dict[str, tuple[int, dict[str, Any]]]) -> None:
        # Workers asked for by number check every chunk (none is checked here while they start).
        pool = CheckingPool(self._workers(), self.ctx, check_while_starting=self.workers is None)
        self.own_transactions = not connection.in_atomic_block
        self.writer = _Writer(threaded=self.own_transactions, start=self._sqlite_settings)
        try:
            self._pipeline(self._chunks(states), pool)
            with transaction.atomic():
                ledger.record(self.batch_id, ledger.DONE_STEP, 0, {"finished_at": clock.now().isoformat()})
                audit_append(action="registries.import.finished", actor="system:registries-import",
                             actor_label="egov registries import", object_ref=f"import:{self.batch_id}",
                             detail={"loaded": dict(self.loaded), "rejected": dict(self.rejected)})
        finally:
            pool.close()
            self.writer.close()
            for handle in self.reject_files.values():
                handle.close()

    def _sqlite_settings(self) -> Callable[[], None]:
        """On SQLite, settings for a bulk load; returns what puts the previous ones back.

        A page cache of SQLITE_IMPORT_CACHE_KIB (the indexes of random UUIDs touch pages
        all over the file), and checkpoints of the write-ahead log only every
        SQLITE_IMPORT_CHECKPOINT_PAGES: with a commit per chunk, the default (1,000
        pages) would copy the same index pages back into the database after every chunk.
        The log is checkpointed once at the end.
        """
        if self.vendor != "sqlite":
            return lambda: None
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            cache = cursor.fetchone()[0]
            cursor.execute("PRAGMA wal_autocheckpoint")
            checkpoint = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA cache_size = -{int(SQLITE_IMPORT_CACHE_KIB)}")
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(SQLITE_IMPORT_CHECKPOINT_PAGES)}")

        def restore() -> None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(cache)}")
                cursor.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint)}")
                if not connection.in_atomic_block:
                    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")

        return restore

    def _workers(self) -> int:
        """Worker processes that check rows while this one writes: none for small imports (not worth a fork)."""
        if self.workers is not None:
            return max(0, self.workers)
        if self.total_bytes < 4_000_000:
            return 0
        # One process writes; the others check. With two CPUs, one worker keeps both busy.
        return max(1, min(4, (os.cpu_count() or 2) - 1))

    def _start(self, fingerprint: str) -> None:
        self.batch_id = str(uuid.uuid4())
        sizes = {f"{t}.csv": p.stat().st_size for t, p in self.files.items()}
        with transaction.atomic():
            event = RegistryEvent.objects.create(
                registry=Registry.RESIDENTS, kind="registry.imported", entity_type="import",
                entity_id=uuid.UUID(self.batch_id), effective_on=clock.today(),
                after={"source": self.directory.name, "files": sizes}, cause_kind=CauseKind.IMPORT,
                cause_ref=f"import:{self.batch_id}", reason=f"egov registries import {self.directory.name}",
            )
            self.event_id = str(event.id)
            ledger.record(self.batch_id, ledger.BATCH_STEP, 0, {"fingerprint": fingerprint, "event_id": self.event_id,
                                                                "source": self.directory.name})
            audit_append(action="registries.import.started", actor="system:registries-import",
                         actor_label="egov registries import", object_ref=f"import:{self.batch_id}",
                         detail={"source": self.directory.name, "files": sizes, "event": self.event_id})

    def _restore_counts(self, batch_id: str) -> dict[str, tuple[int, dict[str, Any]]]:
        last: dict[str, tuple[int, dict[str, Any]]] = {}
        for step, chunk, state in ledger.chunks(batch_id):
            self.loaded.update(state.get("loaded", {}))
            self.rejected.update(state.get("rejected", {}))
            if step not in (ledger.BATCH_STEP, ledger.DONE_STEP):
                last[step] = (chunk, state)
        return last

    def _restore(self, *, resume: bool) -> dict[str, tuple[int, dict[str, Any]]]:
        """Counts and positions from the ledger; reject files cut back to what committed chunks wrote."""
        last = self._restore_counts(self.batch_id) if resume else {}
        offsets: dict[str, int] = {}
        for _chunk, state in last.values():
            offsets.update(state.get("rejects", {}))
            for table, position in state.get("files", {}).items():
                self.done_bytes[table] = position[0]
        directory = self.directory / "rejects"
        for table in self.files:
            path = directory / f"{table}.csv"
            if path.exists():
                keep = offsets.get(table, 0)
                if keep:
                    with path.open("r+b") as handle:
                        handle.truncate(keep)
                else:
                    path.unlink()
        return last

    # --- reading chunks --------------------------------------------------------------------------

    def _chunks(self, states: dict[str, tuple[int, dict[str, Any]]]) -> Iterator[_Flight]:
        """Every step's chunks in load order, each step closed by its end (``groups`` None)."""
        for step in STEPS:
            if not any(t in self.files for t in step):
                continue
            name = "+".join(step)
            last = states.get(name)
            if last is not None and last[1].get("complete"):
                continue
            sources = self._open(step, last)
            layouts = {t: s.layout for t, s in sources.items()}
            number = last[0] + 1 if last else 0
            try:
                reader = self._population(sources) if step == ("households", "residents") else self._table(sources)
                for groups, positions in reader:
                    yield name, number, groups, positions, layouts
                    number += 1
                yield name, number, None, {t: [s.offset, s.line] for t, s in sources.items()}, layouts
            finally:
                for source in sources.values():
                    source.close()

    def _population(self, sources: dict[str, Source]) -> Iterator[tuple[list[tuple[str, Any]], dict[str, list[int]]]]:
        """Households and residents side by side: each chunk holds households and the residents listed with them."""
        households, residents = sources.get("households"), sources.get("residents")
        while True:
            house_lines = households.read(max(1, self.chunk_rows // 2)) if households else []
            following = households.peek() if households else None
            next_id = households.field(following, "id") if households and following else None
            limit = self.chunk_rows * 4 if house_lines else self.chunk_rows
            # The first resident of the next chunk's first household ends this chunk.
            resident_lines = residents.read_until("household_id", next_id, limit) if residents else []
            if not house_lines and not resident_lines:
                return
            yield ([("households", as_block(house_lines)), ("residents", as_block(resident_lines))],
                   {t: [s.offset, s.line] for t, s in sources.items()})

    def _table(self, sources: dict[str, Source]) -> Iterator[tuple[list[tuple[str, Any]], dict[str, list[int]]]]:
        [(table, source)] = sources.items()
        while block := source.read_block(self.chunk_rows):
            yield [(table, block)], {table: [source.offset, source.line]}

    def _pipeline(self, chunks: Iterator[_Flight], pool: CheckingPool) -> None:
        """Three stages at once, in file order: worker processes check chunks ahead, this
        thread checks each chunk against the register, and the writer thread writes the
        chunk before it.

        The steps follow each other without a pause: the worker checks the first chunks
        of a table while the last of the table before are checked here and written. A
        chunk is checked here only after every chunk before it (the rows it may refer
        to are remembered by then), and the writer commits them in order.
        """
        in_flight: deque[tuple[_Flight, Any]] = deque()
        writing: tuple[_Chunk, Any] | None = None
        try:
            for flight in chunks:
                _step, _number, groups, _positions, layouts = flight
                job = None if groups is None else pool.submit([(t, lines, layouts[t]) for t, lines in groups
                                                               if t in layouts])
                in_flight.append((flight, job))
                if len(in_flight) > pool.depth:
                    writing = self._land(*in_flight.popleft(), writing)
            while in_flight:
                writing = self._land(*in_flight.popleft(), writing)
            if writing is not None:
                self._settle(*writing, follower=None)
                writing = None
        finally:
            if isinstance(chunks, Generator):
                chunks.close()
            if writing is not None:  # interrupted: let the chunk being written finish or roll back
                try:
                    writing[1].result()
                except Exception:  # noqa: S110 - the interruption is what the caller hears about
                    pass

    def _land(self, flight: _Flight, job: Any, writing: tuple[_Chunk, Any] | None) -> tuple[_Chunk, Any]:
        """Check a prepared chunk while the previous one is written, then hand it to the writer.

        The end of a step is a chunk without rows that records the step complete.
        """
        step, number, groups, positions, _layouts = flight
        pendings = []
        if groups is not None:
            prepared = {table: result for table, result in job.result()}
            for table, lines in groups:
                if table not in prepared:
                    continue
                rows, own, ids = prepared[table]
                pendings.append(_Pending(table, lines, rows, own, dict(own), ids))
        chunk = _Chunk(step, number, pendings, positions, complete=groups is None)
        self._check(chunk, {})
        if writing is not None:
            self._settle(*writing, follower=chunk)
        self._remember(chunk)
        return chunk, self.writer.submit(self._store, chunk, True)

    def _settle(self, chunk: _Chunk, job: Any, *, follower: _Chunk | None) -> None:
        """Wait until the writer has committed ``chunk``; if it had to refuse more rows than
        this thread's check did (repeated unique values), check the next chunk again."""
        checked = {p.table: dict(p.rejects) for p in chunk.groups}
        job.result()
        if any(p.rejects != checked[p.table] for p in chunk.groups):
            self._forget(chunk)
            self._remember(chunk)
            if follower is not None:
                self._check(follower, {})
        self._after(chunk)

    def _open(self, tables: tuple[str, ...], last: tuple[int, dict[str, Any]] | None) -> dict[str, Source]:
        positions = last[1].get("files", {}) if last else {}
        sources = {}
        for table in tables:
            if table in self.files:
                offset, line = positions.get(table, (None, 1))
                sources[table] = Source(self.files[table], table, offset=offset, line=line)
        return sources

    # --- checking a chunk against itself and the register -------------------------------------------

    def _lookup(self, table: str, ids: set[str]) -> dict[str, Any]:
        """Rows of ``table`` on the register already: from the recent cache, else from the database."""
        found: dict[str, Any] = {}
        cache = self.cache[table]
        missing = []
        for key in ids:
            value = cache.get(key)
            if value is not None:
                found[key] = value
            else:
                missing.append(key)
        if missing:
            found.update(self._select(table, missing))
        return found

    def _select(self, table: str, ids: list[str]) -> dict[str, Any]:
        """The rows of ``table`` with these ids in the database (residents: their ``info``, others: True)."""
        db_table = MODELS[table]._meta.db_table
        columns = f"id, {', '.join(RESIDENT_INFO)}" if table == "residents" else "id"
        found: dict[str, Any] = {}
        with connection.cursor() as cursor:
            for start in range(0, len(ids), 500):
                batch = ids[start:start + 500]
                if self.vendor == "postgresql":
                    cursor.execute(f'SELECT {columns} FROM "{db_table}" WHERE id = ANY(%s::uuid[])',  # noqa: S608
                                   [batch])
                else:
                    marks = ", ".join(["%s"] * len(batch))
                    cursor.execute(f'SELECT {columns} FROM "{db_table}" WHERE id IN ({marks})', batch)  # noqa: S608
                for row in cursor.fetchall():
                    if table == "residents":
                        birth, died = ordinal(row[1]), ordinal(row[2]) if row[2] else 0
                        found[str(row[0])] = (birth, died, row[3])
                    else:
                        found[str(row[0])] = True
        return found

    def _resolve(self, groups: list[_Pending], *, thorough: bool = False) -> None:
        """Reject rows whose references are missing, rejected or impossible, until nothing changes.

        Unique values are left to the database: a chunk it refuses is looked at again
        (:meth:`_duplicates`), which keeps this path, taken by every row, short. So is
        the existence of what rows of a single table refer to when nothing else about
        the referenced row matters (a vehicle's owner, a price's parcel): the foreign
        keys make the database refuse a chunk with a dangling reference, and the chunk
        is then checked ``thorough``-ly, each reference looked up, and written again.
        Only references to rows refused recently are caught on the way (to say which
        line they name).
        """
        by_table = {p.table: p for p in groups}
        local_ids = {p.table: p.ids for p in groups}
        checks = {p.table: ROW_CHECKS.get(p.table) for p in groups}
        # Inside a caller's transaction the foreign keys are checked only when it commits,
        # too late to refuse a row: there every reference is looked up.
        trusting = (not thorough and self.own_transactions and len(groups) == 1
                    and checks[groups[0].table] is None)
        # What the chunk refers to outside itself, looked up once.
        outside: dict[str, set[str]] = {}
        for pending in groups:
            for row in pending.rows:
                for _field, target, target_id in row[REFS]:
                    if target_id not in local_ids.get(target, ()):
                        outside.setdefault(target, set()).add(target_id)
        if trusting:
            register = {target: {i: True for i in ids if self.rejected_ids[target].get(i) is None}
                        if self.rejected_ids[target] else dict.fromkeys(ids, True)
                        for target, ids in outside.items()}
        else:
            register = {target: self._lookup(target, ids) for target, ids in outside.items()}
        # Tables whose rows need nothing but their references to exist: one pass of set
        # arithmetic finds the missing ones, and only rows that name one are looked at.
        suspects: dict[str, set[str] | None] = {}
        for pending in groups:
            if checks[pending.table] is not None or len(groups) > 1:
                suspects[pending.table] = None  # every row is checked
                continue
            missing: set[str] = set()
            for target, ids in outside.items():
                missing.update(ids - register[target].keys())
            suspects[pending.table] = missing
        changed = True
        while changed:
            changed = False
            accepted = {p.table: _by_id(_accepted(p)) for p in groups if p.table in ("households", "residents")}
            for pending in groups:
                check = checks[pending.table]
                rejects = pending.rejects
                missing_ids = suspects[pending.table]
                if missing_ids is not None and not missing_ids:
                    continue
                for row in pending.rows:
                    refs = row[REFS]
                    if not refs and check is None:
                        continue
                    if missing_ids is not None and not any(ref[2] in missing_ids for ref in refs):
                        continue
                    if row[LINE] in rejects:
                        continue
                    problem = self._check_row(row, check, accepted, local_ids, register, by_table)
                    if problem is not None:
                        rejects[row[LINE]] = problem
                        changed = True

    def _target(self, target: str, target_id: str, accepted: dict[str, dict[str, Row]],
                local: dict[str, dict[str, int]], register: dict[str, dict[str, Any]],
                by_table: dict[str, _Pending]) -> tuple[Any, str | None]:
        """(what the referenced row tells, None) or (None, why the reference fails)."""
        in_chunk = local.get(target)
        if in_chunk is not None and target_id in in_chunk:
            pending = by_table[target]
            line = in_chunk[target_id]
            if line not in pending.rejects:
                row = accepted[target].get(target_id) if target in accepted else None
                return (row[INFO] if row is not None else True), None
            return None, _("It refers to line %(line)d of %(file)s.csv, which is rejected.") % {
                "line": line, "file": target}
        info = register.get(target, {}).get(target_id)
        if info is not None:
            return info, None
        rejected = self.rejected_ids[target].get(target_id) if target in self.rejected_ids else None
        if rejected is not None:
            return None, _("It refers to line %(line)d of %(file)s.csv, which was rejected.") % {
                "line": rejected, "file": target}
        if target == "households" and "households" in by_table:
            return None, _("Household %(id)s is not loaded before this line: residents.csv lists each household's "
                           "members right after the members of the household before it, in the order of "
                           "households.csv.") % {"id": shown_key(target_id)}
        return None, _("There is no such record in %(file)s (%(id)s).") % {"file": target, "id": shown_key(target_id)}

    def _check_row(self, row: Row, check: Any, accepted: dict[str, dict[str, Row]], local: dict[str, dict[str, int]],
                   register: dict[str, dict[str, Any]], by_table: dict[str, _Pending]) -> tuple[str, str] | None:
        infos: dict[str, Any] = {}
        for field_name, target, target_id in row[REFS]:
            # What _target finds, its two usual cases inline (every row of a chunk comes here).
            in_chunk = local.get(target)
            line = in_chunk.get(target_id) if in_chunk is not None else None
            if line is not None and line not in by_table[target].rejects:
                found = accepted[target].get(target_id) if target in accepted else None
                infos[field_name] = found[INFO] if found is not None else True
                continue
            if line is None:
                info = register[target].get(target_id) if target in register else None
                if info is not None:
                    infos[field_name] = info
                    continue
            info, problem = self._target(target, target_id, accepted, local, register, by_table)
            if problem is not None:
                return field_name, problem
            infos[field_name] = info
        if check is None:
            return None
        try:
            return check(row, infos, accepted)  # type: ignore[no-any-return]
        except rules.RuleError as error:
            return "", str(error)

    # --- writing a chunk ------------------------------------------------------------------------------

    def _check(self, chunk: _Chunk, duplicates: dict[tuple[str, int], tuple[str, str]], *,
               thorough: bool = False) -> None:
        """The chunk's rejects: the rows' own faults, repeated values found, and what the references say."""
        for pending in chunk.groups:
            pending.rejects = dict(pending.own)
            pending.rejects.update({line: why for (table, line), why in duplicates.items() if table == pending.table})
        self._resolve(chunk.groups, thorough=thorough)

    def _store(self, chunk: _Chunk, checked: bool) -> None:
        """Write one chunk and its ledger row in one transaction (in the writer thread).

        When the database refuses the chunk (a unique value repeated, a reference to a
        row that is not there), the rows at fault are found, rejected, and the chunk is
        written again.
        """
        duplicates: dict[tuple[str, int], tuple[str, str]] = {}
        marks = {p.table: self._reject_offset(p.table) for p in chunk.groups}
        refused = (IntegrityError, connection.Database.IntegrityError)  # type: ignore[attr-defined]
        for attempt in range(3):
            if not checked:
                self._check(chunk, duplicates)
            try:
                with transaction.atomic():
                    for pending in chunk.groups:
                        rejects = pending.rejects
                        self._insert(pending.table, [r[VALUES] for r in pending.rows if r[LINE] not in rejects]
                                     if rejects else [r[VALUES] for r in pending.rows])
                    chunk.written = self._write_rejects(chunk.groups)
                    chunk.state = {
                        "files": chunk.positions,
                        "rejects": {t: self._reject_offset(t) for t in marks},
                        "loaded": {p.table: len(p.rows) - (sum(1 for r in p.rows if r[LINE] in p.rejects)
                                                           if p.rejects else 0)
                                   for p in chunk.groups},
                        "rejected": {p.table: len(p.rejects) for p in chunk.groups},
                        "complete": chunk.complete,
                    }
                    ledger.record(self.batch_id, chunk.step, chunk.number, chunk.state)
                return
            except refused as error:
                # A repeated unique value or a dangling reference: find them (a thorough
                # check on the next attempt) and write the chunk again without them.
                self._truncate(marks)
                before = {p.table: dict(p.rejects) for p in chunk.groups}
                duplicates.update(self._duplicates(chunk.groups))
                self._check(chunk, duplicates, thorough=True)
                if attempt == 2 or all(p.rejects == before[p.table] for p in chunk.groups):
                    raise ImportFailed(str(error)) from error
                checked = True
            except BaseException:
                self._truncate(marks)
                raise

    def _remember(self, chunk: _Chunk) -> None:
        """The chunk's accepted rows, for the next chunks' references (before the chunk commits)."""
        for pending in chunk.groups:
            if pending.table in REFERENCED:
                rows = _accepted(pending)
                self.cache[pending.table].add_all(dict(zip(map(_row_id, rows), map(_row_info, rows), strict=True)))

    def _forget(self, chunk: _Chunk) -> None:
        for pending in chunk.groups:
            if pending.table in REFERENCED:
                for row in pending.rows:
                    self.cache[pending.table].discard(row[ID])

    def _after(self, chunk: _Chunk) -> None:
        """Counts, progress and reports once the chunk has committed."""
        for pending in chunk.groups:
            if pending.table in REFERENCED and pending.rejects:
                rejected = self.rejected_ids[pending.table]
                for row_id, line in pending.ids.items():
                    if line in pending.rejects:
                        rejected.add(row_id, line)
            self.loaded[pending.table] += chunk.state["loaded"][pending.table]
            self.rejected[pending.table] += chunk.state["rejected"][pending.table]
        for table, (offset, _line) in chunk.positions.items():
            self.done_bytes[table] = offset
        if self.on_reject is not None:
            for reject in chunk.written:
                self.on_reject(reject)
        if self.progress is not None:
            self.progress(ProgressInfo(sum(self.done_bytes.values()), self.total_bytes, sum(self.loaded.values()),
                                       sum(self.rejected.values())))

    def _insert(self, table: str, values: list[Any]) -> None:
        """Write rows already in the database's form (see rows.Context): COPY on PostgreSQL, executemany on SQLite."""
        if not values:
            return
        name = MODELS[table]._meta.db_table
        columns = ", ".join(self.columns[table])
        if self.vendor == "postgresql":
            with connection.cursor() as cursor, cursor.copy(f'COPY "{name}" ({columns}) FROM STDIN') as copy:
                copy.write("".join(values))
            return
        connection.ensure_connection()
        raw = connection.connection
        assert raw is not None
        marks = ", ".join(["?"] * len(self.columns[table]))
        raw.executemany(f'INSERT INTO "{name}" ({columns}) VALUES ({marks})', values)  # noqa: S608

    def _duplicates(self, groups: list[_Pending]) -> dict[tuple[str, int], tuple[str, str]]:
        """After the database refused a chunk: the rows that repeat a unique value of the chunk or of the register."""
        found: dict[tuple[str, int], tuple[str, str]] = {}
        for pending in groups:
            table = pending.table
            rows = [r for r in pending.rows if r[LINE] not in pending.rejects]
            keys = [("id", "id")] + list(UNIQUE_COLUMNS.get(table, ()))
            if table == "land_prices":
                keys = []
            positions = {column: self.columns[table].index(column) for _name, column in keys}
            status_at = self.columns[table].index("status") if table == "vehicles" else -1

            def value(row: Row, column: str, positions: dict[str, int] = positions, status_at: int = status_at) -> Any:
                values = row[VALUES] if isinstance(row[VALUES], list) else row[VALUES].rstrip("\n").split("\t")
                if column == "plate_number" and values[status_at] != "registered":
                    return None  # a deregistered vehicle's plate may be issued again
                return values[positions[column]]

            seen: dict[tuple[str, Any], int] = {}
            for row in rows:
                for name, column in keys or [("year", "")]:
                    key = (name, row[ID] if not column else value(row, column))
                    if key[1] is None:
                        continue
                    if key in seen:
                        found[(table, row[LINE])] = (name, _("The same value is on line %(line)d of this file.")
                                                     % {"line": seen[key]})
                    else:
                        seen[key] = row[LINE]
            model = MODELS[table]
            for name, column in keys:
                wanted = {value(row, column): row for row in rows if (table, row[LINE]) not in found}
                wanted.pop(None, None)
                query = model._default_manager.filter(**{f"{column}__in": list(wanted)})
                if column == "plate_number":
                    query = query.filter(status="registered")
                for existing in query.values_list(column, flat=True):
                    match = wanted.get(self._key(existing))
                    if match is not None:
                        found[(table, match[LINE])] = (name, repeated_message(name, existing))
            if table == "land_prices":
                pairs = {(row[ID].split(":")[0], int(row[ID].split(":")[1])): row for row in rows}
                parcels = {parcel for parcel, _year in pairs}
                for parcel, year in model._default_manager.filter(parcel_id__in=parcels).values_list("parcel_id", "year"):
                    match = pairs.get((self._key(parcel), year))
                    if match is not None:
                        found[(table, match[LINE])] = ("year", _("The parcel has a price for %(year)d already.")
                                                     % {"year": year})
        return found

    def _key(self, value: Any) -> Any:
        """A value read back through the ORM in the form the rows carry (UUIDs as 32 hex digits on SQLite)."""
        if isinstance(value, uuid.UUID):
            return value.hex if self.ctx.hex_ids else str(value)
        return value

    # --- rejects -------------------------------------------------------------------------------------

    def _reject_file(self, table: str) -> IO[str]:
        handle = self.reject_files.get(table)
        if handle is None:
            directory = self.directory / "rejects"
            directory.mkdir(exist_ok=True)
            path = directory / f"{table}.csv"
            handle = path.open("a", encoding="utf-8", newline="")
            if handle.tell() == 0:
                csv.writer(handle, lineterminator="\n").writerow(CSV_COLUMNS[table] + REJECT_COLUMNS)
                handle.flush()
            self.reject_files[table] = handle
        return handle

    def _write_rejects(self, groups: list[_Pending]) -> list[Reject]:
        rejects = []
        for pending in groups:
            if not pending.rejects:
                continue
            handle = self._reject_file(pending.table)
            writer = csv.writer(handle, lineterminator="\n")
            width = len(CSV_COLUMNS[pending.table])
            layout = self.layouts[pending.table]
            source = pending.source
            lines = dict(block_lines(*source) if isinstance(source, tuple) else source)
            for line_number in sorted(pending.rejects):
                field_name, reason = pending.rejects[line_number]
                fields, raw, _error = parse(lines[line_number], layout)
                values = fields if fields is not None else (raw + [""] * width)[:width]
                writer.writerow([*values, line_number, field_name, reason])
                rejects.append(Reject(f"{pending.table}.csv", line_number, field_name, reason))
            handle.flush()
        return rejects

    def _reject_offset(self, table: str) -> int:
        """How long the table's reject file is (0 when it has not been needed)."""
        handle = self.reject_files.get(table)
        if handle is not None:
            return handle.tell()
        path = self.directory / "rejects" / f"{table}.csv"
        return path.stat().st_size if path.exists() else 0

    def _truncate(self, marks: dict[str, int]) -> None:
        for table, offset in marks.items():
            handle = self.reject_files.get(table)
            if handle is not None:
                handle.flush()
                handle.truncate(offset)
                handle.seek(offset)


def registries_import(*, directory: Path, chunk_rows: int = CHUNK_ROWS, progress: Progress | None = None,
                      on_reject: Callable[[Reject], None] | None = None, workers: int | None = None) -> ImportReport:
    """Import the CSV files in ``directory`` (resuming an interrupted import of the same files).

    ``workers``: processes that check rows while this one writes (default: one per
    CPU, none for small imports).
    """
    return Importer(directory=directory, chunk_rows=chunk_rows, progress=progress, on_reject=on_reject,
                    workers=workers).run()


__all__ = ["ImportFailed", "ImportReport", "ProgressInfo", "registries_import"]

"""The audit chain: the platform's one log of security events (rules 2 and 4 of ARCHITECTURE.md).

Every security-relevant event — a sign-in, a read of a person's data by an official
or an agency, a decision — is one call to :func:`audit_append`. "Who viewed my data"
is :func:`entries_about`; ``egov audit verify`` is :func:`audit_verify`.

What is hashed (ADR 0011). RFC 6962 domain separation, SHA-256:

- an entry's canonical bytes are the UTF-8 JSON object of ``v`` (1), ``at`` (UTC,
  ``YYYY-MM-DDTHH:MM:SS.ffffffZ``), ``actor``, ``actor_label``, ``source_ip``,
  ``action``, ``subject``, ``purpose``, ``legal_basis``, ``consent``, ``object_ref``,
  ``outcome`` and ``detail``: keys sorted at every level, no whitespace (``","`` and
  ``":"``), non-ASCII characters as themselves, no floats;
- ``leaf = SHA-256(0x00 || canonical bytes)``, stored with the entry;
- ``chain[n] = SHA-256(0x01 || chain[n-1] || leaf[n])``, ``chain[0]`` = 32 zero bytes,
  stored in the seal of the entry at sequence ``n`` (1, 2, 3 … without gaps);
- the log is named by ``chain[1]`` (its "log id"), so that checkpoints of different
  databases are never mixed up;
- a checkpoint signs ``b"egov audit checkpoint v1\\x00"`` followed by the canonical
  JSON of ``{"at", "head", "log", "sequence"}`` with the platform's ``audit`` key.

How appends stay concurrent (ADR 0010): option (b) of rule 4, as Certificate
Transparency logs do. An append is one statement writing an un-chained entry in the
caller's transaction (the event and its record commit or vanish together), taking no
lock and writing no index: an INSERT on SQLite, one call of the PL/pgSQL function
``egov_audit_append`` on PostgreSQL (which also queues the entry for its seal). A sealer chains committed entries in batches, in order: a thread per
process that has appended, which every ``SEAL_INTERVAL`` seals what has been committed,
on a connection of its own. Maximum delay: ``SEAL_INTERVAL`` plus one
pass while any process that has appended lives (each seals everybody's entries);
otherwise the next process to append, the worker or ``egov audit seal`` seals them.
``verify`` covers entries still waiting too.
"""

from __future__ import annotations

import atexit
import base64
import copy
import hashlib
import ipaddress
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet
from django.db.utils import load_backend
from django.http import HttpRequest
from django.utils.translation import gettext as _

from egov.core import clock, keys
from egov.core.errors import Conflict
from egov.core.models.audit import AuditCheckpoint, AuditEntry, AuditOutcome, AuditSeal

__all__ = [
    "Checkpoint",
    "VerifyResult",
    "audit_append",
    "audit_checkpoint",
    "audit_seal",
    "audit_sealer_stop",
    "audit_verify",
    "canonical_json",
    "pending_entries",
    "request_actor",
]

logger = logging.getLogger("egov.audit")

GENESIS = bytes(32)
CHECKPOINT_CONTEXT = b"egov audit checkpoint v1\x00"
SEAL_BATCH = 500
# On SQLite a batch is written under the database's only write lock, which every
# request that writes waits for (sleeping 1, 2, 5 ms ... while it is taken): smaller
# batches keep each hold short, and the sealer lets other threads have the GIL
# between them, so a request holding the write lock is never kept waiting for it.
SQLITE_SEAL_BATCH = 100
# How often each process's sealer thread seals what has been committed; with the pass
# itself, the longest an entry waits for its seal.
SEAL_INTERVAL = 0.5

_ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_ACTOR = re.compile(r"^[a-z][a-z_]*(:\S+)?$")  # "anonymous" needs no id
_SUBJECT = re.compile(r"^[a-z][a-z_]*:\S+$")
_OUTCOMES = frozenset(AuditOutcome.values)


# --- hashing ------------------------------------------------------------------------


def canonical_json(value: Any) -> bytes:
    """Canonical JSON bytes (sorted keys, no whitespace, UTF-8)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _refuse_floats(item: Any) -> None:
    """Floats are refused in ``detail``: a database's JSON type may give them back in
    another spelling (``1e+20`` as ``100000000000000000000``), which would change the hash."""
    if isinstance(item, float):
        raise ValueError("audit detail may not contain floats; use a string or an integer")
    if isinstance(item, dict):
        for inner in item.values():
            _refuse_floats(inner)
    elif isinstance(item, list):
        for inner in item:
            _refuse_floats(inner)


def _timestamp(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC (isoformat, which is quicker, when it spells the same)."""
    moment = moment.astimezone(UTC)
    if moment.year >= 1000:
        return moment.isoformat(timespec="microseconds")[:26] + "Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _entry_document(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "v": 1,
        "at": _timestamp(values["at"]),
        "actor": values["actor"],
        "actor_label": values["actor_label"],
        "source_ip": values["source_ip"],
        "action": values["action"],
        "subject": values["subject"],
        "purpose": values["purpose"],
        "legal_basis": values["legal_basis"],
        "consent": values["consent"],
        "object_ref": values["object_ref"],
        "outcome": values["outcome"],
        "detail": values["detail"],
    }


def leaf_hash(values: Mapping[str, Any]) -> bytes:
    """RFC 6962 leaf hash of an entry: SHA-256(0x00 || canonical bytes)."""
    return hashlib.sha256(b"\x00" + canonical_json(_entry_document(values))).digest()


def chain_hash(previous: bytes, leaf: bytes) -> bytes:
    """RFC 6962 interior-node hash binding an entry to its predecessor: SHA-256(0x01 || prev || leaf)."""
    return hashlib.sha256(b"\x01" + previous + leaf).digest()


# --- appending ----------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _normalise_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def audit_append(
    *,
    action: str,
    actor: str,
    actor_label: str = "",
    subject: str | None = None,
    purpose: str = "",
    legal_basis: str = "",
    consent: str = "",
    source_ip: str | None = None,
    object_ref: str = "",
    outcome: str = "success",
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Record one security event, in the caller's transaction (it commits or rolls back with it).

    ``action`` is a dotted code (``auth.login.succeeded``, ``person.read``); ``actor``
    and ``subject`` are ``kind:id`` strings (``user:<uuid>``, ``agency:<uuid>``,
    ``system:<name>``, ``resident:<uuid>``); ``actor_label`` is the name to show the
    data subject later. Mistakes in these are programming errors and raise
    ``ValueError`` at once rather than leave an unreadable log.
    """
    if not _ACTION.match(action):
        raise ValueError(f"audit action must be a dotted lower-case code, got {action!r}")
    if not _ACTOR.match(actor):
        raise ValueError(f"audit actor must look like 'user:<id>' or 'system:<name>', got {actor!r}")
    if subject is not None and not _SUBJECT.match(subject):
        raise ValueError(f"audit subject must look like 'user:<id>', got {subject!r}")
    if outcome not in _OUTCOMES:
        raise ValueError(f"audit outcome must be one of {sorted(_OUTCOMES)}, got {outcome!r}")
    # Through JSON and back: UUIDs, dates and the like become the strings that the
    # database will hand back, so the hash computed now is the one verify recomputes.
    plain_detail: dict[str, Any] = {}
    detail_text = "{}"
    if detail:
        detail_text = json.dumps(dict(detail), cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
        plain_detail = json.loads(detail_text)
        _refuse_floats(plain_detail)
    source_ip = _normalise_ip(source_ip)
    at = clock.now()
    # The canonical document, its keys already in sorted order (see leaf_hash), encoded
    # by an encoder made once. In a caller's transaction on SQLite all of this runs
    # under the database's only write lock (BEGIN IMMEDIATE), so the path from here to
    # the end of the INSERT is kept short and direct.
    canonical = _CANONICAL_ENCODE({
        "action": action, "actor": actor, "actor_label": actor_label, "at": _timestamp(at), "consent": consent,
        "detail": plain_detail, "legal_basis": legal_basis, "object_ref": object_ref, "outcome": outcome,
        "purpose": purpose, "source_ip": source_ip, "subject": subject, "v": 1,
    }).encode()
    leaf = hashlib.sha256(b"\x00" + canonical).hexdigest()
    # One look-up of the connection: each use of django.db.connection is one, through
    # a context-local.
    db = connections[DEFAULT_DB_ALIAS]
    row = (
        at, actor, actor_label, source_ip, action, subject, purpose, legal_basis, consent, object_ref, outcome,
        detail_text, leaf,
    )
    if db.in_atomic_block:
        _insert(db, row)
    else:
        _insert_alone(db, row)
    _seal_after_commit(db)


def _insert_alone(db: BaseDatabaseWrapper, row: tuple[Any, ...]) -> None:
    """An entry outside any transaction (a lone read such as a lookup by number), committed before returning.

    On PostgreSQL the one statement in autocommit is its own transaction: durable when
    it returns, as after a COMMIT, without the two round trips of BEGIN and COMMIT that
    a transaction around it would add to every lone read (ADR 0156). SQLite takes its
    write lock in a transaction of its own as before.
    """
    if db.vendor == "postgresql" and db.get_autocommit():
        db.ensure_connection()
        _insert(db, row)
        return
    with transaction.atomic(savepoint=False):
        _insert(db, row)


def _insert(db: BaseDatabaseWrapper, row: tuple[Any, ...]) -> None:
    """One statement on the DB-API connection itself (Django's cursor wrapper would add time under the lock)."""
    db.validate_no_broken_transaction()
    with db.wrap_database_errors:
        if db.vendor == "postgresql":
            # One call of egov_audit_append (egov.core.models.audit, migration 0004):
            # PL/pgSQL keeps its two INSERTs (the entry, its place in the sealing queue)
            # planned for the session, so the server neither parses nor plans them again.
            _pg_cursor(db).execute(_PG_APPEND, row)
        else:
            # Stored as Django stores aware datetimes on SQLite: naive UTC, ISO with a
            # space. The statement stays in the sqlite3 module's cache of prepared ones.
            db.connection.execute(_SQLITE_APPEND, (row[0].replace(tzinfo=None).isoformat(" "), *row[1:]))


def _pg_cursor(db: BaseDatabaseWrapper) -> Any:
    """A cursor kept with the DB-API connection it belongs to, rather than a new one per append."""
    raw = db.connection
    kept = getattr(db, "_egov_audit_cursor", None)
    if kept is None or kept[0] is not raw or kept[1].closed:
        kept = (raw, raw.cursor())
        db._egov_audit_cursor = kept  # type: ignore[attr-defined]
    return kept[1]


# The canonical encoder of canonical_json, made once; the documents given to it have
# their keys in sorted order already (json.dumps with sort_keys would sort them again).
_CANONICAL_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode

_ENTRY_COLUMNS = (
    "at", "actor", "actor_label", "source_ip", "action", "subject", "purpose", "legal_basis", "consent",
    "object_ref", "outcome", "detail", "leaf_hash",
)
_ENTRY_TABLE = AuditEntry._meta.db_table
_SEAL_TABLE = AuditSeal._meta.db_table
_CHECKPOINT_TABLE = AuditCheckpoint._meta.db_table
_COLUMN_LIST = ", ".join(_ENTRY_COLUMNS)
_SQLITE_APPEND = f"INSERT INTO {_ENTRY_TABLE} ({_COLUMN_LIST}) VALUES ({', '.join(['?'] * len(_ENTRY_COLUMNS))})"  # noqa: S608
# See egov.core.models.audit._PG_APPEND_FUNCTION: the entry and its place in the queue.
_PG_APPEND = f"SELECT egov_audit_append({', '.join(['%s'] * len(_ENTRY_COLUMNS))})"


def _seal_after_commit(db: BaseDatabaseWrapper) -> None:
    """See that the entry gets sealed: the process's sealer thread, or (tests) right after commit."""
    if settings.EGOV_AUDIT_SEALER != "commit":
        _sealer.ensure_running(db)
        return
    if any(callback is audit_seal for _sids, callback, _robust in getattr(db, "run_on_commit", [])):
        return
    db.on_commit(audit_seal, robust=True)


# --- sealing ------------------------------------------------------------------------


def _db_time(db: BaseDatabaseWrapper, moment: datetime) -> Any:
    return db.ops.adapt_datetimefield_value(moment) if db.vendor == "sqlite" else moment


def _seal_batch(db: BaseDatabaseWrapper) -> int:
    return SEAL_BATCH if db.vendor == "postgresql" else SQLITE_SEAL_BATCH


def _seal_once(db: BaseDatabaseWrapper) -> tuple[int, int, int, str]:
    """One sealing pass of up to ``_seal_batch(db)`` entries: (sealed, previous head, new head, head hash).

    Each pass writes with a single statement, so that on SQLite the write lock is held
    only for as long as SQLite itself needs it. On PostgreSQL it is one call of the
    function ``egov_audit_seal`` (migration 0003), which takes the sealing lock, chains
    the queued entries in their id order and removes them from the queue.
    """
    now = clock.now()
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute("SELECT * FROM egov_audit_seal(%s, %s)", [SEAL_BATCH, now])
            sealed, previous, head, head_hash = cursor.fetchone()
            return int(sealed), int(previous), int(head), str(head_hash)
    # SQLite commits in id order (one writer at a time), so the entries waiting for
    # their seal are exactly those after the last sealed one. The DB-API cursor itself:
    # Django's wrapper would rewrite a statement of 1,500 placeholders on every pass,
    # and its datetime conversions are not needed when the seal copies the entry's
    # subject and time inside the database.
    db.ensure_connection()
    with db.wrap_database_errors:
        cursor = db.connection.cursor()
        try:
            cursor.execute(f"SELECT sequence, chain_hash, entry_id FROM {_SEAL_TABLE} ORDER BY sequence DESC LIMIT 1")  # noqa: S608
            last_sequence, last_chain, last_entry = cursor.fetchone() or (0, GENESIS.hex(), 0)
            cursor.execute(
                f"SELECT id, leaf_hash FROM {_ENTRY_TABLE} WHERE id > ? ORDER BY id LIMIT ?",  # noqa: S608
                (last_entry, SQLITE_SEAL_BATCH),
            )
            batch = cursor.fetchall()
            if not batch:
                return 0, int(last_sequence), int(last_sequence), str(last_chain)
            values: list[Any] = []
            chain = bytes.fromhex(last_chain)
            for offset, (entry_id, leaf) in enumerate(batch, start=1):
                chain = chain_hash(chain, bytes.fromhex(leaf))
                values += (last_sequence + offset, entry_id, chain.hex())
            rows = ", ".join(["(?, ?, ?)"] * len(batch))
            # Inserted only if nobody sealed in between (then the pass is simply repeated).
            cursor.execute(
                f"INSERT INTO {_SEAL_TABLE} (sequence, entry_id, chain_hash, sealed_at, subject, at) "  # noqa: S608
                f"SELECT v.column1, v.column2, v.column3, ?, e.subject, e.at FROM (VALUES {rows}) AS v "
                f"JOIN {_ENTRY_TABLE} AS e ON e.id = v.column2 "
                f"WHERE (SELECT COALESCE(MAX(sequence), 0) FROM {_SEAL_TABLE}) = ?",
                (_db_time(db, now), *values, last_sequence),
            )
            if cursor.rowcount == 0:
                return -1, int(last_sequence), int(last_sequence), str(last_chain)
            return len(batch), int(last_sequence), int(last_sequence) + len(batch), chain.hex()
        finally:
            cursor.close()


def _seal_all(db: BaseDatabaseWrapper) -> int:
    """Seal every entry committed so far, writing a checkpoint whenever a multiple of the interval is passed."""
    total = 0
    for _attempt in range(10_000):
        sealed, previous, head, head_hash = _seal_once(db)
        if sealed == 0:
            break
        if sealed < 0:
            continue
        total += sealed
        every = int(settings.EGOV_AUDIT_CHECKPOINT_EVERY)
        if every > 0 and head // every > previous // every:
            try:
                _write_checkpoint(db, head, head_hash)
            except keys.KeyError_:
                # Sealing must go on without the key; the next checkpoint covers this stretch.
                logger.exception("could not sign the audit checkpoint at #%s", head)
        if sealed < _seal_batch(db):
            break
        time.sleep(0)  # let request threads have the GIL between batches
    return total


def audit_seal() -> int:
    """Seal every committed entry now, on this thread's connection; return how many were sealed.

    For ``egov audit seal``, the worker, checkpoints and tests; requests never wait for it.
    """
    return _seal_all(connection)


class _Sealer:
    """The per-process sealer thread (ADR 0010).

    Started by the first append in a process, it seals whatever has been committed
    every ``SEAL_INTERVAL``, on a database connection of its own, so that no request
    does any chaining and none waits for it. Processes coordinate through the database
    (the advisory lock on PostgreSQL, the single writer on SQLite), so each seals the
    entries of all, including those of a process that died before its turn. A process
    that exits normally seals once more on its way out.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = 0
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def ensure_running(self, db: BaseDatabaseWrapper) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():  # the first append in this process (or since a fork)
                self._pid = os.getpid()
                # A copy: the test suite re-points the shared settings at other databases.
                target = copy.deepcopy(db.settings_dict)
                self._stopped = threading.Event()
                self._thread = threading.Thread(target=self._run, args=(target, self._stopped),
                                                name="egov-audit-sealer", daemon=True)
                self._thread.start()
                atexit.register(self._last_pass, self._pid, target, self._stopped)

    def stop(self) -> None:
        """Seal once more and end this process's sealer thread (see :func:`audit_sealer_stop`)."""
        with self._lock:
            if self._pid != os.getpid() or self._thread is None:
                return
            self._stopped.set()
            self._thread.join()
            self._thread = None
            self._pid = 0  # a later append starts a new one

    @staticmethod
    def _connect(settings_dict: dict[str, Any]) -> BaseDatabaseWrapper:
        backend = load_backend(settings_dict["ENGINE"])
        db: BaseDatabaseWrapper = backend.DatabaseWrapper(settings_dict, alias="egov-audit-sealer")
        return db

    def _run(self, settings_dict: dict[str, Any], stopped: threading.Event) -> None:
        db: BaseDatabaseWrapper | None = None
        failing = False
        while True:
            last = stopped.wait(SEAL_INTERVAL)
            try:
                db = db or self._connect(settings_dict)
                _seal_all(db)
                failing = False
            except Exception:
                # Entries wait safely in the database; try again next time, and say so once.
                if not failing:
                    logger.exception("the audit sealer could not seal %s", settings_dict.get("NAME"))
                failing = True
                if db is not None:
                    db.close()
                db = None
            if last:
                if db is not None:
                    db.close()
                return

    def _last_pass(self, pid: int, settings_dict: dict[str, Any], stopped: threading.Event) -> None:
        if pid != os.getpid() or stopped.is_set():
            return  # another process's sealer (after a fork), or stopped: its last pass is done
        if settings_dict["ENGINE"].endswith("sqlite3") and not Path(settings_dict["NAME"]).exists():
            return  # a temporary database already removed (a test, make screenshots): nothing left to seal
        db = self._connect(settings_dict)
        try:
            _seal_all(db)
        except Exception:
            logger.exception("the audit sealer could not seal %s on exit", settings_dict.get("NAME"))
        finally:
            db.close()


_sealer = _Sealer()


def audit_sealer_stop() -> None:
    """Seal what this process appended and end its sealer thread, before its database goes away.

    For a program that drops the database it wrote to (a benchmark's throw-away one): the
    thread would otherwise find the database gone at its next pass, and again at exit,
    and log both. Nothing is lost either way: entries wait in the database for any
    sealer. A later append starts the thread again.
    """
    _sealer.stop()


# --- reading ------------------------------------------------------------------------


def request_actor(request: HttpRequest) -> dict[str, Any]:
    """``{"actor", "actor_label", "source_ip"}`` for the agency system or person behind a request.

    Spread it into :func:`audit_append`: ``audit_append(action=…, **request_actor(request))``.
    """
    source_ip = _normalise_ip(request.META.get("REMOTE_ADDR"))
    agency = getattr(request, "egov_agency", None)
    if agency is not None:
        return {"actor": f"agency:{agency.pk}", "actor_label": str(agency), "source_ip": source_ip}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        label = str(getattr(user, "display_name", "") or user.get_username())
        return {"actor": f"user:{user.pk}", "actor_label": label, "source_ip": source_ip}
    return {"actor": "anonymous", "actor_label": "", "source_ip": source_ip}


def pending_entries() -> QuerySet[AuditEntry]:
    """Entries committed but not sealed yet (see egov.core.models.audit)."""
    if connection.vendor == "postgresql":
        return AuditEntry.objects.filter(pending__isnull=False)
    last = AuditSeal.objects.order_by("-sequence").values_list("entry_id", flat=True).first() or 0
    return AuditEntry.objects.filter(id__gt=last)


# --- checkpoints --------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement that the chain had ``head`` as its hash at ``sequence``."""

    log_id: str
    sequence: int
    head: str
    at: datetime
    key_id: str
    algorithm: str
    signature: str

    def signed_bytes(self) -> bytes:
        document = {"at": _timestamp(self.at), "head": self.head, "log": self.log_id, "sequence": self.sequence}
        return CHECKPOINT_CONTEXT + canonical_json(document)

    def as_line(self) -> str:
        return json.dumps(
            {
                "log": self.log_id,
                "sequence": self.sequence,
                "head": self.head,
                "at": _timestamp(self.at),
                "key_id": self.key_id,
                "algorithm": self.algorithm,
                "signature": self.signature,
            },
            sort_keys=True,
        )


def _log_id() -> str:
    first = AuditSeal.objects.filter(sequence=1).values_list("chain_hash", flat=True).first()
    return first or ""


def _sign(data: bytes) -> tuple[str, str, str]:
    key = keys.load_private_key("audit")
    key_id = keys.key_id_of(key.public_key())
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key_id, "Ed25519", base64.b64encode(key.sign(data)).decode()
    return key_id, "ECDSA-SHA256", base64.b64encode(key.sign(data, ec.ECDSA(hashes.SHA256()))).decode()


def _write_checkpoint(db: BaseDatabaseWrapper, sequence: int, head: str) -> Checkpoint:
    """Sign the chain head at ``sequence``, store it, and append it to the file once stored."""
    with db.cursor() as cursor:
        cursor.execute(f"SELECT chain_hash FROM {_SEAL_TABLE} WHERE sequence = 1")  # noqa: S608
        log_id = str(cursor.fetchone()[0])
        unsigned = Checkpoint(log_id, sequence, head, clock.now(), "", "", "")
        key_id, algorithm, signature = _sign(unsigned.signed_bytes())
        checkpoint = Checkpoint(log_id, sequence, head, unsigned.at, key_id, algorithm, signature)
        cursor.execute(
            f"INSERT INTO {_CHECKPOINT_TABLE} (log_id, sequence, head_hash, at, key_id, algorithm, signature) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [log_id, sequence, head, _db_time(db, checkpoint.at), key_id, algorithm, signature],
        )
    line = checkpoint.as_line()
    db.on_commit(lambda: _append_to_file(line), robust=True)
    return checkpoint


def _append_to_file(line: str) -> None:
    """One JSON line per checkpoint, outside the database (O_APPEND keeps concurrent writers' lines whole)."""
    path = Path(settings.EGOV_AUDIT_CHECKPOINT_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()


def audit_checkpoint() -> Checkpoint:
    """Seal what is pending and sign the head now (``egov audit checkpoint``)."""
    audit_seal()
    with transaction.atomic():
        head = AuditSeal.objects.order_by("-sequence").values_list("sequence", "chain_hash").first()
        if head is None:
            raise Conflict(_("The audit log is empty: there is nothing to checkpoint yet."))
        return _write_checkpoint(connection, head[0], head[1])


def _verify_signature(checkpoint: Checkpoint) -> str | None:
    """None when the signature is good, else the reason."""
    try:
        public_key = keys.load_public_key("audit", checkpoint.key_id)
    except keys.KeyError_ as error:
        return str(error.message)
    try:
        signature = base64.b64decode(checkpoint.signature)
        if isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(signature, checkpoint.signed_bytes())
        else:
            public_key.verify(signature, checkpoint.signed_bytes(), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return _("its signature does not verify")
    return None


def _file_checkpoints() -> Iterator[tuple[int, Checkpoint | None]]:
    path = Path(settings.EGOV_AUDIT_CHECKPOINT_FILE)
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                item = json.loads(raw)
                yield number, Checkpoint(
                    log_id=item["log"],
                    sequence=int(item["sequence"]),
                    head=item["head"],
                    at=datetime.strptime(item["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC),
                    key_id=item["key_id"],
                    algorithm=item["algorithm"],
                    signature=item["signature"],
                )
            except (ValueError, KeyError, TypeError):
                yield number, None


# --- verifying ----------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    intact: bool
    count: int
    first_bad_sequence: int | None
    reason: str
    head: str = ""
    pending: int = 0
    checkpoints: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)


_ENTRY_FIELDS = (
    "at", "actor", "actor_label", "source_ip", "action", "subject", "purpose", "legal_basis", "consent",
    "object_ref", "outcome", "detail", "leaf_hash",
)


def _entry_values(row: Sequence[Any]) -> dict[str, Any]:
    values = dict(zip(_ENTRY_FIELDS, row, strict=True))
    if isinstance(values["detail"], str):
        values["detail"] = json.loads(values["detail"])
    return values


def audit_verify() -> VerifyResult:
    """Recompute the whole chain, check pending entries, checkpoints and the checkpoint file."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic():
            with connection.cursor() as cursor:
                # One snapshot for every query below, so a concurrent sealer cannot
                # make an entry look neither sealed nor pending.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            return _verify()
    return _verify()


def _verify() -> VerifyResult:
    # Read in the order things are written (file line after its database row, checkpoint
    # after its seals), so that concurrent appends cannot raise a false alarm.
    file_lines = list(_file_checkpoints())
    stored = list(AuditCheckpoint.objects.order_by("id"))
    wanted = {checkpoint.sequence for checkpoint in stored}
    wanted.update(c.sequence for _n, c in file_lines if c is not None)
    heads: dict[int, str] = {}

    def bad(sequence: int | None, reason: str, count: int) -> VerifyResult:
        return VerifyResult(False, count, sequence, reason)

    expected = 1
    previous = GENESIS
    seals = (
        AuditSeal.objects.order_by("sequence")
        .values_list("sequence", "chain_hash", "subject", "at", *(f"entry__{name}" for name in _ENTRY_FIELDS))
        .iterator(chunk_size=2000)
    )
    # An inner join: a seal whose entry row is gone shows up as a gap in the sequence.
    for sequence, stored_chain, seal_subject, seal_at, *row in seals:
        if sequence != expected:
            return bad(expected, _("entry #%(n)s is missing (the next one is #%(next)s)") % {"n": expected, "next": sequence}, expected - 1)
        values = _entry_values(row)
        if (seal_subject, seal_at) != (values["subject"], values["at"]):
            # The copies "Who viewed my data" searches must not hide an entry from its subject.
            return bad(sequence, _("the seal of entry #%(n)s names another data subject or time") % {"n": sequence}, sequence - 1)
        leaf = leaf_hash(values)
        if leaf.hex() != values["leaf_hash"]:
            return bad(sequence, _("entry #%(n)s was altered: its content does not match its hash") % {"n": sequence}, sequence - 1)
        previous = chain_hash(previous, leaf)
        if previous.hex() != stored_chain:
            return bad(
                sequence,
                _("entry #%(n)s does not follow entry #%(p)s: entries were removed, inserted, reordered or altered")
                % {"n": sequence, "p": sequence - 1},
                sequence - 1,
            )
        if sequence in wanted:
            heads[sequence] = previous.hex()
        expected += 1
    count = expected - 1
    head = previous.hex() if count else ""
    log_id = heads.get(1) or (AuditSeal.objects.filter(sequence=1).values_list("chain_hash", flat=True).first() or "")

    # Entries not sealed yet: each must be waiting for the sealer and match its own leaf hash.
    waiting = pending_entries()
    if connection.vendor == "postgresql":
        orphans = AuditEntry.objects.filter(seal__isnull=True, pending__isnull=True)
    else:
        last = AuditSeal.objects.order_by("-sequence").values_list("entry_id", flat=True).first() or 0
        orphans = AuditEntry.objects.filter(id__lte=last, seal__isnull=True)
    orphan = orphans.order_by("id").values_list("id", flat=True).first()
    if orphan is not None:
        return bad(None, _("entry id %(id)s is neither sealed nor waiting to be sealed") % {"id": orphan}, count)
    pending = 0
    for entry_id, *row in waiting.filter(seal__isnull=True).order_by("id").values_list("id", *_ENTRY_FIELDS).iterator():
        values = _entry_values(row)
        if leaf_hash(values).hex() != values["leaf_hash"]:
            return bad(None, _("entry id %(id)s (awaiting its seal) was altered") % {"id": entry_id}, count)
        pending += 1

    # Checkpoints in the database: signed by the audit key, and agreeing with the chain.
    for record in stored:
        checkpoint = Checkpoint(
            record.log_id, record.sequence, record.head_hash, record.at, record.key_id, record.algorithm, record.signature
        )
        problem = _verify_signature(checkpoint)
        if problem is None and checkpoint.log_id != log_id:
            problem = _("it belongs to another log")
        if problem is None and record.sequence > count:
            problem = _("the chain ends at #%(count)s: entries were removed") % {"count": count}
        if problem is None and heads.get(record.sequence) != checkpoint.head:
            problem = _("the chain's hash at that point differs")
        if problem:
            return bad(
                min(record.sequence, count + 1),
                _("checkpoint at #%(n)s: %(problem)s") % {"n": record.sequence, "problem": problem},
                count,
            )

    # The file outside the database: every line must be one of the database's checkpoints.
    known = {(c.sequence, c.head_hash, c.signature) for c in stored}
    for number, line in file_lines:
        where = _("line %(n)s of the checkpoint file") % {"n": number}
        if line is None:
            return bad(None, _("%(where)s cannot be read") % {"where": where}, count)
        if line.log_id != log_id:
            return bad(
                None,
                _("%(where)s is a checkpoint of another audit log (was the database replaced or emptied?)")
                % {"where": where},
                count,
            )
        if (line.sequence, line.head, line.signature) not in known:
            problem = _verify_signature(line)
            if problem is None and heads.get(line.sequence) != line.head:
                problem = _("the chain at #%(n)s no longer has that hash") % {"n": line.sequence}
            return bad(
                min(line.sequence, count + 1),
                _("%(where)s (#%(n)s) is not among the database's checkpoints: %(problem)s")
                % {"where": where, "n": line.sequence, "problem": problem or _("its row was removed")},
                count,
            )
    in_file = {(c.sequence, c.signature) for _n, c in file_lines if c is not None}
    notes: list[str] = []
    missing = [c.sequence for c in stored if (c.sequence, c.signature) not in in_file]
    if missing:
        notes.append(
            _("%(n)s checkpoint(s) are in the database but not in the checkpoint file (first #%(first)s)")
            % {"n": len(missing), "first": missing[0]}
        )
    return VerifyResult(True, count + pending, None, "", head=head, pending=pending, checkpoints=len(stored), notes=tuple(notes))

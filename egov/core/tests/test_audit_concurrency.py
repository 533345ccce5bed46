"""Appends from many threads and processes at once give one intact chain without gaps.

Rule 4 of ARCHITECTURE.md: appending takes no lock the caller waits on (PostgreSQL
seals after commit under a try-lock; SQLite seals inside the writer's own
transaction). What a user would notice if that went wrong is a chain with a hole, two
entries at one position, or an entry left unsealed — which is what these tests look for.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from egov.core.audit import audit_append, audit_verify
from egov.core.models.audit import AuditEntry, AuditPending, AuditSeal

THREADS = 6
PROCESSES = 3
EACH = 30

APPENDER = """
import os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.db import transaction
from egov.core.audit import audit_append
for number in range(int(sys.argv[1])):
    with transaction.atomic():
        audit_append(action="person.read", actor="system:process-" + sys.argv[2], subject="user:alice",
                     purpose=f"look {number}")
"""


LINGERER = """
import os, sys, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from egov.core.audit import audit_append
for number in range(5):
    audit_append(action="person.read", actor="system:lingerer", subject="user:alice", purpose=str(number))
print("appended", flush=True)
time.sleep(60)
"""


def append_in_thread(name: str, errors: list[BaseException], start: threading.Barrier) -> None:
    try:
        start.wait(timeout=30)
        for number in range(EACH):
            # Half inside a wider transaction (as a service does), half on their own.
            if number % 2:
                with transaction.atomic():
                    audit_append(action="person.read", actor=f"system:{name}", subject="user:alice", purpose=str(number))
            else:
                audit_append(action="auth.login.failed", actor=f"system:{name}", outcome="failure")
    except BaseException as error:  # noqa: BLE001 - reported by the test
        errors.append(error)
    finally:
        connection.close()


def assert_one_gap_free_chain(expected: int) -> None:
    result = audit_verify()
    assert result.intact, result.reason
    assert result.count == expected
    assert result.pending == 0
    assert not AuditPending.objects.exists()
    sequences = list(AuditSeal.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, expected + 1))
    assert AuditSeal.objects.values("entry_id").distinct().count() == AuditEntry.objects.count() == expected


def test_appends_from_many_threads_form_one_gap_free_chain(committed_db: str) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)
    threads = [threading.Thread(target=append_in_thread, args=(f"t{n}", errors, start)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert_one_gap_free_chain(THREADS * EACH)


def test_appends_from_several_processes_and_threads_form_one_gap_free_chain(committed_db: str) -> None:
    env = {**os.environ, "DATABASE_URL": committed_db, "DJANGO_SETTINGS_MODULE": "config.settings"}
    cwd = Path(__file__).resolve().parents[3]
    processes = [
        subprocess.Popen([sys.executable, "-c", APPENDER, str(EACH), str(n)], env=env, cwd=cwd)
        for n in range(PROCESSES)
    ]
    errors: list[BaseException] = []
    start = threading.Barrier(2)
    threads = [threading.Thread(target=append_in_thread, args=(f"t{n}", errors, start)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    for process in processes:
        assert process.wait(timeout=300) == 0
    assert not errors, errors
    assert_one_gap_free_chain((PROCESSES + 2) * EACH)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="only PostgreSQL defers sealing past the commit")
def test_an_entry_left_pending_by_a_dead_process_is_sealed_by_the_next_append(committed_db: str) -> None:
    # A transaction that commits but whose process dies before sealing: simulated by
    # committing with on-commit callbacks discarded.
    with transaction.atomic():
        audit_append(action="person.read", actor="system:dying", subject="user:alice")
        connection.run_on_commit = []
    assert AuditPending.objects.count() == 1
    assert audit_verify().pending == 1

    audit_append(action="person.read", actor="system:next", subject="user:alice")

    assert_one_gap_free_chain(2)


def test_a_running_process_seals_its_entries_in_the_background_without_being_asked(committed_db: str) -> None:
    env = {**os.environ, "DATABASE_URL": committed_db, "DJANGO_SETTINGS_MODULE": "config.settings"}
    process = subprocess.Popen(
        [sys.executable, "-c", LINGERER], env=env, cwd=Path(__file__).resolve().parents[3], stdout=subprocess.PIPE
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == b"appended"
        deadline = time.monotonic() + 30
        while AuditSeal.objects.count() < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert process.poll() is None, "the sealing was done by the process's sealer thread, not at its exit"
    finally:
        process.kill()
        process.wait(timeout=30)
    assert_one_gap_free_chain(5)


def test_an_append_on_a_new_connection_after_the_old_one_closed_is_written(committed_db: str) -> None:
    # The append keeps a cursor with the connection it belongs to; after the connection
    # is closed (CONN_MAX_AGE, a restarted database) the next append must use the new one.
    audit_append(action="person.read", actor="system:before", subject="user:alice")
    connection.close()
    audit_append(action="person.read", actor="system:after", subject="user:alice")
    with transaction.atomic():
        audit_append(action="person.read", actor="system:inside", subject="user:alice")
    assert list(AuditEntry.objects.order_by("id").values_list("actor", flat=True)) == [
        "system:before", "system:after", "system:inside",
    ]
    assert_one_gap_free_chain(3)


def test_a_lone_entry_is_committed_when_the_append_returns_and_leaves_no_transaction_open(committed_db: str) -> None:
    # A lookup by number outside any transaction: the official sees the record only
    # after its entry is in the database for everyone (on PostgreSQL one statement in
    # autocommit, its own transaction), and the connection is not left inside one.
    from django.db import connections
    from django.db.utils import load_backend

    audit_append(action="person.read", actor="system:lone", subject="user:alice", purpose="lookup")
    assert not connection.in_atomic_block
    if connection.vendor == "postgresql":
        from psycopg.pq import TransactionStatus

        assert connection.connection.info.transaction_status == TransactionStatus.IDLE
    settings_dict = dict(connections["default"].settings_dict)
    other = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias="other-reader")
    try:
        with other.cursor() as cursor:
            cursor.execute(f"SELECT actor, purpose FROM {AuditEntry._meta.db_table}")  # noqa: S608
            assert cursor.fetchall() == [("system:lone", "lookup")]
    finally:
        other.close()
    assert_one_gap_free_chain(1)


STOPPER = """
import os, sys, threading, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from egov.core.audit import audit_append, audit_sealer_stop
for number in range(3):
    audit_append(action="person.read", actor="system:stopper", subject="user:alice", purpose=str(number))
audit_sealer_stop()
alive = [t.name for t in threading.enumerate() if t.name == "egov-audit-sealer"]
print("stopped", len(alive), flush=True)
time.sleep(60)
"""


def test_stopping_the_sealer_seals_what_was_appended_and_ends_its_thread(committed_db: str) -> None:
    # A benchmark stops the sealer before it drops its throw-away database: what it
    # appended is sealed at once (not at exit, not half a second later) and no thread
    # is left to find the database gone.
    env = {**os.environ, "DATABASE_URL": committed_db, "DJANGO_SETTINGS_MODULE": "config.settings",
           "EGOV_AUDIT_SEALER": "thread"}
    process = subprocess.Popen(
        [sys.executable, "-c", STOPPER], env=env, cwd=Path(__file__).resolve().parents[3], stdout=subprocess.PIPE
    )
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == b"stopped 0"
        assert process.poll() is None
        assert_one_gap_free_chain(3)
    finally:
        process.kill()
        process.wait(timeout=30)

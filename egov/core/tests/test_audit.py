"""The audit chain as the rest of the platform uses it: append, read back, verify, refuse changes.

These tests run in the ordinary rolled-back transaction, so nothing they append
survives them. Tampering (which needs the triggers dropped) and concurrency (which
needs commits) are in ``test_audit_tamper.py`` and ``test_audit_concurrency.py``.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from egov.core import clock
from egov.core.access_log import AuditView, entries_about
from egov.core.audit import (
    audit_append,
    audit_checkpoint,
    audit_seal,
    audit_verify,
    canonical_json,
    chain_hash,
    leaf_hash,
    request_actor,
)
from egov.core.errors import Conflict
from egov.core.models.audit import AuditCheckpoint, AuditEntry, AuditSeal

pytestmark = pytest.mark.django_db

ALICE = f"user:{uuid.uuid4()}"
BOB = f"user:{uuid.uuid4()}"


def read_by_clerk(subject: str, purpose: str = "moving-in report") -> None:
    audit_append(
        action="person.read",
        actor="user:clerk-1",
        actor_label="Kim Clerk, Cheongun-dong office",
        subject=subject,
        purpose=purpose,
        legal_basis="Resident Registration Act art. 29",
        source_ip="10.0.0.7",
    )


def test_an_appended_entry_keeps_every_access_log_field() -> None:
    audit_append(
        action="person.read",
        actor="agency:1b2c",
        actor_label="National Health Insurance Service",
        subject=ALICE,
        purpose="premium assessment",
        legal_basis="National Health Insurance Act art. 96",
        consent="consent:42",
        source_ip="2001:0db8:0000::0001",
        object_ref="exchange-message:9f",
        outcome="success",
        detail={"fields": ["name", "address"], "request": uuid.UUID(int=7)},
    )
    entry = AuditEntry.objects.get()
    assert entry.actor == "agency:1b2c"
    assert entry.actor_label == "National Health Insurance Service"
    assert entry.subject == ALICE
    assert entry.consent == "consent:42"
    assert entry.source_ip == "2001:db8::1"
    assert entry.detail == {"fields": ["name", "address"], "request": str(uuid.UUID(int=7))}
    assert abs(entry.at - clock.now()) < timedelta(minutes=1)


def test_the_time_of_an_entry_follows_the_platform_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EGOV_NOW", "2031-03-01T09:00:00+09:00")
    audit_append(action="auth.login.succeeded", actor=ALICE)
    assert AuditEntry.objects.get().at.year == 2031


def test_who_viewed_my_data_lists_only_my_entries_newest_first() -> None:
    read_by_clerk(ALICE, "first look")
    read_by_clerk(BOB, "someone else")
    read_by_clerk(ALICE, "second look")
    audit_append(action="auth.login.succeeded", actor=ALICE)  # Alice acting, not read

    views = entries_about([ALICE])

    assert [view.purpose for view in views] == ["second look", "first look"]
    assert isinstance(views[0], AuditView)
    assert views[0].actor_label == "Kim Clerk, Cheongun-dong office"
    assert views[0].legal_basis == "Resident Registration Act art. 29"
    assert views[0].outcome == "success"


def test_who_viewed_my_data_shows_a_read_at_once_and_once_only_after_it_is_sealed() -> None:
    read_by_clerk(ALICE, "before sealing")
    assert [view.purpose for view in entries_about([ALICE])] == ["before sealing"]
    assert audit_verify().pending == 1

    audit_seal()
    read_by_clerk(ALICE, "after sealing")

    assert [view.purpose for view in entries_about([ALICE])] == ["after sealing", "before sealing"]
    assert AuditSeal.objects.get().subject == ALICE


def test_who_viewed_my_data_covers_each_of_my_identities_and_respects_the_limit() -> None:
    resident = f"resident:{uuid.uuid4()}"
    read_by_clerk(ALICE)
    read_by_clerk(resident)
    read_by_clerk(resident)
    assert len(entries_about([ALICE, resident])) == 3
    assert len(entries_about([ALICE, resident], limit=2)) == 2
    assert entries_about([]) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("action", "Person Read"),
        ("action", "read"),
        ("actor", "Kim Clerk"),
        ("subject", "alice"),
        ("outcome", "maybe"),
    ],
)
def test_a_malformed_entry_is_refused_before_anything_is_written(field: str, value: str) -> None:
    arguments = {"action": "person.read", "actor": "user:1", "subject": "user:2", "outcome": "success", field: value}
    with pytest.raises(ValueError):
        audit_append(**arguments)
    assert not AuditEntry.objects.exists()


def test_floats_are_refused_in_the_detail_because_databases_respell_them() -> None:
    with pytest.raises(ValueError):
        audit_append(action="fee.paid", actor="user:1", detail={"amount": 1.5})


def test_a_rolled_back_action_leaves_no_audit_entry() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_append(action="person.read", actor="user:1", subject=ALICE)
        raise RuntimeError("the read failed after all")
    assert not AuditEntry.objects.exists()


def test_request_actor_names_the_signed_in_person_and_their_address() -> None:
    user = get_user_model().objects.create_user(username=f"alice-{uuid.uuid4().hex[:6]}", password="x" * 12)
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.10")
    request.user = user

    actor = request_actor(request)

    assert actor == {"actor": f"user:{user.pk}", "actor_label": str(user), "source_ip": "192.0.2.10"}
    audit_append(action="auth.login.succeeded", **actor)
    assert AuditEntry.objects.get().actor == f"user:{user.pk}"


def test_request_actor_of_an_anonymous_visitor_is_anonymous() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="not-an-address")
    request.user = AnonymousUser()
    assert request_actor(request) == {"actor": "anonymous", "actor_label": "", "source_ip": None}


def test_the_chain_is_intact_after_appends_and_counts_every_entry() -> None:
    for number in range(7):
        read_by_clerk(ALICE, f"look {number}")
    audit_seal()

    result = audit_verify()

    assert result.intact, result.reason
    assert result.count == 7
    assert result.first_bad_sequence is None
    assert result.head == AuditSeal.objects.order_by("-sequence").first().chain_hash


def test_the_stored_hashes_are_the_documented_rfc6962_construction() -> None:
    read_by_clerk(ALICE)
    read_by_clerk(BOB)
    audit_seal()
    first, second = AuditEntry.objects.order_by("id")
    document = {
        "v": 1,
        "at": first.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": first.actor,
        "actor_label": first.actor_label,
        "source_ip": first.source_ip,
        "action": first.action,
        "subject": first.subject,
        "purpose": first.purpose,
        "legal_basis": first.legal_basis,
        "consent": first.consent,
        "object_ref": first.object_ref,
        "outcome": first.outcome,
        "detail": first.detail,
    }
    import hashlib

    leaf = hashlib.sha256(b"\x00" + json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).digest()
    assert first.leaf_hash == leaf.hex() == leaf_hash(document | {"at": first.at}).hex()
    chain1 = hashlib.sha256(b"\x01" + bytes(32) + leaf).digest()
    assert AuditSeal.objects.get(sequence=1).chain_hash == chain1.hex()
    assert AuditSeal.objects.get(sequence=2).chain_hash == chain_hash(chain1, bytes.fromhex(second.leaf_hash)).hex()


def test_canonical_json_sorts_keys_and_keeps_hangul_as_is() -> None:
    assert canonical_json({"b": 1, "a": "홍길동"}) == '{"a":"홍길동","b":1}'.encode()


@pytest.mark.parametrize("statement", ["UPDATE {table} SET {column} = {column}", "DELETE FROM {table}"])
@pytest.mark.parametrize(
    ("table", "column"),
    [("core_auditentry", "actor"), ("core_auditseal", "chain_hash"), ("core_auditcheckpoint", "head_hash")],
)
def test_the_database_refuses_to_change_or_remove_audit_rows(statement: str, table: str, column: str) -> None:
    read_by_clerk(ALICE)
    audit_checkpoint()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(table=table, column=column))
    assert AuditEntry.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE (its DELETE is refused above)")
@pytest.mark.parametrize("table", ["core_auditentry", "core_auditseal", "core_auditcheckpoint"])
def test_postgresql_refuses_to_truncate_audit_tables(table: str) -> None:
    read_by_clerk(ALICE)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table} CASCADE")


def test_the_orm_refuses_to_save_an_existing_entry() -> None:
    read_by_clerk(ALICE)
    entry = AuditEntry.objects.get()
    entry.purpose = "something nicer"
    with pytest.raises(RuntimeError):
        entry.save()


def test_a_checkpoint_signs_the_head_and_verify_checks_it(audit_checkpoint_file: object) -> None:
    for _number in range(3):
        read_by_clerk(ALICE)

    checkpoint = audit_checkpoint()

    assert checkpoint.sequence == 3
    assert checkpoint.head == AuditSeal.objects.get(sequence=3).chain_hash
    assert checkpoint.algorithm == "Ed25519"
    assert AuditCheckpoint.objects.get().signature == checkpoint.signature
    result = audit_verify()
    assert result.intact, result.reason
    assert result.checkpoints == 1


def test_checkpoints_are_written_every_so_many_entries(settings: object) -> None:
    settings.EGOV_AUDIT_CHECKPOINT_EVERY = 4  # type: ignore[attr-defined]
    for _number in range(9):
        read_by_clerk(ALICE)
        audit_seal()  # what each commit does on PostgreSQL (SQLite seals inline)
    assert list(AuditCheckpoint.objects.order_by("sequence").values_list("sequence", flat=True)) == [4, 8]
    assert audit_verify().intact


def test_an_empty_log_has_nothing_to_checkpoint() -> None:
    with pytest.raises(Conflict):
        audit_checkpoint()


def test_the_time_is_spelled_the_same_way_however_it_is_formatted() -> None:
    # The append spells the time with isoformat, which is quicker; verify must read it
    # back in the very same spelling, including a whole second and a time zone other
    # than UTC.
    from datetime import UTC, datetime, timezone

    from egov.core.audit import _timestamp

    seoul = timezone(timedelta(hours=9))
    for moment in (
        datetime(2026, 11, 24, 15, 4, 38, 123456, tzinfo=UTC),
        datetime(2026, 11, 24, 15, 4, 38, tzinfo=UTC),
        datetime(2026, 11, 25, 0, 4, 38, 7, tzinfo=seoul),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ):
        assert _timestamp(moment) == moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_a_detail_is_hashed_as_verify_recomputes_it_from_the_stored_row() -> None:
    audit_append(
        action="person.read",
        actor="user:clerk-1",
        subject=ALICE,
        detail={"zeta": [1, {"b": "가", "a": None}], "alpha": uuid.UUID(int=7), "when": clock.now().date()},
    )
    audit_seal()
    entry = AuditEntry.objects.get()

    assert entry.detail == {"alpha": str(uuid.UUID(int=7)), "when": clock.now().date().isoformat(),
                            "zeta": [1, {"a": None, "b": "가"}]}
    assert audit_verify().intact


def test_entries_beyond_one_sealing_batch_are_sealed_in_order_without_gaps() -> None:
    from egov.core.audit import SEAL_BATCH, SQLITE_SEAL_BATCH

    batch = SEAL_BATCH if connection.vendor == "postgresql" else SQLITE_SEAL_BATCH
    with transaction.atomic():
        for number in range(2 * batch + 7):
            read_by_clerk(ALICE if number % 2 else BOB, f"look {number}")

    assert audit_seal() == 2 * batch + 7
    seals = list(AuditSeal.objects.order_by("sequence").values_list("sequence", "entry_id", "subject", "at"))
    entries = {row[0]: row[1:] for row in AuditEntry.objects.values_list("id", "subject", "at")}
    assert [sequence for sequence, *_rest in seals] == list(range(1, 2 * batch + 8))
    assert [entry for _sequence, entry, *_rest in seals] == sorted(entries)
    assert all(entries[entry] == (subject, at) for _sequence, entry, subject, at in seals)
    assert audit_verify().intact


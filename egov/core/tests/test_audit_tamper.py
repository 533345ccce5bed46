"""Tampering with the audit chain by hand is found, and ``egov audit verify`` names the first bad entry.

Each test commits a small chain to a database cloned for it, drops the triggers
through a raw connection (as an attacker with database access could), changes the
tables, and runs the verification both as a function and as the operator's command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from egov.core import keys
from egov.core.audit import audit_append, audit_checkpoint, audit_seal, audit_verify
from egov.core.models.audit import AuditSeal, drop_append_only_triggers

EGOV = str(Path(sys.executable).with_name("egov"))


def sql(statement: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def entry_id(sequence: int) -> int:
    return AuditSeal.objects.get(sequence=sequence).entry_id


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """Reasons are read in the English of the source (the commands' output, in the deployment's language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def chain(committed_db: str) -> str:
    """Six committed entries, #1 to #6; yields the database URL."""
    for number in range(1, 7):
        audit_append(
            action="person.read",
            actor="user:clerk-1",
            actor_label="Kim Clerk",
            subject="user:alice",
            purpose=f"look {number}",
            legal_basis="Resident Registration Act art. 29",
        )
    assert audit_verify().intact
    return committed_db


def drop_triggers() -> None:
    with connection.schema_editor() as editor:
        drop_append_only_triggers(editor)


def said(message: str, **values: Any) -> str:
    """What the command prints, in the deployment's language (the operator's output is translated)."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(message) % values


def not_intact_line(language: str = settings.LANGUAGE_CODE) -> str:
    """The line ``egov audit verify`` prints for the current state of the database."""
    with translation.override(language):
        result = audit_verify()
        where = gettext("#%(n)s") % {"n": result.first_bad_sequence}
        return gettext("NOT intact: first bad entry %(where)s: %(reason)s") % {"where": where, "reason": result.reason}


def korean_operator_environment() -> dict[str, str]:
    """The command line speaks the shell's locale; these tests read it as a Korean operator would."""
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES")}
    return {**env, "LANG": "ko_KR.UTF-8"}


def run_verify(database_url: str) -> subprocess.CompletedProcess[str]:
    """The operator's command, as a separate process on the test's database."""
    env = {**korean_operator_environment(), "DATABASE_URL": database_url}
    return subprocess.run([EGOV, "audit", "verify"], env=env, capture_output=True, text=True, timeout=120)


def test_egov_audit_verify_says_intact_with_the_count_and_head(chain: str) -> None:
    result = run_verify(chain)
    assert result.returncode == 0, result.stderr
    head = AuditSeal.objects.order_by("-sequence").first().chain_hash
    count = AuditSeal.objects.count()
    assert result.stdout.splitlines()[0] == said("intact: %(count)s entries, head %(head)s", count=count, head=head)


def test_an_altered_entry_is_named(chain: str) -> None:
    drop_triggers()
    sql("UPDATE core_auditentry SET purpose = %s WHERE id = %s", ["nothing to see", entry_id(3)])

    result = audit_verify()

    assert not result.intact
    assert result.first_bad_sequence == 3
    assert "altered" in result.reason
    command = run_verify(chain)
    assert command.returncode != 0
    assert not_intact_line() in command.stderr


def test_an_altered_entry_with_its_hash_recomputed_breaks_the_chain_there(chain: str) -> None:
    from egov.core.audit import leaf_hash
    from egov.core.models.audit import AuditEntry

    drop_triggers()
    entry = AuditEntry.objects.values().get(id=entry_id(4))
    entry["purpose"] = "nothing to see"
    sql("UPDATE core_auditentry SET purpose = %s, leaf_hash = %s WHERE id = %s",
        [entry["purpose"], leaf_hash(entry).hex(), entry["id"]])

    result = audit_verify()

    assert (result.intact, result.first_bad_sequence) == (False, 4)
    assert "does not follow entry #3" in result.reason


def test_a_removed_entry_is_named(chain: str) -> None:
    drop_triggers()
    removed = entry_id(2)
    sql("DELETE FROM core_auditseal WHERE entry_id = %s", [removed])
    sql("DELETE FROM core_auditentry WHERE id = %s", [removed])

    result = audit_verify()

    assert (result.intact, result.first_bad_sequence) == (False, 2)
    assert "#2 is missing" in result.reason
    assert not_intact_line() in run_verify(chain).stderr


def test_a_seal_that_hides_an_entry_from_its_data_subject_is_named(chain: str) -> None:
    drop_triggers()
    sql("UPDATE core_auditseal SET subject = %s WHERE sequence = 5", ["user:someone-else"])

    result = audit_verify()

    assert (result.intact, result.first_bad_sequence) == (False, 5)
    assert "another data subject" in result.reason


def test_two_swapped_entries_are_named_at_the_first_of_them(chain: str) -> None:
    drop_triggers()
    columns = ["at", "actor", "actor_label", "source_ip", "action", "subject", "purpose", "legal_basis",
               "consent", "object_ref", "outcome", "detail", "leaf_hash"]
    listed = ", ".join(columns)
    first, second = entry_id(3), entry_id(4)
    row3 = sql(f"SELECT {listed} FROM core_auditentry WHERE id = %s", [first])[0]
    row4 = sql(f"SELECT {listed} FROM core_auditentry WHERE id = %s", [second])[0]
    assignments = ", ".join(f"{column} = %s" for column in columns)
    sql(f"UPDATE core_auditentry SET {assignments} WHERE id = %s", [*row4, first])
    sql(f"UPDATE core_auditentry SET {assignments} WHERE id = %s", [*row3, second])

    result = audit_verify()

    assert (result.intact, result.first_bad_sequence) == (False, 3)
    assert not_intact_line() in run_verify(chain).stderr


def test_removing_the_newest_entries_is_caught_by_the_signed_checkpoint(chain: str) -> None:
    audit_checkpoint()
    drop_triggers()
    for sequence in (6, 5):
        removed = entry_id(sequence)
        sql("DELETE FROM core_auditseal WHERE sequence = %s", [sequence])
        sql("DELETE FROM core_auditentry WHERE id = %s", [removed])

    result = audit_verify()

    assert (result.intact, result.first_bad_sequence) == (False, 5)
    assert "checkpoint at #6" in result.reason


def test_a_seal_removed_from_the_end_is_reported_or_made_again_identically(chain: str) -> None:
    head = AuditSeal.objects.get(sequence=6).chain_hash
    drop_triggers()
    sql("DELETE FROM core_auditseal WHERE sequence = 6")

    result = audit_verify()

    if connection.vendor == "postgresql":
        # The entry is neither sealed nor in the sealing queue: someone removed its seal.
        assert not result.intact
        assert "neither sealed nor waiting" in result.reason
    else:
        # SQLite finds unsealed entries by their id, so the entry is waiting again, and
        # sealing it again gives the very same chain (a seal is derived from entries).
        assert result.intact and result.pending == 1
        audit_seal()
        assert AuditSeal.objects.get(sequence=6).chain_hash == head


def test_a_forged_checkpoint_signature_is_refused(chain: str) -> None:
    audit_checkpoint()
    drop_triggers()
    sql("UPDATE core_auditcheckpoint SET signature = %s", ["AAAA" + "A" * 84])

    result = audit_verify()

    assert not result.intact
    assert "signature" in result.reason


def test_a_checkpoint_file_that_disagrees_with_the_database_is_reported(
    chain: str, audit_checkpoint_file: Path
) -> None:
    checkpoint = audit_checkpoint()
    line = json.loads(audit_checkpoint_file.read_text().splitlines()[0])
    assert line["head"] == checkpoint.head
    forged = {**line, "head": "0" * 64}
    with audit_checkpoint_file.open("a") as handle:
        handle.write(json.dumps(forged) + "\n")

    result = audit_verify()

    assert not result.intact
    assert "line 2 of the checkpoint file" in result.reason


def test_a_checkpoint_file_of_another_log_is_reported(chain: str, audit_checkpoint_file: Path) -> None:
    audit_checkpoint()
    line = json.loads(audit_checkpoint_file.read_text().splitlines()[0])
    audit_checkpoint_file.write_text(json.dumps({**line, "log": "f" * 64}) + "\n")

    result = audit_verify()

    assert not result.intact
    assert "another audit log" in result.reason


def test_egov_audit_checkpoint_writes_the_file_and_verify_agrees(chain: str, audit_checkpoint_file: Path) -> None:
    env = {**korean_operator_environment(), "DATABASE_URL": chain}
    written = subprocess.run([EGOV, "audit", "checkpoint"], env=env, capture_output=True, text=True, timeout=120)
    assert written.returncode == 0, written.stderr
    head = AuditSeal.objects.order_by("-sequence").first()
    key = keys.current_key_id("audit")
    assert written.stdout.strip() == said(
        "checkpoint #%(n)s, head %(head)s, signed with key %(key)s", n=head.sequence, head=head.chain_hash, key=key
    )
    assert len(audit_checkpoint_file.read_text().splitlines()) == 1
    verified = run_verify(chain)
    assert verified.returncode == 0, verified.stderr
    assert said("checkpoints: %(n)s, signatures good", n=1) in verified.stdout


def test_the_command_exits_non_zero_when_not_intact(chain: str) -> None:
    drop_triggers()
    sql("UPDATE core_auditentry SET actor = %s WHERE id = %s", ["user:someone-else", entry_id(1)])
    with pytest.raises(CommandError) as refused:
        call_command("audit", "verify")
    assert str(refused.value) == not_intact_line("en")
    assert audit_verify().first_bad_sequence == 1

"""The audit chain's tables: entries, their seals, the sealing queue and signed checkpoints.

Why four tables (ADR 0010):

- ``AuditEntry`` is written by the request that causes the event, inside that
  request's own transaction, and never changes afterwards. It carries the PIPA
  access-log fields and the entry's RFC 6962 leaf hash, computed before the insert.
  It has no secondary index: whatever is written inside the caller's transaction
  is paid for by every request that audits (on SQLite, under the only write lock).
- ``AuditSeal`` gives an entry its place in the chain: a gap-free sequence number and
  the chain hash that binds it to its predecessor. Seals are written in batches by the
  sealer, never by requests, and never change either, so no row of history is ever
  updated: the triggers can refuse every UPDATE and DELETE. A seal also carries its
  entry's data subject and time, indexed, for "Who viewed my data" (``verify``
  checks that they match the entry).
- ``AuditPending`` is the sealer's work queue on PostgreSQL, where transactions may
  commit out of id order (SQLite commits in id order, so there the entries after the
  last sealed one are the pending ones). It is the only table rows leave; an entry
  that is neither sealed nor queued is reported by ``egov audit verify``.
- ``AuditCheckpoint`` holds signed statements of the chain head, also appended to a
  file outside the database.

The triggers are installed by :func:`install_append_only_triggers` (called from the
migrations). Any later migration that makes Django rebuild one of these tables on
SQLite (which drops the old table and its triggers) must call it again.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "APPEND_ONLY_TABLES",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditOutcome",
    "AuditPending",
    "AuditSeal",
    "drop_append_only_triggers",
    "install_append_only_triggers",
]


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", _("Succeeded")
    FAILURE = "failure", _("Failed")
    DENIED = "denied", _("Refused")
    ERROR = "error", _("Error")


class AuditEntry(models.Model):
    """One security event. Immutable; its place in the chain is its ``AuditSeal``."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("when"))
    actor = models.CharField(_("actor"), max_length=100)
    # Stored at append time: the kernel may not look accounts up, and a name shown to
    # a citizen years later must be the one that was true when the data was read.
    actor_label = models.TextField(_("actor name"), blank=True)
    source_ip = models.CharField(_("source address"), max_length=45, null=True, blank=True)
    action = models.CharField(_("action"), max_length=100)
    subject = models.CharField(_("data subject"), max_length=100, null=True, blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    consent = models.TextField(_("consent"), blank=True)
    object_ref = models.TextField(_("object"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=AuditOutcome.choices)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    leaf_hash = models.CharField(_("leaf hash"), max_length=64)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Entries are only ever created (by egov.core.audit.audit_append); an update
        # would be refused by the database anyway, but fail early with a clear reason.
        if not self._state.adding:
            raise RuntimeError("audit entries are append-only")
        super().save(*args, **kwargs)


class AuditSeal(models.Model):
    """An entry's position in the chain and the chain hash up to and including it."""

    sequence = models.PositiveBigIntegerField(_("sequence"), primary_key=True)
    entry = models.OneToOneField(
        AuditEntry, on_delete=models.DO_NOTHING, db_constraint=False, related_name="seal", verbose_name=_("entry")
    )
    chain_hash = models.CharField(_("chain hash"), max_length=64)
    sealed_at = models.DateTimeField(_("sealed at"))
    # Copies of the entry's, so that the sealer, not the request, writes the index.
    subject = models.CharField(_("data subject"), max_length=100, null=True, blank=True)
    at = models.DateTimeField(_("when"), null=True)

    class Meta:
        verbose_name = _("audit seal")
        verbose_name_plural = _("audit seals")
        indexes = [models.Index(fields=["subject", "-at"], name="core_auditseal_subject_at")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.chain_hash[:16]}"


class AuditPending(models.Model):
    """An entry committed but not sealed yet (PostgreSQL only; see the module docstring)."""

    entry = models.OneToOneField(
        AuditEntry,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        primary_key=True,
        related_name="pending",
        verbose_name=_("entry"),
    )

    class Meta:
        verbose_name = _("audit entry awaiting its seal")
        verbose_name_plural = _("audit entries awaiting their seal")

    def __str__(self) -> str:
        return f"pending {self.pk}"


class AuditCheckpoint(models.Model):
    """A signed statement of the chain head; the same line is appended to a file outside the database."""

    id = models.BigAutoField(primary_key=True)
    log_id = models.CharField(_("log"), max_length=64)
    sequence = models.PositiveBigIntegerField(_("sequence"), db_index=True)
    head_hash = models.CharField(_("head hash"), max_length=64)
    at = models.DateTimeField(_("when"))
    key_id = models.CharField(_("key id"), max_length=64)
    algorithm = models.CharField(_("algorithm"), max_length=20)
    signature = models.TextField(_("signature"))

    class Meta:
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")

    def __str__(self) -> str:
        return f"checkpoint #{self.sequence} {self.head_hash[:16]}"


# The tables whose rows may never change or disappear. The queue (AuditPending) is
# not among them: the sealer deletes a queue row in the same transaction as it seals.
APPEND_ONLY_TABLES = ("core_auditentry", "core_auditseal", "core_auditcheckpoint")

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION egov_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = TG_OP || ' on ' || TG_TABLE_NAME || ' refused: the audit chain is append-only',
        ERRCODE = 'insufficient_privilege';
END
$$
"""


def _statements(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION egov_audit_append_only()",
            # Row triggers do not fire on TRUNCATE; a statement-level trigger does.
            f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION egov_audit_append_only()",
        ]
    if vendor == "sqlite":
        # SQLite has no TRUNCATE: "DELETE FROM t" without WHERE is its truncate, and a
        # DELETE trigger turns that optimisation off, so the trigger refuses it too.
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{operation} BEFORE {operation.upper()} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{operation.upper()} on {table} refused: the audit chain is append-only'); END"
            for operation in ("update", "delete")
        ]
    raise NotImplementedError(f"the audit chain's triggers are not written for {vendor}")


def install_append_only_triggers(schema_editor: Any, tables: tuple[str, ...] = APPEND_ONLY_TABLES) -> None:
    """Create the triggers refusing UPDATE, DELETE (and TRUNCATE) on the audit tables (idempotent)."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(_PG_FUNCTION)
    for table in tables:
        for statement in _statements(vendor, table):
            schema_editor.execute(statement)


def trigger_names(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f"{table}_append_only", f"{table}_no_truncate"]
    return [f"{table}_no_update", f"{table}_no_delete"]


def drop_append_only_triggers(schema_editor: Any, tables: tuple[str, ...] = APPEND_ONLY_TABLES) -> None:
    """Remove the triggers (reverse migration only; a test does it on a throw-away clone)."""
    vendor = schema_editor.connection.vendor
    for table in tables:
        for name in trigger_names(vendor, table):
            if vendor == "postgresql":
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            else:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


# The PostgreSQL sealer (ADR 0010): one call chains the queued entries in id order.
# The hashing is the one egov.core.audit.chain_hash does in Python:
# chain[n] = SHA-256(0x01 || chain[n-1] || leaf[n]), chain[0] = 32 zero bytes.
# The advisory lock serialises sealers across processes; the sealing commit need not
# wait for the disk (a lost seal leaves its entry queued, to be sealed again), while
# the entries' own commits and the checkpoints' do.
SEAL_LOCK_KEY = 0x65676F7661756469  # "egovaudi"

_PG_SEAL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION egov_audit_seal(batch integer, p_sealed_at timestamptz,
    OUT sealed integer, OUT previous_sequence bigint, OUT head_sequence bigint, OUT head_hash text)
LANGUAGE plpgsql AS $$
DECLARE
    chain bytea;
    ids bigint[];
    leaves text[];
    chains text[];
BEGIN
    PERFORM pg_advisory_xact_lock({SEAL_LOCK_KEY});
    SELECT s.sequence, decode(s.chain_hash, 'hex') INTO head_sequence, chain
        FROM core_auditseal s ORDER BY s.sequence DESC LIMIT 1;
    IF head_sequence IS NULL THEN
        head_sequence := 0;
        chain := decode(repeat('00', 32), 'hex');
    END IF;
    previous_sequence := head_sequence;
    SELECT array_agg(q.entry_id ORDER BY q.entry_id), array_agg(e.leaf_hash ORDER BY q.entry_id)
        INTO ids, leaves
        FROM (SELECT entry_id FROM core_auditpending ORDER BY entry_id LIMIT batch) q
        JOIN core_auditentry e ON e.id = q.entry_id;
    sealed := coalesce(array_length(ids, 1), 0);
    IF sealed > 0 THEN
        chains := array_fill(NULL::text, ARRAY[sealed]);
        FOR i IN 1..sealed LOOP
            chain := sha256(decode('01', 'hex') || chain || decode(leaves[i], 'hex'));
            chains[i] := encode(chain, 'hex');
        END LOOP;
        -- One statement for the whole batch; the seal also copies the entry's subject
        -- and time, which "Who viewed my data" finds through the seals' index.
        INSERT INTO core_auditseal (sequence, entry_id, chain_hash, sealed_at, subject, at)
            SELECT head_sequence + n, ids[n], chains[n], p_sealed_at, e.subject, e.at
            FROM generate_subscripts(ids, 1) AS n JOIN core_auditentry e ON e.id = ids[n];
        DELETE FROM core_auditpending WHERE entry_id = ANY(ids);
        head_sequence := head_sequence + sealed;
        PERFORM set_config('synchronous_commit', 'off', true);
    END IF;
    head_hash := encode(chain, 'hex');
END
$$
"""  # noqa: S608


def install_sealer(schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_PG_SEAL_FUNCTION)


def drop_sealer(schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS egov_audit_seal(integer, timestamptz)")


# The append on PostgreSQL (ADR 0010): the entry and its place in the sealing queue,
# in one call. PL/pgSQL prepares its statements once per session and keeps their
# plans, so a request pays neither parsing nor planning for them; the call itself is a
# SELECT whose plan is trivial. It works through any connection pooler (nothing is
# prepared at the protocol level).
_PG_APPEND_FUNCTION = """
CREATE OR REPLACE FUNCTION egov_audit_append(p_at timestamptz, p_actor text, p_actor_label text,
    p_source_ip text, p_action text, p_subject text, p_purpose text, p_legal_basis text, p_consent text,
    p_object_ref text, p_outcome text, p_detail jsonb, p_leaf_hash text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    new_id bigint;
BEGIN
    INSERT INTO core_auditentry (at, actor, actor_label, source_ip, action, subject, purpose, legal_basis,
            consent, object_ref, outcome, detail, leaf_hash)
        VALUES (p_at, p_actor, p_actor_label, p_source_ip, p_action, p_subject, p_purpose, p_legal_basis,
            p_consent, p_object_ref, p_outcome, p_detail, p_leaf_hash)
        RETURNING id INTO new_id;
    INSERT INTO core_auditpending (entry_id) VALUES (new_id);
END
$$
"""


def install_append_function(schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_PG_APPEND_FUNCTION)


def drop_append_function(schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP FUNCTION IF EXISTS egov_audit_append(timestamptz, text, text, text, text, text, text, text, text, "
            "text, text, jsonb, text)"
        )

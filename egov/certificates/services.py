"""Issuing documents and verifying them (writes: each issue and each verification is audited).

Issue: the template's fields are resolved from what the approved application holds
(its released facts, answers, applicant, case), drawn into a PDF, signed and
time-stamped, and stored with a fresh confirmation number, in one transaction with the
audit entry.

Verify: by number or by an uploaded PDF; the answer is a :class:`Verdict` that carries
only the facts the template declares public. Every verification of an existing
document is an audit entry whose subject is the holder, so it appears in their "Who
viewed my data"; a number that matches nothing is audited without a subject.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.db.models.sql import InsertQuery
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from egov.certificates import numbers, rendering, revocation, signing
from egov.certificates.models import DocumentStatus, IssuedDocument
from egov.certificates.templates_pack import DocumentTemplate, document_template
from egov.core import clock
from egov.core.audit import audit_append
from egov.core.errors import RateLimited, ValidationError


class Verdict:
    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_VALID = "not_valid"


@dataclass(frozen=True)
class VerificationResult:
    verdict: str
    number: str = ""
    document_type: str = ""
    title: Mapping[str, str] = field(default_factory=dict)
    authority: str = ""
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    public_facts: tuple[Mapping[str, Any], ...] = ()
    reason: str = ""


# --- issuing ------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A fact as printed: an address by its parts in order, a list joined, nothing as a dash."""
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, Mapping):
        parts = [value.get(key) for key in ("sido", "sigungu", "road", "building_number", "detail")]
        text = " ".join(str(part) for part in parts if part)
        return text or " ".join(str(part) for part in value.values() if isinstance(part, str | int))
    if isinstance(value, list | tuple):
        return ", ".join(_text(item) for item in value)
    return str(value)


def _rows(template: DocumentTemplate, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": f.name,
            "label": dict(f.label),
            "value": _text(f.resolve(values)),
            "public": f.public,
        }
        for f in template.fields
    ]


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@functools.cache
def _number_taken_sql(vendor: str) -> str:
    """Whether a number is taken, as SQL written once from the model's own names (see :func:`_by_number`)."""
    meta = IssuedDocument._meta
    quote = connection.ops.quote_name
    # Only the model's own names are written into it; the number is a parameter.
    return f"SELECT 1 FROM {quote(meta.db_table)} WHERE {quote(meta.get_field('number').column)} = %s LIMIT 1"  # noqa: S608


def _number_taken(number: str) -> bool:
    """Whether a document already has ``number``: asked once a document, by a statement compiled once."""
    with connection.cursor() as cursor:
        cursor.execute(_number_taken_sql(connection.vendor), [number])
        return cursor.fetchone() is not None


def _insert_statement(instance: Model) -> tuple[str, Any]:
    """The INSERT that ``instance.save(force_insert=True)`` would run, compiled now, with its values converted.

    On SQLite every other writer waits while a write transaction is open, so issuing does
    its preparing before the transaction: compiling the statement, converting
    the values (the PDF, the JSON columns) and encrypting the facts. Only the statements
    run inside. Nothing listens to these models' save signals, and their fields compute
    nothing on save (the times are set when the instance is made).
    """
    query = InsertQuery(type(instance))
    query.insert_values(type(instance)._meta.local_concrete_fields, [instance])
    [(statement, params)] = query.get_compiler(connection=connection).as_sql()
    return statement, params


def verify_url(number: str) -> str:
    return settings.EGOV_BASE_URL.rstrip("/") + reverse("certificates:verify_number", args=[number])


class AlreadyIssued(Exception):
    """The application's document of this kind exists already (:func:`document_issue` was run twice)."""

    def __init__(self, document: IssuedDocument) -> None:
        super().__init__(document.number)
        self.document = document


def document_issue(
    *,
    document_type: str,
    holder_id: UUID,
    subject_resident_ids: list[UUID],
    case_reference: str,
    application_id: UUID | None,
    values: Mapping[str, Any],
    authority: str,
    by: str,
    keep_facts: bool = False,
) -> IssuedDocument:
    """Issue the signed document ``document_type`` for ``holder_id`` from ``values`` (facts, form, applicant, case).

    The document is drawn and signed before its row and audit entry are written, in one
    short transaction of their own: a standalone issue holds no write lock while it
    signs (SQLite takes it at BEGIN), and inside the approval's transaction a failure
    anywhere still stores nothing and undoes the approval with it. ``keep_facts`` also
    keeps every fact for the document's e-certificates, in the same transaction.
    """
    template = document_template(document_type)
    authority = authority or settings.EGOV_OPERATOR_NAME or str(_("e-Government portal"))
    rows = _rows(template, values)
    # Everyone and everything the document states, so that a change of any of them revokes it.
    people, things = revocation.subjects_stated(template, values)
    stated = list(dict.fromkeys([*(str(r) for r in subject_resident_ids), *people]))
    issued_at = clock.now()
    expires_at = issued_at + timedelta(days=settings.EGOV_CERTIFICATE_VERIFY_DAYS)
    local = issued_at.astimezone(_zone())
    for _attempt in range(5):
        number = numbers.new_number()
        if not _number_taken(number):
            break
    page = rendering.Page(
        number=number,
        title_ko=template.title["ko"],
        title_en=template.title["en"],
        rows=[(f"{row['label'].get('ko', '')} ({row['label'].get('en', '')})", row["value"]) for row in rows],
        authority=authority,
        issued_at=local,
        verify_until=expires_at.astimezone(_zone()).date().isoformat(),
        verify_url=verify_url(number),
    )

    def prepare(writer: Any) -> None:
        rendering.prepare_pdfa(
            writer,
            title=f"{template.title['ko']} ({template.title['en']})",
            author=authority,
            subject=rendering.format_number(number),
            created=issued_at,
        )

    # The document speaks the deployment's language, whoever's request approved the case.
    with translation.override(settings.LANGUAGE_CODE):
        drawn = rendering.render_pdf(page)
    kit = signing.signing_kit()
    pdf = signing.sign_pdf(drawn, reason=template.title["ko"], location=authority, prepare=prepare, kit=kit)
    public_facts = [{"label": row["label"], "value": row["value"]} for row in rows if row["public"]]
    # Everything but the writes is made before the transaction: on SQLite every other writer
    # waits while it is open.
    document = IssuedDocument(
        number=number,
        document_type=document_type,
        holder_id=holder_id,
        subject_resident_ids=stated,
        subject_things=things,
        case_reference=case_reference,
        application_id=application_id,
        title=dict(template.title),
        authority=authority,
        issued_at=issued_at,
        expires_at=expires_at,
        public_facts=public_facts,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        signing_key_id=kit.key_id,
    )
    inserts = [_insert_statement(document)]
    if keep_facts:
        from egov.certificates import credentials

        inserts.append(_insert_statement(credentials.facts_of_document(document=document, rows=rows)))
    try:
        # One transaction (a savepoint inside the approval's) for the row, its facts and its
        # audit entry: nothing is stored unless all of them are.
        with transaction.atomic():
            with connection.cursor() as cursor:
                for statement, params in inserts:
                    cursor.execute(statement, params)
            audit_append(
                action="certificate.issued",
                actor=by,
                subject=f"user:{holder_id}",
                object_ref=f"document:{document.id}",
                detail={"type": document_type, "case": case_reference, "sha256": document.sha256},
            )
    except IntegrityError as error:
        raise _not_stored(document, error) from None
    document._state.adding = False
    document._state.db = connection.alias
    return document


def _not_stored(document: IssuedDocument, error: IntegrityError) -> Exception:
    """Why a document's row was refused: its application's document exists, its number was taken, or ``error``."""
    if document.application_id is not None:
        # The application's document was issued meanwhile (the worker and the request at once).
        existing = IssuedDocument.objects.filter(
            application_id=document.application_id, document_type=document.document_type
        ).first()
        if existing is not None:
            return AlreadyIssued(existing)
    if _number_taken(document.number):
        # Two identical 15-digit draws in one instant.
        return ValidationError(_("The document could not be numbered; try again."))
    return error


# --- verifying ----------------------------------------------------------------------


def _throttle(source_ip: str | None) -> None:
    """At most EGOV_CERTIFICATE_VERIFY_RATE verifications a minute per client address (enumeration)."""
    key = f"certificates:verify:{source_ip or 'unknown'}:{int(clock.now().timestamp()) // 60}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    if count > settings.EGOV_CERTIFICATE_VERIFY_RATE:
        raise RateLimited(_("Too many verifications from your connection. Wait a minute and try again."))


# What a verification reads of a document: never the PDF (tens of kilobytes a row).
_VERIFIED_FIELDS = (
    "id", "number", "document_type", "holder_id", "title", "authority", "issued_at", "expires_at",
    "public_facts", "status",
)


@dataclass(frozen=True)
class _Verified:
    """The columns of a document that a verification by number shows or records, as Python values."""

    id: UUID
    number: str
    document_type: str
    holder_id: UUID
    title: Mapping[str, str]
    authority: str
    issued_at: datetime
    expires_at: datetime
    public_facts: list[Mapping[str, Any]]
    status: str


Converter = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class _NumberLookup:
    """The look-up of a document by its number on one kind of database, prepared once."""

    sql: str
    converters: tuple[tuple[int, tuple[Converter, ...]], ...]
    columns: tuple[Any, ...]


@functools.cache
def _by_number(vendor: str) -> _NumberLookup:
    """The look-up of a document by its number, as SQL written once, with the column converters it needs.

    Verification by number is the platform's most frequent public request. Through the
    query builder, compiling ``filter(number=…).first()`` cost four times what the database
    took to answer it (and it read the PDF too, and sorted by the key); ``objects.raw``
    still worked out the columns and their converters and built a model instance on every
    call (a third of the service's time, ADR 0146). The statement and the converters are
    the same every time, so both are made once from the model's own table, columns and
    fields, with the converters Django itself applies to them (UUIDs, JSON, aware
    datetimes on SQLite; JSON on PostgreSQL): the row becomes the same values as through
    the ORM.
    """
    meta = IssuedDocument._meta
    quote = connection.ops.quote_name
    by_attname: dict[str, Any] = {field.attname: field for field in meta.concrete_fields}
    fields = [by_attname[name] for name in _VERIFIED_FIELDS]
    columns = tuple(field.get_col(meta.db_table) for field in fields)
    converters = tuple(
        (index, tuple(connection.ops.get_db_converters(column) + field.get_db_converters(connection)))
        for index, (field, column) in enumerate(zip(fields, columns, strict=True))
    )
    names = ", ".join(quote(field.column) for field in fields)
    number = quote(by_attname["number"].column)
    # Only the model's own names are written into it; the number is a parameter.
    sql = f"SELECT {names} FROM {quote(meta.db_table)} WHERE {number} = %s LIMIT 1"  # noqa: S608
    return _NumberLookup(sql=sql, converters=tuple(c for c in converters if c[1]), columns=columns)


def _document_by_number(digits: str) -> _Verified | None:
    """The shown columns of the document numbered ``digits``, read outside any transaction, or None."""
    lookup = _by_number(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(lookup.sql, [digits])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, converters in lookup.converters:
        for convert in converters:
            values[index] = convert(values[index], lookup.columns[index], connection)
    return _Verified(*values)


# One write transaction at a time per process on SQLite (ADR 0146). SQLite has one writer
# and makes the others poll for its lock, sleeping 1, 2, 5, 10 ... ms between tries; with a
# server's threads all appending verification entries, those sleeps were the verification's
# p99. Queued on this lock, a process's threads are woken the moment the one before them
# commits; only the other processes still meet SQLite's polling. PostgreSQL has no such lock.
_SQLITE_WRITER = threading.Lock()


def _result(document: IssuedDocument | _Verified, verdict: str, reason: str = "") -> VerificationResult:
    return VerificationResult(
        verdict=verdict,
        number=document.number,
        document_type=document.document_type,
        title=dict(document.title),
        authority=document.authority,
        issued_at=document.issued_at,
        expires_at=document.expires_at,
        public_facts=tuple(document.public_facts),
        reason=reason,
    )


def _state(document: IssuedDocument | _Verified) -> str:
    if document.status == DocumentStatus.REVOKED:
        return Verdict.REVOKED
    if clock.now() >= document.expires_at:
        return Verdict.EXPIRED
    return Verdict.VALID


def _audit(
    result: VerificationResult,
    document: IssuedDocument | _Verified | None,
    *,
    how: str,
    actor: str,
    actor_label: str,
    source_ip: str | None,
) -> None:
    entry = functools.partial(
        audit_append,
        action="certificate.verified",
        actor=actor,
        actor_label=actor_label,
        source_ip=source_ip,
        subject=f"user:{document.holder_id}" if document else None,
        object_ref=f"document:{document.id}" if document else "",
        outcome="success" if result.verdict == Verdict.VALID else "failure",
        detail={
            "how": how,
            "verdict": result.verdict,
            **({"type": document.document_type} if document else {}),
        },
    )
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with _SQLITE_WRITER:
            entry()
    else:
        entry()


def checked_number(text: str) -> str:
    """The 16 digits of a number as typed; ValidationError when it is not one (wrong length, check digit)."""
    digits = numbers.normalise(text)
    if not numbers.is_well_formed(digits):
        raise ValidationError(
            _(
                "A confirmation number has 16 digits and the last is a check digit: check the number you typed."
            ),
            field_errors={"number": [_("Enter the 16 digits printed at the top of the document.")]},
        )
    return digits


def document_verify_number(
    *, number: str, actor: str = "anonymous", actor_label: str = "", source_ip: str | None = None
) -> VerificationResult:
    """The verdict on a confirmation number; a malformed number is a ValidationError (and is not counted as a try).

    The look-up is a read outside any transaction and the audit entry its own short
    one: its one write is the entry, and on SQLite a transaction around the whole would
    take the database's write lock at BEGIN and hold it through the read.
    """
    digits = checked_number(number)
    _throttle(source_ip)
    document = _document_by_number(digits)
    if document is None:
        result = VerificationResult(verdict=Verdict.NOT_VALID, number=digits, reason="unknown")
    else:
        result = _result(document, _state(document))
    _audit(result, document, how="number", actor=actor, actor_label=actor_label, source_ip=source_ip)
    return result


def document_verify_pdf(
    *, pdf: bytes, actor: str = "anonymous", actor_label: str = "", source_ip: str | None = None
) -> VerificationResult:
    """The verdict on an uploaded PDF: it must be, byte for byte, a document we issued, and its signature must hold.

    The hash finds the document; the signature is validated with pyHanko against the
    platform root all the same, so a copy whose bytes match but whose signature no
    longer validates (a withdrawn trust anchor) is not valid either. As by number, only
    the audit entry is written, in a transaction of its own: the validation holds no
    write lock.
    """
    if not pdf:
        raise ValidationError(
            _("Choose the PDF file of the document to check."),
            field_errors={"file": [_("Choose a PDF file.")]},
        )
    if len(pdf) > settings.EGOV_CERTIFICATE_UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("That file is too large to be a document issued here."),
            field_errors={"file": [_("Choose the PDF you downloaded, unchanged.")]},
        )
    _throttle(source_ip)
    digest = hashlib.sha256(pdf).hexdigest()
    document = IssuedDocument.objects.filter(sha256=digest).first()
    if document is None:
        result = VerificationResult(verdict=Verdict.NOT_VALID, reason="changed_or_unknown")
    else:
        check = signing.validate_pdf(pdf)
        result = (
            _result(document, _state(document))
            if check.valid
            else VerificationResult(verdict=Verdict.NOT_VALID, reason="signature")
        )
    _audit(result, document, how="upload", actor=actor, actor_label=actor_label, source_ip=source_ip)
    return result


# --- e-certificates, sharing, revocation (issue 6, part 2) -------------------------------------


def verification_throttle(source_ip: str | None) -> None:
    """The verification rate limit, shared by e-certificate checks and share links (enumeration)."""
    _throttle(source_ip)


def document_issue_with_facts(
    *,
    document_type: str,
    holder_id: UUID,
    subject_resident_ids: list[UUID],
    case_reference: str,
    application_id: UUID | None,
    values: Mapping[str, Any],
    authority: str,
    by: str,
) -> IssuedDocument:
    """:func:`document_issue`, and every fact of the document kept (encrypted) for its e-certificates.

    The facts are resolved from the same ``values`` and stored in the document's own short
    transaction, so the SD-JWT VC of a document states what its PDF prints. No transaction
    is opened around the drawing and signing: on SQLite it would take the database's write
    lock at BEGIN and hold it through them, and every other writer would wait (bench-issue
    measured stalls of seconds with two issuing processes).
    """
    try:
        return document_issue(
            document_type=document_type,
            holder_id=holder_id,
            subject_resident_ids=subject_resident_ids,
            case_reference=case_reference,
            application_id=application_id,
            values=values,
            authority=authority,
            by=by,
            keep_facts=True,
        )
    except AlreadyIssued as issued:
        return issued.document


def document_revocation(*, number: str) -> tuple[datetime | None, str]:
    """When a document was revoked and why (the verdict pages say so), or (None, "")."""
    found = IssuedDocument.objects.filter(number=number, status=DocumentStatus.REVOKED).values_list(
        "revoked_at", "revocation_cause"
    ).first()
    return (found[0], found[1]) if found else (None, "")

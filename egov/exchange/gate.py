"""The information-sharing gate: every read of a person's data by another app or deployment passes here.

:func:`gate_fetch` checks, in this order, that the request names a known data product,
the consumer organisation, the official or system, the service and a known purpose;
that an access right for that organisation, product and purpose exists as data; and
that the request cites either a consent of the subject (matching product, purpose and
recipient, not expired, not revoked) or the very article that dispenses with consent
in that right. Only then does it call the registry's person-reading function, which
writes the access's one audit entry, and release the product's declared fields.

A product may read a thing rather than a person (a parcel by its PNU, a building by its
road address or its parcel's PNU: ``subject_kind`` in the pack, ADR 0110), named by
``subject_number``; the registry then writes one entry per natural person the record
names (its owners), and none when it names nobody. A request may also carry the
parameters its product declares (a family certificate's level) and the person on whose
behalf it is made (the applicant, whose entitlement the registry checks); both are
checked before anything is read, and the registry's refusal of either is a refusal of
the gate (``invalid_parameters``, ``not_entitled``), logged like any other.

A refusal releases nothing. It is logged twice, alike for every caller: an
``exchange.refused`` entry of the audit chain (with the subject, when known, so that
the person sees refused attempts too) and a row of the exchange log. Both are written
in the caller's transaction before :class:`Refused` is raised; a caller inside its own
``transaction.atomic`` must let that block commit (catch the refusal inside it), or the
record of the refusal goes with the rollback.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_delete, post_save
from django.db.models.sql import InsertQuery
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from egov.accounts import public as accounts
from egov.catalogue import public as catalogue
from egov.core import clock, memo
from egov.core.audit import audit_append
from egov.core.connection_kept import kept
from egov.core.errors import PermissionDenied
from egov.exchange import products
from egov.exchange.models import (
    AccessRight,
    Consent,
    DataProduct,
    ExchangeLog,
    LogDirection,
    LogStatus,
    Purpose,
)
from egov.registries import public as registries


@dataclass(frozen=True)
class Requester:
    """Who asks: the consumer organisation, and the official or system acting for it.

    ``organisation_code`` is a local organisation's code or, for a request from another
    deployment, the member code of its organisation. ``actor`` is ``user:<uuid>``,
    ``system:<name>`` or ``member:<code>``; ``label`` is what the data subject is
    shown ("청운효자동 · Casey Clerk").
    """

    organisation_code: str
    actor: str
    label: str
    user_id: uuid.UUID | None = None
    source_ip: str | None = None


@dataclass(frozen=True)
class Release:
    """What the gate released: the product's declared fields of one person, and the log row that records it."""

    request_id: uuid.UUID
    log_id: int
    product: str
    version: int
    subject_resident_id: uuid.UUID | None  # None when the product reads a parcel or a building
    purpose: str
    data: Any
    released_at: datetime
    response: str = ""  # the signed response, when the caller gave ``respond`` (federation)
    subject_kind: str = "person"


# Turns a release into the signed response kept beside the request (federation).
Responder = Callable[[Release], str]

# The reasons for a refusal, each with the message the caller is shown (translated when
# shown); the code goes into the log.
_REASON_MESSAGES: dict[str, Promise] = {
    "unknown_product": gettext_lazy("There is no such data product."),
    "no_organisation": gettext_lazy("The request does not name the consumer organisation."),
    "no_actor": gettext_lazy("The request does not name the official or system that reads."),
    "no_service": gettext_lazy("The request does not name the service it is for."),
    "unknown_purpose": gettext_lazy("The request does not name a known purpose."),
    "no_subject": gettext_lazy("The request does not name whose data it asks for."),
    "no_access_right": gettext_lazy("This organisation has no access right to this data product for this purpose."),
    "no_consent_or_basis": gettext_lazy(
        "The request cites neither the subject's consent nor an article that dispenses with it."),
    "wrong_basis": gettext_lazy("The article cited does not dispense with consent for this access right."),
    "consent_not_found": gettext_lazy("The consent cited does not exist."),
    "consent_mismatch": gettext_lazy(
        "The consent cited was not given for this subject, data product, purpose and recipient."),
    "consent_expired": gettext_lazy("The consent cited has expired."),
    "consent_revoked": gettext_lazy("The consent cited has been revoked."),
    "subject_unknown": gettext_lazy("No one on the register matches the subject of the request."),
    "replayed": gettext_lazy("This request id has been used before."),
    "parcel_unknown": gettext_lazy("No parcel on the land register has the parcel number (PNU) given."),
    "building_unknown": gettext_lazy(
        "No single standing building on the building register has the road address or parcel number given."),
    "invalid_parameters": gettext_lazy("The request's parameters do not fit this data product."),
    "applicant_unknown": gettext_lazy("No one on the register matches the applicant named in the request."),
    "not_entitled": gettext_lazy("The record is not released on behalf of this applicant."),
}
REASONS = tuple(_REASON_MESSAGES)


def _reason_message(reason: str) -> str:
    return str(_REASON_MESSAGES.get(reason, reason))


class Refused(PermissionDenied):
    """The gate refused a request; nothing was released. ``reason`` is a code of :data:`REASONS`.

    ``detail`` adds the registry's own words (which item does not fit, why the applicant
    is not entitled) to the message; ``field_errors`` names the parameters at fault.
    """

    code = "exchange_refused"

    def __init__(self, reason: str, *, request_id: uuid.UUID, detail: str = "",
                 field_errors: dict[str, list[str]] | None = None) -> None:
        message = _reason_message(reason)
        super().__init__(f"{message} {detail}" if detail else message, field_errors=field_errors, reason=reason,
                         request_id=str(request_id))
        self.reason = reason
        self.request_id = request_id


class _Refusal(Exception):
    """Raised inside the read's transaction, which it rolls back; logged and turned into Refused outside it."""

    def __init__(self, reason: str, *, product: DataProduct | None = None, subject: uuid.UUID | None = None,
                 detail: str = "", field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.product = product
        self.subject = subject
        self.detail = detail
        self.field_errors = field_errors


@dataclass
class _Request:
    request_id: uuid.UUID
    requester: Requester
    product_code: str
    version: int | None
    purpose: str
    service: str
    consent_id: uuid.UUID | None
    legal_basis: str
    subject_resident_id: uuid.UUID | None
    subject_number: str
    direction: str
    client: str
    provider: str
    request_jws: str
    started: float
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    applicant_resident_id: uuid.UUID | None = None
    applicant_number: str = ""
    fresh_id: bool = False  # the gate made the request id itself: it cannot have been seen before


def _product_query(code: str, version: int | None) -> DataProduct | None:
    found = DataProduct.objects.filter(code=code, active=True)
    if version is not None:
        found = found.filter(version=version)
    return found.order_by("-version").first()


class _PackCache:
    """Data products and purposes by code, per process, while the pack's rows are unchanged.

    They are the country pack's data, rewritten only when the pack is loaded; looking
    them up through the ORM on every request cost more than a tenth of the in-process
    read (bench-exchange), mostly in compiling the SQL. Before a cached row is used,
    one plain SQL statement reads a token of the tables (the products' count and latest
    ``updated_at``, which every save moves, and the purposes' count), so a pack loaded
    by another process is seen on the next request; a save in this process empties the
    cache at once (signals below), and entries are dropped after ``_PACK_CACHE_SECONDS``
    in any case (a purpose renamed in place by another process). Access rights and
    consents are never cached: they are checked live on every request.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._token: tuple[Any, ...] | None = None
        self._until = 0.0
        self._products: dict[tuple[str, int | None], DataProduct | None] = {}
        self._purposes: dict[str, Purpose] = {}

    def fresh(self) -> tuple[Any, ...]:
        # Within a memo scope (one application filed: a consent and a read per evidence item) the
        # token is read once; the pack is not reloaded in the middle of a filing.
        row = memo.remembered(("exchange.pack_token", connection.alias), _pack_token)
        token = (connection.alias, connection.settings_dict.get("NAME"), *(row or ()))
        if token != self._token or time.monotonic() > self._until:
            with self._lock:
                self._products, self._purposes = {}, {}
                self._token, self._until = token, time.monotonic() + _PACK_CACHE_SECONDS
        return token

    def clear(self, **_kw: Any) -> None:
        with self._lock:
            self._products, self._purposes, self._token = {}, {}, None
        memo.forget(("exchange.pack_token", connection.alias))

    def product(self, code: str, version: int | None, *, token: tuple[Any, ...] | None = None) -> DataProduct | None:
        token = token or self.fresh()
        key = (code, version)
        if key in self._products:
            return self._products[key]
        found = _product_query(code, version)
        if found is not None and token == self._token:
            self._products[key] = found
        return found

    def purpose(self, code: str, *, token: tuple[Any, ...] | None = None) -> Purpose | None:
        token = token or self.fresh()
        found = self._purposes.get(code)
        if found is None:
            found = Purpose.objects.filter(code=code).first()
            if found is not None and token == self._token:
                self._purposes[code] = found
        return found


def _pack_token() -> tuple[Any, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(_PACK_TOKEN_SQL)
        row = cursor.fetchone()
    return tuple(row) if row is not None else None


_PACK_CACHE_SECONDS = 30.0
_PACK_TOKEN_SQL = (
    f"SELECT (SELECT COUNT(*) FROM {DataProduct._meta.db_table}), "  # noqa: S608
    f"(SELECT MAX(updated_at) FROM {DataProduct._meta.db_table}), (SELECT COUNT(*) FROM {Purpose._meta.db_table})"
)
_pack = _PackCache()
for _model in (DataProduct, Purpose):
    post_save.connect(_pack.clear, sender=_model, dispatch_uid=f"exchange-pack-cache-{_model.__name__}")
    post_delete.connect(_pack.clear, sender=_model, dispatch_uid=f"exchange-pack-cache-{_model.__name__}-delete")


def product_get(code: str, version: int | None = None) -> DataProduct | None:
    """The active data product with this code (the newest version, or the one pinned)."""
    return _pack.product(code, version)


def purpose_get(code: str) -> Purpose | None:
    """The purpose with this code (the pack's data, cached like the products)."""
    return _pack.purpose(code) if code else None


# Organisation code -> its kind, per process: a code's kind does not change (a reorganised
# office gets a new code), and this saves a query on every request.
_KINDS: dict[str, str | None] = {}


def _consumer_keys(organisation_code: str) -> list[str]:
    """The ``consumer`` values that match an organisation: its code, ``kind:<its kind>`` and its stand-ins."""
    if organisation_code not in _KINDS:
        organisation = accounts.organisation(code=organisation_code)
        if organisation is None:
            return [organisation_code]  # not cached: the organisation may be created later
        _KINDS[organisation_code] = organisation.kind
    kind = _KINDS[organisation_code]
    # A si/gun/gu also matches the rights of the dong offices it stands in for (catalogue.public).
    return [organisation_code, f"kind:{kind}", *catalogue.stand_in_consumers(kind)] if kind else [organisation_code]


class _LogInsert:
    """The exchange log's INSERT, compiled once per database connection and run with new values.

    Every exchange writes one row, on both sides of a federated one; ``objects.create``
    built a model instance, sent its signals (the log has no receivers) and compiled
    the same INSERT each time, which cost more than the insert itself (bench-exchange
    profile). The statement is compiled by the ORM's own insert compiler, once, from a
    sample row, and each value is prepared by its field (``get_db_prep_save``: the
    backend's adapters and the encryption of the signed messages), exactly as ``create``
    does; the new row's id comes back as ``create`` would set it.
    """

    def __init__(self) -> None:
        meta = ExchangeLog._meta
        self.fields = [field for field in meta.concrete_fields if not field.primary_key]
        sample = ExchangeLog(request_id=uuid.uuid4(), direction=LogDirection.IN_PROCESS, client="", actor="",
                             product_code="", status=LogStatus.RELEASED, at=clock.now())
        query = InsertQuery(ExchangeLog)
        query.insert_values(self.fields, [sample])
        compiler = query.get_compiler(using=connection.alias)
        self.returning = connection.features.can_return_columns_from_insert
        if self.returning:
            compiler.returning_fields = [meta.pk]
        (self.sql, _params), = compiler.as_sql()
        self.table, self.pk_column = meta.db_table, meta.pk.column

    @classmethod
    def get(cls) -> _LogInsert:
        return kept(connection, "_exchange_log_insert", cls)

    def insert(self, values: dict[str, Any]) -> int:
        params = [field.get_db_prep_save(values.get(field.attname, field.get_default()), connection)
                  for field in self.fields]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            if self.returning:
                return int(cursor.fetchone()[0])
            return int(connection.ops.last_insert_id(cursor, self.table, self.pk_column))


def log_insert(**values: Any) -> int:
    """Insert one exchange-log row (column values by field name) and return its id; IntegrityError on a replay."""
    return _LogInsert.get().insert(values)


def _log(request: _Request, *, status: str, reason: str = "", product: DataProduct | None = None,
         subject: uuid.UUID | None = None, response_jws: str = "", at: datetime | None = None) -> int:
    """One row of the exchange log, its id returned; a replayed request id surfaces as IntegrityError."""
    return log_insert(
        request_id=request.request_id, direction=request.direction, client=request.client,
        provider=request.provider, actor=request.requester.actor, actor_label=request.requester.label,
        service=request.service, product_code=request.product_code,
        product_version=product.version if product is not None else request.version,
        purpose=request.purpose, consent_id=request.consent_id, legal_basis=request.legal_basis,
        subject_resident_id=subject, status=status, reason=reason, at=at or clock.now(),
        duration_us=int((time.perf_counter() - request.started) * 1_000_000),
        request_jws=request.request_jws, response_jws=response_jws,
    )


def _record_refusal(request: _Request, refusal: _Refusal) -> Refused:
    """Log a refusal (audit entry and log row, in a transaction of their own) and return the exception to raise."""
    reason, subject = refusal.reason, refusal.subject
    known = Purpose.objects.filter(code=request.purpose).values_list("name_en", flat=True).first()
    with sqlite_writers.turn(), transaction.atomic():
        audit_append(
            action="exchange.refused", actor=request.requester.actor or "anonymous",
            actor_label=request.requester.label, source_ip=request.requester.source_ip,
            subject=f"resident:{subject}" if subject is not None else None,
            purpose=known or request.purpose, legal_basis=request.legal_basis,
            consent=str(request.consent_id) if request.consent_id else "",
            object_ref=f"exchange:{request.product_code}", outcome="denied",
            detail={"reason": reason, "request": str(request.request_id), "service": request.service,
                    "organisation": request.requester.organisation_code, "product": request.product_code,
                    **({"parameters": sorted(refusal.field_errors)} if refusal.field_errors else {})},
        )
        if reason != "replayed":
            try:
                with transaction.atomic():
                    _log(request, status=LogStatus.REFUSED, reason=reason, product=refusal.product, subject=subject)
            except IntegrityError:
                reason = "replayed"
    if reason == "replayed":
        return Refused(reason, request_id=request.request_id)
    return Refused(reason, request_id=request.request_id, detail=refusal.detail, field_errors=refusal.field_errors)


class _Prepared:
    """A ``values_list`` query compiled once per database connection and run with new parameters.

    The access right and the consent are read live on every request, but their SQL is
    the same each time; the ORM compiled it anew each time, which cost several times
    more than running it (bench-exchange profile). The query is compiled from the
    ORM's own queryset (``build`` with sample values), and the values come back
    through the backend's own converters, exactly as ``values_list`` returns them;
    the parameters are prepared by the filtered fields (``fields``), in the order the
    compiled statement takes them.
    """

    def __init__(self, build: Callable[[], Any], fields: tuple[Any, ...]) -> None:
        compiler = build().query.get_compiler(using=connection.alias)
        self.sql, sample = compiler.as_sql()
        if len(sample) != len(fields):
            raise ValueError("each parameter of a prepared query needs its field")
        self.fields = fields
        self.compiler = compiler
        self.converters = compiler.get_converters([column[0] for column in compiler.select[0:compiler.col_count]])

    @classmethod
    def of(cls, name: str, build: Callable[[], Any], fields: tuple[Any, ...]) -> _Prepared:
        prepared: dict[str, _Prepared] = kept(connection, "_exchange_prepared", dict)
        if name not in prepared:
            prepared[name] = cls(build, fields)
        return prepared[name]

    def first(self, *values: Any) -> list[Any] | None:
        params = [field.get_db_prep_value(value, connection, prepared=False) for field, value in zip(self.fields, values, strict=True)]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if self.converters:
            return list(next(iter(self.compiler.apply_converters([row], self.converters))))
        return list(row)


_CONSENT_COLUMNS = ("subject_resident_id", "product_code", "purpose_id", "recipient", "revoked_at", "granted_at",
                    "expires_at")


def _consent_key(consent_id: uuid.UUID) -> tuple[str, uuid.UUID]:
    return ("exchange.consent", consent_id)


def consent_written(consent: Consent) -> None:
    """A consent just written in the open transaction: the read it allows there need not read it back.

    No one else sees the row before the commit (so no one can have revoked it), and the
    memo answers it only while the insert stands in that transaction (``memo.uncommitted``);
    its expiry and its match are checked as always (ADR 0147).
    """
    memo.remember_uncommitted(_consent_key(consent.id), [getattr(consent, column) for column in _CONSENT_COLUMNS])


def consent_changed(consent_id: uuid.UUID) -> None:
    """A consent about to change (revoked): what was kept of it as written no longer holds."""
    memo.uncommitted(_consent_key(consent_id), take=True)


def _consent_row(consent_id: uuid.UUID) -> list[Any] | None:
    written: list[Any] | None = memo.uncommitted(_consent_key(consent_id))
    if written is not None:
        return list(written)
    prepared = _Prepared.of(
        "consent", lambda: Consent.objects.filter(id=uuid.UUID(int=0)).values_list(*_CONSENT_COLUMNS)[:1],
        (Consent._meta.pk,),
    )
    return prepared.first(consent_id)


def _right_article(consumers: list[str], product_code: str, purpose: str) -> str | None:
    """The access right's article dispensing with consent ("" when none), or None without a live right."""
    field = AccessRight._meta.get_field
    prepared = _Prepared.of(
        f"right-{len(consumers)}",
        lambda: AccessRight.objects.filter(
            consumer__in=[f"?{n}" for n in range(len(consumers))], product_code="?", purpose_id="?",
            revoked_at__isnull=True,
        ).values_list("consent_exempt_article", flat=True).order_by("-consent_exempt_article")[:1],
        (*[field("consumer")] * len(consumers), field("product_code"), field("purpose")),
    )
    row = prepared.first(*consumers, product_code, purpose)
    return None if row is None else str(row[0])


def _check_consent(request: _Request, product: DataProduct, subject: uuid.UUID) -> str | None:
    """The refusal reason for the cited consent, or None when it holds."""
    row = _consent_row(request.consent_id) if request.consent_id else None
    if row is None:
        return "consent_not_found"
    subject_id, product_code, purpose, recipient, revoked_at, granted_at, expires_at = row
    if (subject_id != subject or product_code != product.code
            or purpose != request.purpose or recipient != request.requester.organisation_code):
        return "consent_mismatch"
    if revoked_at is not None:
        return "consent_revoked"
    now = clock.now()
    if not (granted_at <= now < expires_at):
        return "consent_expired"
    return None


def _subject(request: _Request, reader: registries.Reader, purpose_text: str, basis: str) -> uuid.UUID | None:
    if request.subject_resident_id is not None:
        return request.subject_resident_id
    return registries.resident_id_by_number(number=request.subject_number, reader=reader, purpose=purpose_text,
                                            basis=basis, consent=str(request.consent_id or ""))


def _applicant(request: _Request, reader: registries.Reader, purpose_text: str, basis: str) -> uuid.UUID | None:
    """The person on whose behalf the request is made (by id in-process, by number from another deployment).

    None when the request names nobody: the read then stands on the consumer's own right
    and basis (an agency's official duty), and the registry checks no entitlement.
    """
    if request.applicant_resident_id is not None:
        return request.applicant_resident_id
    if not request.applicant_number.strip():
        return None
    found = registries.resident_id_by_number(number=request.applicant_number, reader=reader, purpose=purpose_text,
                                             basis=basis, consent=str(request.consent_id or ""))
    if found is None:
        raise _Refusal("applicant_unknown")
    return found


@dataclass(frozen=True)
class _Checked:
    product: DataProduct
    purpose: Purpose
    basis: str
    exempt: bool
    spec: products.ReaderSpec
    params: dict[str, Any]


def _check(request: _Request) -> _Checked:
    """Everything that does not depend on the subject, read without a transaction.

    On SQLite every transaction here takes the database's one write lock at its start
    (``transaction_mode IMMEDIATE``), so the checks that only read run before it and
    the transaction holds the lock for the read, its entry and the log row alone.
    """
    requester = request.requester
    # The pack's token is read once for the product and the purpose (it was read for each: two
    # statements a request where one tells whether the pack changed).
    token = _pack.fresh()
    product = _pack.product(request.product_code, request.version, token=token)
    if product is None:
        raise _Refusal("unknown_product")
    for missing, reason in ((requester.organisation_code, "no_organisation"), (requester.actor, "no_actor"),
                            (request.service, "no_service")):
        if not (missing or "").strip():
            raise _Refusal(reason, product=product)
    purpose = _pack.purpose(request.purpose, token=token) if request.purpose else None
    if purpose is None:
        raise _Refusal("unknown_purpose", product=product)
    spec = products.reader_spec(product.reader)
    if spec.subject != "person" and request.subject_resident_id is not None:
        raise _Refusal("no_subject", product=product)  # a parcel or a building is named by its number
    if request.subject_resident_id is None and not request.subject_number.strip():
        raise _Refusal("no_subject", product=product)
    try:
        params = products.parameters_checked(spec, request.params)
    except products.ParameterProblem as problem:
        raise _Refusal("invalid_parameters", product=product, subject=request.subject_resident_id,
                       detail=str(problem), field_errors=problem.errors) from None
    right = _right_article(_consumer_keys(requester.organisation_code), product.code, purpose.code)
    if right is None:
        raise _Refusal("no_access_right", product=product, subject=request.subject_resident_id)
    exempt = bool(right) and request.legal_basis.strip() == right
    if request.consent_id is None and not exempt:
        reason = "wrong_basis" if request.legal_basis.strip() else "no_consent_or_basis"
        raise _Refusal(reason, product=product, subject=request.subject_resident_id)
    return _Checked(product=product, purpose=purpose, basis=right if exempt else product.legal_basis, exempt=exempt,
                    spec=spec, params=params)


class _SqliteWriters:
    """Write transactions on SQLite taken in turn: threads queue on a lock, processes on a lock file.

    SQLite has one writer, and with ``transaction_mode IMMEDIATE`` every transaction
    takes the write lock at BEGIN. A transaction that finds it taken waits in SQLite's
    busy handler, which sleeps 1, 2, 5, 10 … 100 ms between tries and lets later
    arrivals overtake: under the owner's eight threads in two server workers,
    bench-exchange logged a p99 above half a second for transactions of a few
    milliseconds. Here each thread waits for a lock of its process, then the process
    for an ``flock`` on a file beside the database: both wake the next waiter as soon
    as the holder is done, without sleeping. Nothing else changes (the transaction
    still takes SQLite's own lock), and other databases are left alone. Skipped inside
    an outer transaction, which may already hold SQLite's lock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, int] = {}

    def _descriptor(self, name: str) -> int | None:
        if name not in self._files:
            if not name or name == ":memory:" or name.startswith("file:"):
                return None
            self._files[name] = os.open(f"{name}-egov-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
        return self._files[name]

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        if connection.vendor != "sqlite" or connection.in_atomic_block:
            yield
            return
        with self._lock:
            descriptor = self._descriptor(str(connection.settings_dict.get("NAME") or ""))
            if descriptor is None:
                yield
                return
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(descriptor, fcntl.LOCK_UN)


sqlite_writers = _SqliteWriters()


def _read(request: _Request, checked: _Checked, respond: Responder | None) -> Release:
    with sqlite_writers.turn(), transaction.atomic():
        return _read_in_transaction(request, checked, respond)


def _read_in_transaction(request: _Request, checked: _Checked, respond: Responder | None) -> Release:
    """The subject, the consent's match, the read with its one audit entry and the log row: one transaction."""
    requester, product, purpose = request.requester, checked.product, checked.purpose
    reader = registries.Reader(
        actor=requester.actor, label=requester.label, user_id=requester.user_id,
        organisation_code=requester.organisation_code, source_ip=requester.source_ip,
        service=request.service, product=f"{product.code}@{product.version}", request_ref=str(request.request_id),
    )
    kind = checked.spec.subject
    consent = str(request.consent_id) if request.consent_id else ""
    subject: uuid.UUID | None = None
    if kind == "person":
        subject = _subject(request, reader, purpose.name_en, checked.basis)
        if subject is None:
            raise _Refusal("subject_unknown", product=product)
    if request.consent_id is not None and not checked.exempt:
        consent_problem = _check_consent(request, product, subject) if subject is not None else "consent_mismatch"
        if consent_problem is not None:
            raise _Refusal(consent_problem, product=product, subject=subject)
    applicant = _applicant(request, reader, purpose.name_en, checked.basis) if checked.spec.needs_applicant else None
    try:
        data = products.read_product(
            reader_name=product.reader, fields=list(product.fields), resident_id=subject,
            key=request.subject_number.strip() if kind != "person" else "", reader=reader, purpose=purpose.name_en,
            basis=checked.basis, consent=consent, params=checked.params, applicant_resident_id=applicant,
        )
    except products.ParameterProblem as problem:
        raise _Refusal("invalid_parameters", product=product, subject=subject, detail=str(problem),
                       field_errors=problem.errors) from None
    except products.NotEntitled as refusal:
        raise _Refusal("not_entitled", product=product, subject=subject, detail=refusal.message) from None
    if data is None:
        unknown = {"person": "subject_unknown", "parcel": "parcel_unknown", "building": "building_unknown"}[kind]
        raise _Refusal(unknown, product=product, subject=None)
    release = Release(request_id=request.request_id, log_id=0, product=product.code, version=product.version,
                      subject_resident_id=subject, purpose=purpose.code, data=data, released_at=clock.now(),
                      subject_kind=kind)
    response_jws = respond(release) if respond is not None else ""
    if request.fresh_id:
        # An id the gate made just now cannot be a replay: no rollback point is needed to catch one
        # (a savepoint and its release were two of an application's round trips, bench-apply).
        log_id = _log(request, status=LogStatus.RELEASED, product=product, subject=subject,
                      response_jws=response_jws, at=release.released_at)
    else:
        try:
            with transaction.atomic():
                log_id = _log(request, status=LogStatus.RELEASED, product=product, subject=subject,
                              response_jws=response_jws, at=release.released_at)
        except IntegrityError:
            raise _Refusal("replayed", product=product, subject=subject) from None
    return dataclasses.replace(release, log_id=log_id, response=response_jws)


def gate_fetch(
    *, requester: Requester, product: str, purpose: str, service: str, subject_resident_id: uuid.UUID | None = None,
    subject_number: str = "", consent_id: uuid.UUID | None = None, legal_basis: str = "", version: int | None = None,
    request_id: uuid.UUID | None = None, direction: str = LogDirection.IN_PROCESS, client: str = "",
    provider: str = "", request_jws: str = "", respond: Responder | None = None,
    params: dict[str, Any] | None = None, applicant_resident_id: uuid.UUID | None = None, applicant_number: str = "",
) -> Release:
    """Check one request and release the product's fields of one subject, or raise :class:`Refused`.

    ``subject_number`` is the subject's number in its register: a resident registration
    number, or for a product of parcels or buildings a PNU (or a building's road
    address). ``params`` are the product's parameters; ``applicant_resident_id`` (or
    ``applicant_number``, from another deployment) the person on whose behalf the
    request is made, for the products whose registry checks an entitlement.

    ``direction``, ``client``, ``provider``, ``request_jws`` and ``respond`` are for
    the federation (a request received from another deployment, kept as evidence):
    ``respond`` turns the release into the signed response, which is stored with the
    log row in the read's transaction; in-process callers leave them. ``request_id`` defaults to a new one; a request id seen before from the
    same client is refused as a replay.
    """
    request = _Request(
        request_id=request_id or uuid.uuid4(), requester=requester, product_code=product, version=version,
        purpose=purpose or "", service=service or "", consent_id=consent_id, legal_basis=legal_basis or "",
        subject_resident_id=subject_resident_id, subject_number=subject_number or "", direction=direction,
        client=client or requester.organisation_code, provider=provider, request_jws=request_jws,
        started=time.perf_counter(), params=dict(params or {}), applicant_resident_id=applicant_resident_id,
        applicant_number=applicant_number or "", fresh_id=request_id is None,
    )
    try:
        return _read(request, _check(request), respond)
    except _Refusal as refusal:
        raise _record_refusal(request, refusal) from None


def log_response(*, log_id: int, response_jws: str) -> None:
    """Keep the signed response beside the signed request (federation: after signing the release)."""
    ExchangeLog.objects.filter(id=log_id).update(response_jws=response_jws)

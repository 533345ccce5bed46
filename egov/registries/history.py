"""Writing registry events and reading records "as of" a date.

Every service that changes a registry record calls :func:`record_change` in the same
transaction as the change: it writes the new values onto the record (``save`` with
``update_fields``) and appends one :class:`RegistryEvent` holding the old and new
values of exactly those fields, its effective date and its cause. :func:`state_as_of`
then reconstructs a record's fields on any past date by undoing, newest first, the
events that took effect after it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from egov.core.crypto import BlindIndexField, EncryptedCharField, EncryptedTextField, decrypt, encrypt
from egov.registries.models import CauseKind, RegistryEvent

# Encrypted fields keep their values encrypted in the event log too (same context),
# and blind indexes are not history worth keeping: a changed resident number must
# not sit in plain text in a JSON column.
_SECRET_FIELDS = (EncryptedCharField, EncryptedTextField)


@dataclass(frozen=True)
class Cause:
    """Why a registry changes: which application or act, by whom, under which law, and why.

    ``official_id`` is the user id of the official who recorded it (none for a
    citizen's automatic application or a bulk import).
    """

    kind: str
    ref: str = ""
    official_id: uuid.UUID | None = None
    legal_basis: str = ""
    reason: str = ""

    def __post_init__(self) -> None:
        if self.kind not in CauseKind.values:
            raise ValueError(f"cause kind must be one of {CauseKind.values}, got {self.kind!r}")


@dataclass(frozen=True)
class EventView:
    """One event as the back office and the citizen see it."""

    id: uuid.UUID
    kind: str
    effective_on: date
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    cause_kind: str = ""
    cause_ref: str = ""
    legal_basis: str = ""
    reason: str = ""


def _json(value: Any) -> Any:
    """The JSON form a value has in the event log (dates and UUIDs as strings; lists and dicts item by item)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json(item) for key, item in value.items()}
    return DjangoJSONEncoder().default(value)


def _entity_type(instance: models.Model) -> str:
    return instance._meta.model_name or type(instance).__name__.lower()


def record_event(
    *,
    registry: str,
    kind: str,
    entity: models.Model,
    effective_on: date,
    cause: Cause,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> RegistryEvent:
    """Append one event about ``entity`` (no change to the record itself)."""
    return RegistryEvent.objects.create(
        registry=registry,
        kind=kind,
        entity_type=_entity_type(entity),
        entity_id=entity.pk,
        effective_on=effective_on,
        before={k: _json(v) for k, v in (before or {}).items()},
        after={k: _json(v) for k, v in (after or {}).items()},
        cause_kind=cause.kind,
        cause_ref=cause.ref,
        recorded_by_id=cause.official_id,
        legal_basis=cause.legal_basis,
        reason=cause.reason,
    )


def record_change(
    *,
    registry: str,
    kind: str,
    entity: models.Model,
    changes: dict[str, Any],
    effective_on: date,
    cause: Cause,
) -> RegistryEvent:
    """Apply ``changes`` (attribute name → new value) to ``entity`` and log the event with the old values.

    Attribute names are those of the model (``household_id`` for a foreign key).
    Must run inside the caller's transaction so the record and its event commit
    together.
    """
    before = {name: getattr(entity, name) for name in changes}
    for name, value in changes.items():
        setattr(entity, name, value)
    entity.save(update_fields=list(changes))
    return record_event(
        registry=registry, kind=kind, entity=entity, effective_on=effective_on, cause=cause,
        before=_logged(entity, before), after=_logged(entity, changes),
    )


def _logged(entity: models.Model, values: dict[str, Any]) -> dict[str, Any]:
    """Values as the event log keeps them: secrets encrypted, blind indexes left out."""
    fields = {f.attname: f for f in entity._meta.concrete_fields}
    logged: dict[str, Any] = {}
    for name, value in values.items():
        field_ = fields.get(name)
        if isinstance(field_, BlindIndexField):
            continue
        if isinstance(field_, _SECRET_FIELDS) and value:
            logged[name] = encrypt(str(value), context=field_.encryption_context)
        else:
            logged[name] = value
    return logged


def events_for(entity_id: uuid.UUID, *, after: date | None = None) -> list[EventView]:
    """The events of one record, oldest first (only those effective after ``after`` if given)."""
    queryset = RegistryEvent.objects.filter(entity_id=entity_id)
    if after is not None:
        queryset = queryset.filter(effective_on__gt=after)
    return [
        EventView(
            id=e.id, kind=e.kind, effective_on=e.effective_on, before=e.before, after=e.after,
            cause_kind=e.cause_kind, cause_ref=e.cause_ref, legal_basis=e.legal_basis, reason=e.reason,
        )
        for e in queryset.order_by("effective_on", "recorded_at")
    ]


def state_as_of(entity: models.Model, on: date) -> dict[str, Any]:
    """The record's field values (attribute name → Python value) as they stood at the end of ``on``.

    Starts from the current values and undoes, newest first, every event effective
    after ``on``. Whether the record existed at all on that date is the caller's
    question (its registration or start date).
    """
    fields = {f.attname: f for f in entity._meta.concrete_fields}
    state = {name: getattr(entity, name) for name in fields}
    for event in reversed(events_for(entity.pk, after=on)):
        for name, old in event.before.items():
            field_ = fields.get(name)
            if field_ is None:
                continue
            if isinstance(field_, _SECRET_FIELDS) and old:
                state[name] = decrypt(old, context=field_.encryption_context)
            else:
                state[name] = field_.to_python(old)
    return state

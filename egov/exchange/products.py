"""How a data product is read: the person-reading function of ``registries.public`` behind each ``reader``.

A data product (a row of :class:`~egov.exchange.models.DataProduct`, from the country
pack) names one of the readers below and the fields it releases. The reader calls the
registry function, which writes the access's one audit entry; the gate then keeps only
the declared fields (no more than the purpose needs) and turns the record into plain
JSON values, the same for an in-process caller and for a signed response to another
deployment.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from egov.registries import public as registries

ReaderFunction = Callable[..., Any]


def _resident_record(**kw: Any) -> Any:
    return registries.resident_record(**kw)


def _household_record(**kw: Any) -> Any:
    return registries.household_record(**kw)


def _family_record(**kw: Any) -> Any:
    return registries.family_record(**kw)


def _vehicles(**kw: Any) -> Any:
    return list(registries.vehicles_of_person(**kw))


def _parcels(**kw: Any) -> Any:
    return list(registries.property_of_person(**kw).parcels)


def _buildings(**kw: Any) -> Any:
    return list(registries.property_of_person(**kw).buildings)


def _businesses(**kw: Any) -> Any:
    return list(registries.businesses_of_person(**kw))


# reader name -> function(resident_id=, reader=, purpose=, basis=, consent=) returning a record, a list or None.
READERS: dict[str, ReaderFunction] = {
    "resident_record": _resident_record,
    "household_record": _household_record,
    "family_record": _family_record,
    "vehicles_of_person": _vehicles,
    "parcels_of_person": _parcels,
    "buildings_of_person": _buildings,
    "businesses_of_person": _businesses,
}


def _plain(value: Any) -> Any:
    """Dates, UUIDs and decimals as the strings JSON carries (through Django's encoder, once)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _only(record: Any, fields: Iterable[str]) -> dict[str, Any]:
    values = dataclasses.asdict(record)
    return {field: values[field] for field in fields if field in values}


def release_data(record: Any, fields: list[str]) -> Any:
    """The declared fields of ``record`` (or of each record of a list) as JSON values; None stays None."""
    if record is None:
        return None
    if isinstance(record, list | tuple):
        return _plain([_only(item, fields) for item in record])
    return _plain(_only(record, fields))


def read_product(
    *, reader_name: str, fields: list[str], resident_id: uuid.UUID, reader: registries.Reader, purpose: str,
    basis: str, consent: str,
) -> Any:
    """Read one product of one person through its registry function (which writes the audit entry)."""
    function = READERS[reader_name]
    record = function(resident_id=resident_id, reader=reader, purpose=purpose, basis=basis, consent=consent)
    return release_data(record, fields)

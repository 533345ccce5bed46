"""How a data product is read: the registry-reading function of ``registries.public`` behind each ``reader``.

A data product (a row of :class:`~egov.exchange.models.DataProduct`, from the country
pack) names one of the readers below and the fields it releases. The reader calls the
registry function, which writes the access's audit entries; the gate then keeps only
the declared fields (no more than the purpose needs) and turns the record into plain
JSON values, the same for an in-process caller and for a signed response to another
deployment.

Most readers read one person (:data:`READERS`: ``resident_id=`` and nothing else). The
readers of :data:`SPECS` declare more (ADR 0110): the kind of subject they read — a
person, a parcel named by its PNU, a building named by its road address or its
parcel's PNU — and the parameters a request may give them (a family certificate's
disclosure level, the items of a specific certificate, whether the rear digits of
registration numbers are shown — on the family certificates and on the resident
registration abstract and copy; the year of an official land price), each with its
check. A reader that needs the person on whose behalf the request is made (the
applicant of a family certificate, whose entitlement the registry checks; the applicant
to whom alone full registration numbers are shown) says so.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _

from egov.core.errors import NotFound, PermissionDenied, ValidationError
from egov.registries import public as registries

ReaderFunction = Callable[..., Any]


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


def _local_taxes(**kw: Any) -> Any:
    # The local tax register is finance's (the si/gun/gu's taxes), read like a registry: the
    # reader writes the access's one audit entry naming the resident.
    from egov.finance import public as finance

    return finance.local_taxes_of(**kw)


# reader name -> function(resident_id=, reader=, purpose=, basis=, consent=) returning a record, a list or None.
READERS: dict[str, ReaderFunction] = {
    "family_record": _family_record,
    "vehicles_of_person": _vehicles,
    "parcels_of_person": _parcels,
    "buildings_of_person": _buildings,
    "businesses_of_person": _businesses,
    "local_taxes_of": _local_taxes,
}


def _plain(value: Any) -> Any:
    """Dates, UUIDs and decimals as the strings JSON carries (through Django's encoder, once)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def _unpacked(value: Any) -> Any:
    """A declared field's value with the records inside it as dicts (what ``dataclasses.asdict`` makes of it)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, list | tuple):
        return [_unpacked(item) for item in value]
    if isinstance(value, dict):
        return {key: _unpacked(item) for key, item in value.items()}
    return value


@functools.cache
def _field_names(kind: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(kind))


def _only(record: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The declared ``fields`` of ``record`` (a registry's dataclass), its nested records as dicts.

    Only the declared fields are unpacked: ``dataclasses.asdict`` of the whole record
    deep-copied every field, released or not, and was a tenth of the gate's read of a
    resident's abstract (bench-issue profile). The values are the same; :func:`_plain`
    turns them into JSON values after.
    """
    if not dataclasses.is_dataclass(record) or isinstance(record, type):
        raise TypeError("a registry reader returns dataclass records")
    names = _field_names(type(record))
    return {field: _unpacked(getattr(record, field)) for field in fields if field in names}


def release_data(record: Any, fields: list[str]) -> Any:
    """The declared fields of ``record`` (or of each record of a list) as JSON values; None stays None."""
    if record is None:
        return None
    if isinstance(record, list | tuple):
        return _plain([_only(item, fields) for item in record])
    return _plain(_only(record, fields))


# --- readers with a subject kind and parameters (ADR 0110) ---------------------------------------

SUBJECT_KINDS = ("person", "parcel", "building")


class ParameterProblem(Exception):
    """The request's parameters do not fit the product: the messages by parameter name (translated)."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        super().__init__("; ".join(m for messages in errors.values() for m in messages))
        self.errors = {name: list(messages) for name, messages in errors.items()}


class NotEntitled(Exception):
    """The person on whose behalf the request is made may not have this record (the registry's own rule)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(_("Give a text."))
    return value.strip()


def _texts(value: Any) -> list[str]:
    """A list of texts; one text is a list of one (a form's single choice)."""
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ValueError(_("Give a list of texts."))
    return [v.strip() for v in values]


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(_("Answer yes or no (true or false)."))
    return value


def _year(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2200:
        raise ValueError(_("Give a year of four digits."))
    return int(value)


@dataclass(frozen=True)
class ReaderSpec:
    """A reader that declares its subject kind, its parameters (name -> check) and whether it needs the applicant."""

    function: Callable[..., Any]
    subject: str = "person"
    params: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    needs_applicant: bool = False


def parameters_checked(spec: ReaderSpec, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The request's parameters, each checked by the reader's declaration; ParameterProblem names the ones at fault."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, value in (params or {}).items():
        check = spec.params.get(name)
        if check is None:
            errors[name] = [_("This data product takes no parameter %(name)s.") % {"name": name}]
            continue
        if value is None:
            continue
        try:
            cleaned[name] = check(value)
        except ValueError as error:
            errors[name] = [str(error)]
    if errors:
        raise ParameterProblem(errors)
    return cleaned


def _family_certificate(kind: str) -> Callable[..., Any]:
    """The reader of one of the five family certificates: the kind is the product's, the rest the request's."""

    def read(*, resident_id: uuid.UUID, reader: registries.Reader, purpose: str, basis: str, consent: str,
             params: Mapping[str, Any], applicant_resident_id: uuid.UUID | None) -> Any:
        show_rear = bool(params.get("show_rear", False))
        if show_rear and applicant_resident_id is None:
            # The rear digits are the applicant's choice (family_certificates.py); an agency's
            # read on its own basis gets the certificate as issued to nobody in particular: masked.
            raise ParameterProblem({"show_rear": [
                _("The rear digits of registration numbers are shown only to an applicant the law entitles.")]})
        try:
            return registries.family_certificate(
                subject_id=resident_id, kind=kind, level=str(params.get("level") or "general"), reader=reader,
                purpose=purpose, basis=basis, consent=consent, show_rrn_rear=show_rear,
                items=list(params["items"]) if params.get("items") else None,
                applicant_resident_id=applicant_resident_id,
            )
        except ValidationError as error:
            raise ParameterProblem(error.field_errors or {"level": [error.message]}) from None
        except PermissionDenied as error:
            raise NotEntitled(error.message) from None
        except NotFound:
            return None  # no such person: the gate refuses with subject_unknown

    return read


_CERTIFICATE_PARAMS: dict[str, Callable[[Any], Any]] = {"level": _text, "items": _texts, "show_rear": _flag}


def _rear_digits_asked(params: Mapping[str, Any], applicant_resident_id: uuid.UUID | None) -> bool:
    """Whether the request asks for full registration numbers; refused without an applicant (ADR 0110)."""
    show_rear = bool(params.get("show_rear", False))
    if show_rear and applicant_resident_id is None:
        raise ParameterProblem({"show_rear": [
            _("The rear digits of registration numbers are shown only to the applicant whose record it is.")]})
    return show_rear


def _resident_record(*, resident_id: uuid.UUID, reader: registries.Reader, purpose: str, basis: str, consent: str,
                     params: Mapping[str, Any], applicant_resident_id: uuid.UUID | None) -> Any:
    """The resident registration abstract (초본): the number in full only for the applicant's own record.

    The full number goes out as the document prints it (``YYMMDD-NNNNNNN``); masked, it
    stays empty and the document prints ``number_masked``.
    """
    show_rear = _rear_digits_asked(params, applicant_resident_id)
    try:
        record = registries.resident_record(resident_id=resident_id, reader=reader, purpose=purpose, basis=basis,
                                            consent=consent, show_number=show_rear,
                                            applicant_resident_id=applicant_resident_id)
    except PermissionDenied as error:
        raise NotEntitled(error.message) from None
    if record is not None and len(record.number) == 13:
        record = dataclasses.replace(record, number=f"{record.number[:6]}-{record.number[6:]}")
    return record


def _household_record(*, resident_id: uuid.UUID, reader: registries.Reader, purpose: str, basis: str, consent: str,
                      params: Mapping[str, Any], applicant_resident_id: uuid.UUID | None) -> Any:
    """The resident registration copy (등본): the members' numbers in full only for a member of the household."""
    show_rear = _rear_digits_asked(params, applicant_resident_id)
    try:
        return registries.household_record(resident_id=resident_id, reader=reader, purpose=purpose, basis=basis,
                                           consent=consent, show_numbers=show_rear,
                                           applicant_resident_id=applicant_resident_id)
    except PermissionDenied as error:
        raise NotEntitled(error.message) from None


def _parcel_register(*, key: str, reader: registries.Reader, purpose: str, basis: str, consent: str,
                     params: Mapping[str, Any], applicant_resident_id: uuid.UUID | None) -> Any:
    return registries.parcel_register_extract(pnu=key, reader=reader, purpose=purpose, basis=basis, consent=consent)


def _land_price(*, key: str, reader: registries.Reader, purpose: str, basis: str, consent: str,
                params: Mapping[str, Any], applicant_resident_id: uuid.UUID | None) -> Any:
    """The parcel with its official land prices; with ``year``, that year's price alone, which must exist."""
    record = registries.parcel_register_extract(pnu=key, reader=reader, purpose=purpose, basis=basis,
                                                consent=consent, with_owners=False)
    year = params.get("year")
    if record is None or year is None:
        return record
    prices = tuple(p for p in record.prices if p.year == year)
    if not prices:
        years = sorted(p.year for p in record.prices)
        held = (_("it holds the years %(first)s to %(last)s") % {"first": years[0], "last": years[-1]} if years
                else _("it holds no price of this parcel"))
        raise ParameterProblem({"year": [_("The register holds no official land price for %(year)s: %(held)s.")
                                         % {"year": year, "held": held}]})
    return dataclasses.replace(record, prices=prices)


def _land_use(*, key: str, reader: registries.Reader, purpose: str, basis: str, consent: str,
              params: Mapping[str, Any], applicant_resident_id: uuid.UUID | None) -> Any:
    return registries.parcel_register_extract(pnu=key, reader=reader, purpose=purpose, basis=basis, consent=consent,
                                              with_owners=False)


def _building_register(*, key: str, reader: registries.Reader, purpose: str, basis: str, consent: str,
                       params: Mapping[str, Any], applicant_resident_id: uuid.UUID | None) -> Any:
    return registries.building_register_extract(key=key, reader=reader, purpose=purpose, basis=basis, consent=consent)


# reader name -> its declaration; a reader here is looked up before READERS.
SPECS: dict[str, ReaderSpec] = {
    **{f"family_certificate_{kind}": ReaderSpec(_family_certificate(kind), params=_CERTIFICATE_PARAMS,
                                                needs_applicant=True)
       for kind in ("basic", "family", "marriage", "adoption", "full_adoption")},
    # The resident registration abstract and copy: the applicant may ask for the rear digits.
    "resident_record": ReaderSpec(_resident_record, params={"show_rear": _flag}, needs_applicant=True),
    "household_record": ReaderSpec(_household_record, params={"show_rear": _flag}, needs_applicant=True),
    "parcel_register": ReaderSpec(_parcel_register, subject="parcel"),
    "official_land_price": ReaderSpec(_land_price, subject="parcel", params={"year": _year}),
    "land_use_plan": ReaderSpec(_land_use, subject="parcel"),
    "building_register": ReaderSpec(_building_register, subject="building"),
}


def reader_spec(reader_name: str) -> ReaderSpec:
    """The declaration of a reader: one of :data:`SPECS`, or a person reader of :data:`READERS` without parameters."""
    spec = SPECS.get(reader_name)
    if spec is not None:
        return spec
    return ReaderSpec(READERS[reader_name])


def read_product(
    *, reader_name: str, fields: list[str], resident_id: uuid.UUID | None = None, key: str = "",
    reader: registries.Reader, purpose: str, basis: str, consent: str, params: Mapping[str, Any] | None = None,
    applicant_resident_id: uuid.UUID | None = None,
) -> Any:
    """Read one product of one subject through its registry function (which writes the audit entries).

    A person is given by ``resident_id``, a parcel or a building by ``key`` (its PNU or
    road address); ``params`` were checked by :func:`parameters_checked`. Raises
    :class:`ParameterProblem` or :class:`NotEntitled` when the registry refuses them.
    """
    spec = SPECS.get(reader_name)
    if spec is None:
        function = READERS[reader_name]
        record = function(resident_id=resident_id, reader=reader, purpose=purpose, basis=basis, consent=consent)
        return release_data(record, fields)
    subject: dict[str, Any] = {"resident_id": resident_id} if spec.subject == "person" else {"key": key}
    record = spec.function(**subject, reader=reader, purpose=purpose, basis=basis, consent=consent,
                           params=dict(params or {}), applicant_resident_id=applicant_resident_id)
    return release_data(record, fields)

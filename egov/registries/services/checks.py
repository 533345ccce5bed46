"""The checking helpers every registry service shares.

A service checks the whole request before it writes anything: each check adds what
is wrong to one :class:`Problems`, by field, and the service then raises them all
together with :meth:`Problems.raise_if_any`, naming the record. The messages per
field say what to do without repeating the field's name (a form shows them under the
field); the message of the error names the record and each field in words, from
:data:`FIELD_LABELS`, so a reader without the form still knows what was wrong.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from egov.core import clock
from egov.core.errors import NotFound, ValidationError
from egov.registries import rules
from egov.registries.history import Cause
from egov.registries.identifiers import IdentifierError
from egov.registries.models import RegistryEvent, Resident, ResidentStatus

__all__ = [
    "FIELD_LABELS",
    "Problems",
    "check_date",
    "check_email",
    "check_identifier",
    "check_nationality",
    "check_phone",
    "check_text",
    "field_label",
    "get_or_none",
    "get_or_not_found",
    "is_alive_on",
    "last_event_on",
    "owner_column",
    "parse_id",
    "require",
    "with_reason",
]

# The words a person reads for the fields of the services' requests. A field name
# means the same in every registry (``registered_on`` is a date of registration,
# whatever is registered); the record named before the fields says which it is.
FIELD_LABELS: dict[str, Promise] = {
    # Residents and households.
    "identifier": gettext_lazy("registration number"),
    "new_identifier": gettext_lazy("new registration number"),
    "identifier_issued_on": gettext_lazy("number issued on"),
    "issued_on": gettext_lazy("number issued on"),
    "name_ko": gettext_lazy("name (Hangul)"),
    "name_en": gettext_lazy("name (romanised)"),
    "birth_date": gettext_lazy("date of birth"),
    "sex": gettext_lazy("sex"),
    "nationality": gettext_lazy("nationality"),
    "household_id": gettext_lazy("household"),
    "to_household_id": gettext_lazy("household moved into"),
    "household_relation": gettext_lazy("relation to the head"),
    "moved_in_on": gettext_lazy("moved in on"),
    "registration_base": gettext_lazy("registration base"),
    "father_id": gettext_lazy("father"),
    "mother_id": gettext_lazy("mother"),
    "phone": gettext_lazy("phone"),
    "email": gettext_lazy("e-mail"),
    "resident_id": gettext_lazy("resident"),
    "new_head_id": gettext_lazy("new head of household"),
    "new_address": gettext_lazy("new address"),
    "with_household": gettext_lazy("whole household"),
    "established_on": gettext_lazy("established on"),
    "sido": gettext_lazy("province or metropolitan city"),
    "sigungu": gettext_lazy("si/gun/gu"),
    "road": gettext_lazy("road name"),
    "building_number": gettext_lazy("building number"),
    "detail": gettext_lazy("detail"),
    "postcode": gettext_lazy("postcode"),
    "legal_dong_code": gettext_lazy("legal-dong code"),
    "admin_dong_code": gettext_lazy("administrative-dong code"),
    # Family relations.
    "spouse_a_id": gettext_lazy("spouse"),
    "spouse_b_id": gettext_lazy("spouse"),
    "married_on": gettext_lazy("date of marriage"),
    "marriage_id": gettext_lazy("marriage"),
    "divorced_on": gettext_lazy("date of divorce"),
    "died_on": gettext_lazy("date of death"),
    "parent_ids": gettext_lazy("adoptive parents"),
    "child_id": gettext_lazy("adopted child"),
    "adopted_on": gettext_lazy("date of adoption"),
    "adoption_id": gettext_lazy("adoption"),
    "dissolved_on": gettext_lazy("date of dissolution"),
    # Vehicles.
    "vehicle_id": gettext_lazy("vehicle"),
    "plate_number": gettext_lazy("plate number"),
    "new_plate_number": gettext_lazy("new plate number"),
    "vin": gettext_lazy("VIN"),
    "make": gettext_lazy("make"),
    "model": gettext_lazy("model"),
    "model_year": gettext_lazy("model year"),
    "fuel": gettext_lazy("fuel"),
    "owner_resident_id": gettext_lazy("owner (resident)"),
    "owner_business_id": gettext_lazy("owner (business)"),
    "new_owner_resident_id": gettext_lazy("new owner (resident)"),
    "new_owner_business_id": gettext_lazy("new owner (business)"),
    "inspection_due_on": gettext_lazy("inspection due on"),
    "encumbrance_id": gettext_lazy("lien or seizure"),
    "holder": gettext_lazy("holder"),
    "amount": gettext_lazy("amount"),
    "released_on": gettext_lazy("date of release"),
    "inspected_on": gettext_lazy("date of inspection"),
    "next_due_on": gettext_lazy("next inspection due on"),
    "changed_on": gettext_lazy("date of the change"),
    "deregistered_on": gettext_lazy("date of deregistration"),
    # Land and buildings.
    "pnu": gettext_lazy("parcel number"),
    "parcel_id": gettext_lazy("parcel"),
    "category": gettext_lazy("land category"),
    "area_m2": gettext_lazy("area"),
    "owners": gettext_lazy("owners"),
    "owner_name": gettext_lazy("name of the owner"),
    "share_numerator": gettext_lazy("share"),
    "acquired_on": gettext_lazy("date of acquisition"),
    "year": gettext_lazy("year"),
    "price_per_m2": gettext_lazy("price per m²"),
    "building_id": gettext_lazy("building"),
    "road_address": gettext_lazy("road-name address"),
    "main_use": gettext_lazy("main use"),
    "floors_above": gettext_lazy("floors above ground"),
    "floors_below": gettext_lazy("floors below ground"),
    "floor_area_m2": gettext_lazy("floor area"),
    "approved_on": gettext_lazy("date of use approval"),
    "demolished_on": gettext_lazy("date of demolition"),
    # Businesses.
    "business_id": gettext_lazy("business"),
    "registration_number": gettext_lazy("business registration number"),
    "representative_id": gettext_lazy("representative"),
    "representative_name": gettext_lazy("name of the representative"),
    "business_type": gettext_lazy("type of business"),
    "business_item": gettext_lazy("item"),
    "address": gettext_lazy("address"),
    "started_on": gettext_lazy("opening date"),
    "tax_type": gettext_lazy("tax type"),
    "tax_office_code": gettext_lazy("tax office"),
    "guardian_permission_ref": gettext_lazy("permission of the legal representative"),
    # Any registry.
    "name": gettext_lazy("name"),
    "kind": gettext_lazy("kind"),
    "status": gettext_lazy("status"),
    "registered_on": gettext_lazy("date of registration"),
    "transferred_on": gettext_lazy("date of transfer"),
    "effective_on": gettext_lazy("effective date"),
    "changes": gettext_lazy("changes"),
    "reason": gettext_lazy("reason"),
}
# A list field's items, numbered from one: ``owners[0]`` is "owner 1".
ITEM_LABELS: dict[str, Promise] = {
    "owners": gettext_lazy("owner %(n)d"),
}
_ITEM = re.compile(r"^(?P<name>\w+)\[(?P<index>\d+)\]$")


def field_label(name: str) -> str:
    """The words a person reads for a field name: ``new_address.road`` is "new address: road name",
    ``owners[0].acquired_on`` "owner 1: date of acquisition"."""
    if "." in name:
        head, tail = name.split(".", 1)
        return f"{field_label(head)}: {field_label(tail)}"
    item = _ITEM.match(name)
    if item is not None and item["name"] in ITEM_LABELS:
        return str(ITEM_LABELS[item["name"]]) % {"n": int(item["index"]) + 1}
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name.replace("_", " ")


class Problems:
    """What is wrong with a request, by field; raised all together once everything is checked."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(str(message))

    def has(self, field: str) -> bool:
        return field in self.errors

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self, record: str) -> None:
        """Refuse the request, naming ``record`` (say "Vehicle 12가3456") and each field in words, if anything is wrong."""
        if not self.errors:
            return
        details = " ".join(
            f"{field_label(field)}: {message}" for field, messages in self.errors.items() for message in messages
        )
        raise ValidationError(
            _("%(record)s: nothing was saved. %(details)s") % {"record": record, "details": details},
            field_errors={field: list(messages) for field, messages in self.errors.items()},
        )


_M = TypeVar("_M", bound=models.Model)


def parse_id(value: Any) -> uuid.UUID | None:
    """A record id given as a UUID or its text; None when it is not one (a dangling reference, reported as such)."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def get_or_none(source: type[_M] | models.QuerySet[_M], pk: Any, *, for_update: bool = False) -> _M | None:
    """The record with this id (from a model or a queryset), or None, also for an id that is not even a UUID."""
    if pk is None or pk == "":
        return None
    queryset = source.all() if isinstance(source, models.QuerySet) else source._default_manager.all()
    if for_update:
        queryset = queryset.select_for_update()
    try:
        return queryset.filter(pk=pk).first()
    except (ValueError, TypeError, DjangoValidationError):
        return None


def get_or_not_found(source: type[_M] | models.QuerySet[_M], pk: Any, *, message: str, for_update: bool = False) -> _M:
    """The record a request is about (locked for the transaction when asked), or NotFound saying there is none."""
    found = get_or_none(source, pk, for_update=for_update)
    if found is None:
        raise NotFound(message)
    return found


def require(model: type[_M], pk: Any, *, record: str, field: str, message: str = "") -> _M:
    """The record a field points to (locked for the transaction), or a ValidationError naming that field."""
    found = get_or_none(model, pk, for_update=True)
    if found is None:
        problems = Problems()
        problems.add(field, message or _("There is no such resident."))
        problems.raise_if_any(record)
    assert found is not None
    return found


def check_date(problems: Problems, field: str, value: Any, *, not_before: date | None = None,
               not_before_message: str = "") -> date | None:
    """A real date, not in the future and not before ``not_before``: the date, or None with the problem added.

    ``not_before_message`` says what the limit is; it may show the limit as ``%(date)s``.
    """
    if not isinstance(value, date):
        problems.add(field, _("Give a date."))
        return None
    try:
        rules.check_not_future(value, today=clock.today())
    except rules.RuleError as error:
        problems.add(field, str(error))
        return None
    if not_before is not None and value < not_before:
        message = not_before_message or _("The date cannot be before %(date)s.")
        problems.add(field, message % {"date": not_before.isoformat()})
        return None
    return value


def check_text(problems: Problems, field: str, value: Any, *, max_length: int, required: bool = True) -> str:
    """A text of at most ``max_length`` characters (and not blank when required): stripped, or "" with the problem added."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.add(field, _("Give a text."))
        return ""
    text = value.strip()
    if required and not text:
        problems.add(field, _("This is required."))
    elif len(text) > max_length:
        problems.add(field, _("At most %(max)d characters.") % {"max": max_length})
    return text


def check_identifier(problems: Problems, field: str, value: Any, check: Callable[[str], str]) -> str:
    """An identifier in the normal form ``check`` gives it (one of egov.registries.identifiers' checks), or ""
    with the reason it is not one added."""
    try:
        return check(value if isinstance(value, str) else "")
    except IdentifierError as error:
        problems.add(field, str(error))
        return ""


_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{6,18}[0-9]$")
_NATIONALITY = re.compile(r"^[A-Z]{3}$")


def check_phone(problems: Problems, field: str, value: str) -> None:
    digits = "".join(ch for ch in value if ch.isdigit())
    if value and (not _PHONE.match(value) or not 9 <= len(digits) <= 13):
        problems.add(field, _("A phone number has 9 to 13 digits, such as 010-1234-5678."))


def check_email(problems: Problems, field: str, value: str) -> None:
    if not value:
        return
    try:
        validate_email(value)
    except DjangoValidationError:
        problems.add(field, _("Give an e-mail address such as name@example.kr."))


def check_nationality(problems: Problems, field: str, value: Any) -> None:
    if not isinstance(value, str) or not _NATIONALITY.match(value):
        problems.add(field, _("A nationality is a three-letter ISO 3166 code such as KOR or USA."))


def is_alive_on(person: Resident, on: date) -> bool:
    """Whether the register shows the person alive at the end of ``on``."""
    if person.died_on is not None:
        return person.died_on >= on
    return person.status != ResidentStatus.DECEASED


def last_event_on(entity_id: uuid.UUID, *, since: date, kind: str = "") -> date:
    """The latest effective date in a record's history (of events of ``kind`` only, if given), and at the
    earliest ``since``, the day the record begins: a later change must not be dated before it."""
    events = RegistryEvent.objects.filter(entity_id=entity_id)
    if kind:
        events = events.filter(kind=kind)
    latest = events.order_by("-effective_on").values_list("effective_on", flat=True).first()
    return max(latest, since) if latest is not None else since


def owner_column(*, resident_id: uuid.UUID | None, business_id: uuid.UUID | None) -> tuple[str, uuid.UUID]:
    """The owner column (``owner_resident_id`` or ``owner_business_id``) and id of a look-up by exactly one owner."""
    if (resident_id is None) == (business_id is None):
        raise ValueError("give exactly one of resident_id and business_id")
    if resident_id is not None:
        return "owner_resident_id", uuid.UUID(str(resident_id))
    return "owner_business_id", uuid.UUID(str(business_id))


def with_reason(cause: Cause, reason: str) -> Cause:
    """The cause with the reason the service was given added to its own (once, when they are the same)."""
    if not cause.reason or cause.reason == reason:
        return replace(cause, reason=reason)
    return replace(cause, reason=f"{cause.reason} — {reason}")

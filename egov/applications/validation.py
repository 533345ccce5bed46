"""The form of a service, checked field by field as its definition declares it.

Every message names the field in the applicant's language (the definition carries
both) and says what to do. A field whose ``show_if`` does not hold is not asked, and
whatever was sent for it is dropped. An address is a road-name address with its two
dong codes, as the resident register keeps it; the administrative dong is worked out
from the legal dong where only one serves it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from egov.accounts.public import admin_dongs_for_legal_dong
from egov.catalogue.public import FormField, ServiceDefinition, rule_holds
from egov.core import clock
from egov.core.errors import ValidationError
from egov.exchange import public as exchange

ADDRESS_PARTS = ("sido", "sigungu", "road", "building_number", "detail", "postcode", "legal_dong_code",
                 "admin_dong_code")
ADDRESS_REQUIRED = ("sido", "road", "building_number", "legal_dong_code")
TRUE_WORDS = ("1", "true", "on", "yes")

Errors = dict[str, list[str]]


def label_of(field: FormField) -> str:
    return field.label.get(get_language() or "ko")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == {} or value == []


def _text(field: FormField, value: Any, errors: Errors) -> Any:
    if not isinstance(value, str):
        errors.setdefault(field.name, []).append(_("%(field)s: give a text.") % {"field": label_of(field)})
        return None
    value = value.strip()
    rules = field.validation
    if rules is not None:
        if rules.min_length is not None and len(value) < rules.min_length:
            errors.setdefault(field.name, []).append(
                _("%(field)s: give at least %(count)d characters.") % {"field": label_of(field), "count": rules.min_length})
        if rules.max_length is not None and len(value) > rules.max_length:
            errors.setdefault(field.name, []).append(
                _("%(field)s: give at most %(count)d characters.") % {"field": label_of(field), "count": rules.max_length})
        if rules.pattern and not re.fullmatch(rules.pattern, value):
            errors.setdefault(field.name, []).append(
                _("%(field)s is not in the expected form; see the help under the field.") % {"field": label_of(field)})
    return value


def _number(field: FormField, value: Any, errors: Errors) -> Any:
    number: int | float | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int | float):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "")) if "." in value else int(value.strip().replace(",", ""))
        except ValueError:
            number = None
    if number is None:
        errors.setdefault(field.name, []).append(_("%(field)s: give a number.") % {"field": label_of(field)})
        return None
    rules = field.validation
    if rules is not None:
        if rules.minimum is not None and number < rules.minimum:
            errors.setdefault(field.name, []).append(
                _("%(field)s: give at least %(minimum)s.") % {"field": label_of(field), "minimum": _plain(rules.minimum)})
        if rules.maximum is not None and number > rules.maximum:
            errors.setdefault(field.name, []).append(
                _("%(field)s: give at most %(maximum)s.") % {"field": label_of(field), "maximum": _plain(rules.maximum)})
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    return number


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _date(field: FormField, value: Any, errors: Errors) -> Any:
    parsed: date | None = None
    if isinstance(value, date):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        errors.setdefault(field.name, []).append(
            _("%(field)s: give a date as year-month-day, such as 2026-03-15.") % {"field": label_of(field)})
        return None
    rules = field.validation
    today = clock.today()
    if rules is not None and rules.not_after_today and parsed > today:
        errors.setdefault(field.name, []).append(_("%(field)s cannot be later than today.") % {"field": label_of(field)})
    if rules is not None and rules.not_before_today and parsed < today:
        errors.setdefault(field.name, []).append(_("%(field)s cannot be earlier than today.") % {"field": label_of(field)})
    return parsed.isoformat()


def _choice(field: FormField, value: Any, errors: Errors) -> Any:
    values = [choice.value for choice in field.choices]
    if value not in values:
        errors.setdefault(field.name, []).append(_("%(field)s: choose one of the options.") % {"field": label_of(field)})
        return None
    return value


def _boolean(field: FormField, value: Any, errors: Errors) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in TRUE_WORDS
    errors.setdefault(field.name, []).append(_("%(field)s: answer yes or no.") % {"field": label_of(field)})
    return None


def _address(field: FormField, value: Any, errors: Errors) -> Any:
    name = label_of(field)
    if not isinstance(value, Mapping):
        errors.setdefault(field.name, []).append(_("%(field)s: give the road-name address.") % {"field": name})
        return None
    cleaned = {part: str(value.get(part) or "").strip() for part in ADDRESS_PARTS}
    for part in ADDRESS_REQUIRED:
        if not cleaned[part]:
            errors.setdefault(f"{field.name}.{part}", []).append(_("Fill in this part of the address."))
    if cleaned["postcode"] and not re.fullmatch(r"\d{5}", cleaned["postcode"]):
        errors.setdefault(f"{field.name}.postcode", []).append(_("A postcode has 5 digits."))
    if cleaned["legal_dong_code"] and not re.fullmatch(r"\d{10}", cleaned["legal_dong_code"]):
        errors.setdefault(f"{field.name}.legal_dong_code", []).append(_("A legal-dong code has 10 digits."))
    elif cleaned["legal_dong_code"] and not cleaned["admin_dong_code"]:
        served_by = admin_dongs_for_legal_dong(code=cleaned["legal_dong_code"])
        if len(served_by) == 1:
            cleaned["admin_dong_code"] = served_by[0]
        else:
            errors.setdefault(f"{field.name}.admin_dong_code", []).append(
                _("Several administrative dongs serve this legal dong: give the administrative-dong code."))
    if cleaned["admin_dong_code"] and not re.fullmatch(r"\d{7,10}", cleaned["admin_dong_code"]):
        errors.setdefault(f"{field.name}.admin_dong_code", []).append(
            _("An administrative-dong code has 7 to 10 digits."))
    if any(key.startswith(f"{field.name}.") for key in errors):
        errors.setdefault(field.name, []).append(_("%(field)s is not complete: correct the parts marked.") % {"field": name})
    return cleaned


def _file(field: FormField, value: Any, errors: Errors) -> Any:
    """An upload arrives as ``{"name", "size", "content_type", "sha256", "path"}`` (the page stores the file first)."""
    if not isinstance(value, Mapping) or not value.get("name"):
        errors.setdefault(field.name, []).append(_("%(field)s: attach the file.") % {"field": label_of(field)})
        return None
    rules = field.validation
    size = int(value.get("size") or 0)
    if rules is not None and rules.max_size_kb and size > rules.max_size_kb * 1024:
        errors.setdefault(field.name, []).append(
            _("%(field)s: the file may be at most %(kb)d KB.") % {"field": label_of(field), "kb": rules.max_size_kb})
    if rules is not None and rules.accept:
        name = str(value["name"]).lower()
        if not any(name.endswith(kind.lower().lstrip("*")) or value.get("content_type") == kind for kind in rules.accept):
            errors.setdefault(field.name, []).append(
                _("%(field)s: attach a file of one of these kinds: %(kinds)s.")
                % {"field": label_of(field), "kinds": ", ".join(rules.accept)})
    return dict(value)


def _resident_number(field: FormField, value: Any, errors: Errors) -> Any:
    """Another person's registration number, written ``YYMMDD-NNNNNNN`` (stored encrypted, shown masked)."""
    if not isinstance(value, str):
        errors.setdefault(field.name, []).append(_("%(field)s: give the 13 digits.") % {"field": label_of(field)})
        return None
    try:
        return exchange.person_number_checked(value)
    except ValidationError as error:
        errors.setdefault(field.name, []).append(f"{label_of(field)}: {error.message}")
        return None


def _parcel_number(field: FormField, value: Any, errors: Errors) -> Any:
    """A parcel number (PNU), 19 digits (dashes and spaces forgiven); the land register says whether it exists."""
    if not isinstance(value, str):
        errors.setdefault(field.name, []).append(_("%(field)s: give the 19 digits.") % {"field": label_of(field)})
        return None
    try:
        return exchange.parcel_number_checked(value)
    except ValidationError as error:
        errors.setdefault(field.name, []).append(f"{label_of(field)}: {error.message}")
        return None


CHECKS = {"text": _text, "number": _number, "date": _date, "choice": _choice, "boolean": _boolean,
          "address": _address, "file": _file, "resident_number": _resident_number, "parcel_number": _parcel_number}


def form_clean(definition: ServiceDefinition, data: Mapping[str, Any]) -> tuple[dict[str, Any], Errors]:
    """The answers as the definition declares them, and the problems by field name (empty when none)."""
    return fields_clean(definition.form, data)


def bundle_clean(form: Sequence[FormField], members: Sequence[ServiceDefinition], data: Mapping[str, Any],
                 given: frozenset[str] = frozenset()) -> tuple[dict[str, Any], dict[str, dict[str, Any]], Errors]:
    """A bundle's answers: checked against its one form, then each member's share against the member's own rules.

    Returns the answers, each member's answers (by service id) and the problems by
    field name. A member may check a shared answer more strictly than the question's
    first wording says: its messages are shown for a field the form itself found no
    fault with (once, whichever members say the same).
    """
    cleaned, errors = fields_clean(form, data)
    faulty = set(errors)
    by_member: dict[str, dict[str, Any]] = {}
    for member in members:
        # A question another member answers later (``given``) is not asked now.
        asked = [field for field in member.form if field.name not in given]
        names = {field.name for field in asked}
        share, member_errors = fields_clean(asked, {k: v for k, v in data.items() if k in names})
        by_member[member.id] = share
        for name, messages in member_errors.items():
            if name not in faulty and not any(key.startswith(f"{name}.") for key in faulty):
                known = errors.setdefault(name, [])
                known.extend(m for m in messages if m not in known)
    return cleaned, by_member, errors


def fields_clean(fields: Sequence[FormField], data: Mapping[str, Any]) -> tuple[dict[str, Any], Errors]:
    """The answers to these questions, and the problems by field name (empty when none)."""
    errors: Errors = {}
    cleaned: dict[str, Any] = {}
    known = {field.name for field in fields}
    for name in data:
        if name not in known:
            errors.setdefault(name, []).append(_("This form does not ask for %(name)s.") % {"name": name})
    for field in fields:
        if field.show_if is not None and not rule_holds(field.show_if, form=data, facts={}):
            continue
        value = data.get(field.name)
        if _blank(value) and field.type != "boolean":
            if field.required:
                errors.setdefault(field.name, []).append(_("Fill in %(field)s.") % {"field": label_of(field)})
            continue
        if field.type == "boolean" and value is None:
            cleaned[field.name] = False
            continue
        result = CHECKS[field.type](field, value, errors)
        if result is not None:
            cleaned[field.name] = result
    return cleaned, errors

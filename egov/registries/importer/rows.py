"""The CSV format of the registries' bulk load (docs/registries-data.md), and the checks each row passes on its own.

These checks need nothing but the row (no database), so they are the same whichever
process runs them; references between rows are checked by the engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from egov.core.crypto import Encryptor, blind_index
from egov.registries import identifiers, rules
from egov.registries.models import (
    Adoption,
    Building,
    BuildingOwnership,
    Business,
    Encumbrance,
    Household,
    LandPrice,
    Marriage,
    Parcel,
    ParcelOwnership,
    Resident,
    Vehicle,
)
from egov.registries.models.residents import (
    EMAIL_CONTEXT,
    IDENTIFIER_CONTEXT,
    IDENTIFIER_INDEX_KIND,
    PHONE_CONTEXT,
)

# --- the format ---------------------------------------------------------------------------

# One file per table, in load order; the columns are the model's (attribute names),
# less source_event_id (set by the importer) and identifier_index (computed by it).
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "households": ("id", "head_id", "sido", "sigungu", "road", "building_number", "detail", "postcode",
                   "legal_dong_code", "admin_dong_code", "established_on"),
    "residents": ("id", "identifier_type", "identifier", "identifier_issued_on", "name_ko", "name_en", "birth_date",
                  "sex", "nationality", "status", "died_on", "household_id", "household_relation", "moved_in_on",
                  "registration_base", "father_id", "mother_id", "phone", "email", "registered_on"),
    "marriages": ("id", "spouse_a_id", "spouse_b_id", "married_on", "ended_on", "end_reason"),
    "adoptions": ("id", "parent_id", "child_id", "kind", "adopted_on", "dissolved_on"),
    "businesses": ("id", "registration_number", "name", "representative_id", "representative_name", "business_type",
                   "business_item", "address", "legal_dong_code", "admin_dong_code", "started_on", "status",
                   "status_changed_on", "tax_type", "tax_office_code"),
    "vehicles": ("id", "plate_number", "vin", "make", "model", "model_year", "fuel", "owner_resident_id",
                 "owner_business_id", "use_address", "use_legal_dong_code", "registered_on", "inspection_due_on",
                 "status", "deregistered_on"),
    "encumbrances": ("id", "vehicle_id", "kind", "holder", "amount", "registered_on", "released_on"),
    "parcels": ("id", "pnu", "legal_dong_code", "category", "area_m2", "registered_on", "closed_on"),
    "parcel_ownerships": ("id", "parcel_id", "owner_resident_id", "owner_business_id", "owner_name",
                          "share_numerator", "share_denominator", "acquired_on", "ended_on"),
    "land_prices": ("parcel_id", "year", "price_per_m2"),
    "buildings": ("id", "parcel_id", "name", "road_address", "main_use", "floors_above", "floors_below",
                  "floor_area_m2", "approved_on", "demolished_on"),
    "building_ownerships": ("id", "building_id", "owner_resident_id", "owner_business_id", "owner_name",
                            "share_numerator", "share_denominator", "acquired_on", "ended_on"),
}
MODELS: dict[str, type[models.Model]] = {
    "households": Household, "residents": Resident, "marriages": Marriage, "adoptions": Adoption,
    "businesses": Business, "vehicles": Vehicle, "encumbrances": Encumbrance, "parcels": Parcel,
    "parcel_ownerships": ParcelOwnership, "land_prices": LandPrice, "buildings": Building,
    "building_ownerships": BuildingOwnership,
}
# Households and residents are one step (read side by side); the others follow one by one.
STEPS: tuple[tuple[str, ...], ...] = (("households", "residents"),) + tuple((t,) for t in CSV_COLUMNS if t not in
                                                                            ("households", "residents"))
REJECT_COLUMNS = ("reject_line", "reject_field", "reject_reason")
LEDGER_TABLE = "registries_import_ledger"
CHUNK_ROWS = 20_000
CACHE_ROWS = 50_000  # recently loaded rows remembered per table (two generations), for references to them
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}").fullmatch


class RowError(ValueError):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class Reject:
    file: str
    line: int
    field: str
    reason: str


# A row that passed its own checks, as a plain tuple (chunks checked in worker processes
# travel back to the writer pickled, and plain tuples of ints and strings pickle fast):
# (line, id, values, refs, info, extra) where
#   values  the database values in column order: a list for SQLite, a line of COPY text for PostgreSQL;
#   refs    ((field, target table, id), ...): the rows it refers to;
#   info    what a reference to it needs (residents: birth and death dates as ordinals, 0 for none, and sex);
#   extra   what the chunk checks need of it (see each table's function).
Row = tuple[Any, ...]
LINE, ID, VALUES, REFS, INFO, EXTRA = range(6)
NONE: tuple[Any, ...] = ()

# Unique values of each table (name, column), checked by the database; the importer
# looks them up only when the database refuses a chunk, to say which rows repeat one.
UNIQUE_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "residents": (("identifier", "identifier_index"),),
    "businesses": (("registration_number", "registration_number"),),
    "vehicles": (("vin", "vin"), ("plate_number", "plate_number")),
    "parcels": (("pnu", "pnu"),),
}


# --- checking values ------------------------------------------------------------------------


def _required(value: str, name: str) -> str:
    if not value:
        raise RowError(name, _("This field is required."))
    return value


def _uuid(value: str, name: str, ctx: Context, *, required: bool = True) -> str | None:
    """A UUID in the database's own form (32 hex digits on SQLite, canonical on PostgreSQL)."""
    if not value:
        if required:
            raise RowError(name, _("This field is required."))
        return None
    if _UUID(value) is None:
        raise RowError(name, _("Not an identifier of the form 3f2a8c1e-1111-4222-8333-444455556666."))
    return value.replace("-", "").lower() if ctx.hex_ids else value.lower()


def _date(value: str, name: str, ctx: Context, *, required: bool = True) -> date | None:
    if not value:
        if required:
            raise RowError(name, _("This field is required."))
        return None
    day = _day(value)
    if day is None:
        raise RowError(name, _("Not a date of the form YYYY-MM-DD."))
    if day > ctx.today:
        try:
            rules.check_not_future(day, today=ctx.today)
        except rules.RuleError as error:
            raise RowError(name, str(error)) from None
    return day


@lru_cache(maxsize=65536)
def _day(value: str) -> date | None:
    """The date of a YYYY-MM-DD string, or None (remembered: a population shares its dates)."""
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _text(value: str, name: str, length: int, *, required: bool = False) -> str:
    if required and not value.strip():
        raise RowError(name, _("This field is required."))
    if len(value) > length:
        raise RowError(name, _("At most %(length)d characters.") % {"length": length})
    return value


def _choice(value: str, name: str, choices: tuple[str, ...], *, required: bool = True) -> str:
    if not value and not required:
        return ""
    if value not in choices:
        raise RowError(name, _("Must be one of: %(values)s.") % {"values": ", ".join(choices)})
    return value


def _int(value: str, name: str, low: int, high: int, *, required: bool = True) -> int | None:
    if not value and not required:
        return None
    try:
        number = int(value)
    except ValueError:
        raise RowError(name, _("Not a whole number.")) from None
    if not low <= number <= high:
        raise RowError(name, _("Must be between %(low)d and %(high)d.") % {"low": low, "high": high})
    return number


def _decimal(value: str, name: str) -> str:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise RowError(name, _("Not a number.")) from None
    if not number.is_finite() or number <= 0 or number >= Decimal("1e12") or number.as_tuple().exponent < -2:  # type: ignore[operator]
        raise RowError(name, _("Must be a positive number with at most two decimals."))
    return str(number)


def _code(value: str, name: str, *, digits: tuple[int, ...] = (10,), required: bool = True) -> str:
    if not value and not required:
        return ""
    if not value.isdigit() or len(value) not in digits or not value.isascii():
        raise RowError(name, _("A code of %(digits)s digits.") % {"digits": "/".join(str(d) for d in digits)})
    return value


def _legal_code(value: str, name: str, known: frozenset[str], *, required: bool = True) -> str:
    code = _code(value, name, required=required)
    if code and known and code not in known:
        raise RowError(name, _("%(code)s is not a legal-dong code.") % {"code": code})
    return code


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _after(later: date | None, earlier: date | None, name: str, message: str) -> None:
    """``later`` is not before ``earlier``; ``message`` (marked with gettext_noop) is translated only when the row is refused."""
    if later is not None and earlier is not None and later < earlier:
        raise RowError(name, _(message))


# --- the tables ------------------------------------------------------------------------------


class Context:
    """What row checks need besides the row, and how the database wants the values.

    SQLite keeps UUIDs as 32 hex digits and takes parameter lists; PostgreSQL takes
    lines of COPY text. Rows leave :func:`prepare` in that final form, with the import
    event's id appended where the table has a ``source_event`` column, so that the
    process writing them has nothing left to do but write.
    """

    def __init__(self, *, today: date, legal_codes: frozenset[str], vendor: str = "sqlite", event_id: str = "") -> None:
        self.today = today
        self.legal_codes = legal_codes
        self.vendor = vendor
        self.event_id = event_id
        self.hex_ids = vendor != "postgresql"
        self.event = event_id.replace("-", "") if self.hex_ids else event_id
        self.has_event = {table: "source_event_id" in {f.attname for f in model._meta.concrete_fields}
                          for table, model in MODELS.items()}
        # encrypt() of the columns the importer encrypts, its key found once (core.crypto.Encryptor).
        self.encrypt_identifier = Encryptor(context=IDENTIFIER_CONTEXT)
        self.encrypt_phone = Encryptor(context=PHONE_CONTEXT)
        self.encrypt_email = Encryptor(context=EMAIL_CONTEXT)

    def finish(self, table: str, values: list[Any]) -> Any:
        if self.has_event[table]:
            values.append(self.event)
        if self.hex_ids:
            return values
        return copy_line(values)


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_line(values: list[Any]) -> str:
    """One row in PostgreSQL's COPY text format (NULL is \\N; backslash, tab and line breaks escaped)."""
    cells = ["\\N" if v is None else v if v.__class__ is str else str(v) for v in values]
    line = "\t".join(cells)
    # Nearly every row has nothing to escape: find that out with a few scans of the whole line.
    if (line.count("\t") == len(cells) - 1 and line.count("\\") == values.count(None)
            and "\n" not in line and "\r" not in line):
        return line + "\n"
    escaped = ["\\N" if v is None else str(v).translate(_ESCAPES) for v in values]
    return "\t".join(escaped) + "\n"


def prepare(table: str, values: list[str], line: int, ctx: Context) -> Row:
    """Check one row on its own (no database); its values come back in the database's form. Raises :class:`RowError`."""
    return _PREPARERS[table](values, line, ctx)


def _households(v: list[str], line: int, ctx: Context) -> Row:
    """extra: (head id or "",)."""
    (row_id, head_id, sido, sigungu, road, number, detail, postcode, legal, admin, established) = v
    key = _uuid(row_id, "id", ctx)
    head = _uuid(head_id, "head_id", ctx, required=False)
    if postcode and not (len(postcode) == 5 and postcode.isdigit()):
        raise RowError("postcode", _("A postcode has 5 digits."))
    values = [
        key, head, _text(sido, "sido", 40, required=True), _text(sigungu, "sigungu", 40),
        _text(road, "road", 80, required=True), _text(number, "building_number", 16, required=True),
        _text(detail, "detail", 80), postcode, _legal_code(legal, "legal_dong_code", ctx.legal_codes),
        _code(admin, "admin_dong_code", digits=(5, 7, 8, 10)), _iso(_date(established, "established_on", ctx)),
    ]
    return (line, key, ctx.finish(table="households", values=values), NONE, None, (head or "",))


def _residents(v: list[str], line: int, ctx: Context) -> Row:
    """info: (birth ordinal, death ordinal or 0, sex); extra: (household id or "", relation)."""
    (row_id, kind, number, issued_on, name_ko, name_en, birth_date, sex, nationality, status, died_on, household_id,
     relation, moved_in_on, base, father_id, mother_id, phone, email, registered_on) = v
    key = _uuid(row_id, "id", ctx)
    kind = _choice(kind, "identifier_type", ("rrn", "frn"))
    birth = _date(birth_date, "birth_date", ctx)
    issued = _date(issued_on, "identifier_issued_on", ctx)
    sex = _choice(sex, "sex", ("M", "F"))
    assert birth is not None and issued is not None
    try:
        digits = identifiers.check_person_number(_required(number, "identifier"), issued_on=issued, birth_date=birth,
                                                 sex=sex, foreign=kind == "frn").digits
    except identifiers.IdentifierError as error:
        raise RowError("identifier", str(error)) from None
    status = _choice(status, "status", ("living", "deceased", "emigrated", "missing"))
    died = _date(died_on, "died_on", ctx, required=False)
    if status == "deceased" and died is None:
        raise RowError("died_on", _("A deceased resident needs a date of death."))
    if status != "deceased" and died is not None:
        raise RowError("died_on", _("Only a deceased resident has a date of death."))
    if died is not None:
        try:
            rules.check_death(birth_date=birth, died_on=died)
        except rules.RuleError as error:
            raise RowError("died_on", str(error)) from None
    household = _uuid(household_id, "household_id", ctx, required=False)
    relation = _choice(relation, "household_relation", RELATIONS, required=household is not None)
    if household is None and relation:
        raise RowError("household_relation", _("Only a member of a household has a relation to its head."))
    moved = _date(moved_in_on, "moved_in_on", ctx, required=False)
    _after(moved, birth, "moved_in_on", gettext_noop("The move-in date is before the date of birth."))
    registered = _date(registered_on, "registered_on", ctx)
    _after(registered, birth, "registered_on", gettext_noop("The registration date is before the date of birth."))
    father = _uuid(father_id, "father_id", ctx, required=False)
    mother = _uuid(mother_id, "mother_id", ctx, required=False)
    if key in (father, mother):
        raise RowError("father_id" if father == key else "mother_id", _("A person cannot be their own parent."))
    if not (len(nationality) == 3 and nationality.isascii() and nationality.isupper()):
        raise RowError("nationality", _("A three-letter country code (ISO 3166-1 alpha-3), such as KOR."))
    _text(phone, "phone", 20)
    _text(email, "email", 254)
    if email and ("@" not in email or " " in email):
        raise RowError("email", _("Not an e-mail address."))
    values = [
        key, kind, ctx.encrypt_identifier(digits), blind_index(digits, kind=IDENTIFIER_INDEX_KIND),
        issued.isoformat(), _text(name_ko, "name_ko", 60, required=True), _text(name_en, "name_en", 120),
        birth.isoformat(), sex, nationality, status, _iso(died), household, relation, _iso(moved),
        _text(base, "registration_base", 120), father, mother,
        ctx.encrypt_phone(phone) if phone else "", ctx.encrypt_email(email) if email else "",
        _iso(registered),
    ]
    refs: tuple[tuple[str, str, str], ...] = ()
    if household:
        refs += (("household_id", "households", household),)
    if father:
        refs += (("father_id", "residents", father),)
    if mother:
        refs += (("mother_id", "residents", mother),)
    info = (birth.toordinal(), died.toordinal() if died else 0, sex)
    return (line, key, ctx.finish(table="residents", values=values), refs, info, (household or "", relation))


RELATIONS = ("head", "spouse", "child", "child_in_law", "parent", "parent_in_law", "grandchild", "sibling", "other")


def _marriages(v: list[str], line: int, ctx: Context) -> Row:
    """extra: (married ordinal, ended ordinal or 0, end reason)."""
    row_id, spouse_a, spouse_b, married_on, ended_on, end_reason = v
    key = _uuid(row_id, "id", ctx)
    a = _uuid(spouse_a, "spouse_a_id", ctx)
    b = _uuid(spouse_b, "spouse_b_id", ctx)
    if a == b:
        raise RowError("spouse_b_id", _("A marriage is between two people."))
    married = _date(married_on, "married_on", ctx)
    ended = _date(ended_on, "ended_on", ctx, required=False)
    _after(ended, married, "ended_on", gettext_noop("A marriage cannot end before it began."))
    reason = _choice(end_reason, "end_reason", ("divorce", "death", "annulment"), required=ended is not None)
    if reason and ended is None:
        raise RowError("ended_on", _("A marriage that ended needs the date it ended."))
    assert married is not None
    values = [key, a, b, married.isoformat(), _iso(ended), reason]
    refs = (("spouse_a_id", "residents", a), ("spouse_b_id", "residents", b))
    extra = (married.toordinal(), ended.toordinal() if ended else 0, reason)
    return (line, key, ctx.finish(table="marriages", values=values), refs, None, extra)


def _adoptions(v: list[str], line: int, ctx: Context) -> Row:
    """extra: (adopted ordinal,)."""
    row_id, parent_id, child_id, kind, adopted_on, dissolved_on = v
    key = _uuid(row_id, "id", ctx)
    parent = _uuid(parent_id, "parent_id", ctx)
    child = _uuid(child_id, "child_id", ctx)
    if parent == child:
        raise RowError("child_id", _("A person cannot adopt themselves."))
    adopted = _date(adopted_on, "adopted_on", ctx)
    dissolved = _date(dissolved_on, "dissolved_on", ctx, required=False)
    _after(dissolved, adopted, "dissolved_on", gettext_noop("An adoption cannot be dissolved before it was made."))
    assert adopted is not None
    values = [key, parent, child, _choice(kind, "kind", ("adoption", "full")), adopted.isoformat(), _iso(dissolved)]
    refs = (("parent_id", "residents", parent), ("child_id", "residents", child))
    return (line, key, ctx.finish(table="adoptions", values=values), refs, None, (adopted.toordinal(),))


def _businesses(v: list[str], line: int, ctx: Context) -> Row:
    (row_id, number, name, representative_id, representative_name, business_type, item, address, legal, admin,
     started_on, status, changed_on, tax_type, office) = v
    key = _uuid(row_id, "id", ctx)
    try:
        digits = identifiers.check_business_number(number)
    except identifiers.IdentifierError as error:
        raise RowError("registration_number", str(error)) from None
    representative = _uuid(representative_id, "representative_id", ctx, required=False)
    started = _date(started_on, "started_on", ctx)
    status = _choice(status, "status", ("active", "suspended", "closed"))
    changed = _date(changed_on, "status_changed_on", ctx, required=status != "active")
    _after(changed, started, "status_changed_on", gettext_noop("The status cannot change before the business opened."))
    values = [
        key, digits, _text(name, "name", 120, required=True), representative,
        _text(representative_name, "representative_name", 60, required=True),
        _text(business_type, "business_type", 60, required=True), _text(item, "business_item", 80),
        _text(address, "address", 200, required=True), _legal_code(legal, "legal_dong_code", ctx.legal_codes),
        _code(admin, "admin_dong_code", digits=(5, 7, 8, 10), required=False), _iso(started), status, _iso(changed),
        _choice(tax_type, "tax_type", ("general", "simplified", "exempt", "corporate")),
        _text(office, "tax_office_code", 24, required=True),
    ]
    refs = (("representative_id", "residents", representative),) if representative else ()
    return (line, key, ctx.finish(table="businesses", values=values), refs, None, NONE)


FUELS = ("gasoline", "diesel", "lpg", "hybrid", "electric", "hydrogen")


def _vehicles(v: list[str], line: int, ctx: Context) -> Row:
    (row_id, plate_number, vin_text, make, model, model_year, fuel, owner_resident, owner_business, use_address,
     use_legal, registered_on, due_on, status, deregistered_on) = v
    key = _uuid(row_id, "id", ctx)
    try:
        plate = identifiers.check_plate_number(plate_number)
    except identifiers.IdentifierError as error:
        raise RowError("plate_number", str(error)) from None
    try:
        vin = identifiers.check_vin(vin_text).vin
    except identifiers.IdentifierError as error:
        raise RowError("vin", str(error)) from None
    resident = _uuid(owner_resident, "owner_resident_id", ctx, required=False)
    business = _uuid(owner_business, "owner_business_id", ctx, required=False)
    if (resident is None) == (business is None):
        raise RowError("owner_resident_id", _("A vehicle has one owner: a resident or a business, not both."))
    registered = _date(registered_on, "registered_on", ctx)
    status = _choice(status, "status", ("registered", "deregistered"))
    deregistered = _date(deregistered_on, "deregistered_on", ctx, required=status == "deregistered")
    _after(deregistered, registered, "deregistered_on",
           gettext_noop("A vehicle cannot be deregistered before it was registered."))
    if due_on and _day(due_on) is None:  # a due date may lie in the future
        raise RowError("inspection_due_on", _("Not a date of the form YYYY-MM-DD."))
    values = [
        key, plate, vin, _text(make, "make", 40, required=True), _text(model, "model", 60, required=True),
        _int(model_year, "model_year", 1900, ctx.today.year + 1), _choice(fuel, "fuel", FUELS), resident, business,
        _text(use_address, "use_address", 200),
        _legal_code(use_legal, "use_legal_dong_code", ctx.legal_codes, required=False), _iso(registered),
        due_on or None, status, _iso(deregistered),
    ]
    refs = (("owner_resident_id", "residents", resident),) if resident else (
        ("owner_business_id", "businesses", business),)
    return (line, key, ctx.finish(table="vehicles", values=values), refs, None, NONE)


def _encumbrances(v: list[str], line: int, ctx: Context) -> Row:
    row_id, vehicle_id, kind, holder, amount, registered_on, released_on = v
    key = _uuid(row_id, "id", ctx)
    vehicle = _uuid(vehicle_id, "vehicle_id", ctx)
    registered = _date(registered_on, "registered_on", ctx)
    released = _date(released_on, "released_on", ctx, required=False)
    _after(released, registered, "released_on",
           gettext_noop("An encumbrance cannot be released before it was registered."))
    values = [key, vehicle, _choice(kind, "kind", ("lien", "seizure")), _text(holder, "holder", 120, required=True),
              _int(amount, "amount", 0, 10**15, required=False), _iso(registered), _iso(released)]
    return (line, key, ctx.finish(table="encumbrances", values=values), (("vehicle_id", "vehicles", vehicle),),
            None, NONE)


_CATEGORIES = frozenset("전답과목임광염대장학차주창도철제천구유양수공체원종사묘잡")


def _parcels(v: list[str], line: int, ctx: Context) -> Row:
    row_id, pnu_text, legal_code, category, area, registered_on, closed_on = v
    key = _uuid(row_id, "id", ctx)
    try:
        pnu = identifiers.check_pnu(pnu_text)
    except identifiers.IdentifierError as error:
        raise RowError("pnu", str(error)) from None
    if ctx.legal_codes and pnu[:10] not in ctx.legal_codes:
        raise RowError("pnu", _("The first ten digits of the parcel number are not a legal-dong code."))
    legal = _legal_code(legal_code, "legal_dong_code", ctx.legal_codes)
    if legal != pnu[:10]:
        raise RowError("legal_dong_code", _("The legal-dong code is not the one in the parcel number."))
    if category not in _CATEGORIES:
        raise RowError("category", _("Must be one of: %(values)s.") % {"values": ", ".join(sorted(_CATEGORIES))})
    registered = _date(registered_on, "registered_on", ctx)
    closed = _date(closed_on, "closed_on", ctx, required=False)
    _after(closed, registered, "closed_on", gettext_noop("A parcel cannot be closed before it was registered."))
    values = [key, pnu, legal, category, _decimal(area, "area_m2"), _iso(registered), _iso(closed)]
    return (line, key, ctx.finish(table="parcels", values=values), NONE, None, NONE)


def _ownership(table: str, target: str, target_field: str) -> Callable[[list[str], int, Context], Row]:
    def check(v: list[str], line: int, ctx: Context) -> Row:
        row_id, thing_id, owner_resident, owner_business, owner_name, numerator, denominator, acquired_on, ended_on = v
        key = _uuid(row_id, "id", ctx)
        thing = _uuid(thing_id, target_field, ctx)
        resident = _uuid(owner_resident, "owner_resident_id", ctx, required=False)
        business = _uuid(owner_business, "owner_business_id", ctx, required=False)
        name = _text(owner_name, "owner_name", 120)
        if resident is None and business is None and not name.strip():
            raise RowError("owner_resident_id", _("An owner is a resident, a business or a named body."))
        if resident is not None and business is not None:
            raise RowError("owner_business_id", _("One owner per row: a resident or a business, not both."))
        share = _int(numerator, "share_numerator", 1, 2**31 - 1)
        whole = _int(denominator, "share_denominator", 1, 2**31 - 1)
        if share is not None and whole is not None and share > whole:
            raise RowError("share_numerator", _("A share cannot be more than the whole."))
        acquired = _date(acquired_on, "acquired_on", ctx)
        ended = _date(ended_on, "ended_on", ctx, required=False)
        _after(ended, acquired, "ended_on", gettext_noop("A share cannot end before the date it was acquired."))
        values = [key, thing, resident, business, name, share, whole, _iso(acquired), _iso(ended)]
        refs: tuple[tuple[str, str, str | None], ...] = ((target_field, target, thing),)
        if resident:
            refs += (("owner_resident_id", "residents", resident),)
        if business:
            refs += (("owner_business_id", "businesses", business),)
        return (line, key, ctx.finish(table=table, values=values), refs, None, NONE)

    return check


def _land_prices(v: list[str], line: int, ctx: Context) -> Row:
    parcel_id, year_text, price = v
    parcel = _uuid(parcel_id, "parcel_id", ctx)
    year = _int(year_text, "year", 1989, ctx.today.year)
    values = [parcel, year, _int(price, "price_per_m2", 0, 10**12)]
    return (line, f"{parcel}:{year}", ctx.finish(table="land_prices", values=values),
            (("parcel_id", "parcels", parcel),), None, NONE)


USES = ("detached_house", "apartment", "multi_family", "neighbourhood", "office", "factory", "warehouse", "education",
        "other")


def _buildings(v: list[str], line: int, ctx: Context) -> Row:
    row_id, parcel_id, name, road_address, main_use, above, below, area, approved_on, demolished_on = v
    key = _uuid(row_id, "id", ctx)
    parcel = _uuid(parcel_id, "parcel_id", ctx)
    approved = _date(approved_on, "approved_on", ctx)
    demolished = _date(demolished_on, "demolished_on", ctx, required=False)
    _after(demolished, approved, "demolished_on",
           gettext_noop("A building cannot be demolished before its use was approved."))
    values = [key, parcel, _text(name, "name", 80), _text(road_address, "road_address", 160),
              _choice(main_use, "main_use", USES), _int(above, "floors_above", 0, 200),
              _int(below, "floors_below", 0, 30), _decimal(area, "floor_area_m2"), _iso(approved), _iso(demolished)]
    return (line, key, ctx.finish(table="buildings", values=values), (("parcel_id", "parcels", parcel),),
            None, NONE)


_PREPARERS: dict[str, Callable[[list[str], int, Context], Row]] = {
    "households": _households, "residents": _residents, "marriages": _marriages, "adoptions": _adoptions,
    "businesses": _businesses, "vehicles": _vehicles, "encumbrances": _encumbrances, "parcels": _parcels,
    "parcel_ownerships": _ownership("parcel_ownerships", "parcels", "parcel_id"), "land_prices": _land_prices,
    "buildings": _buildings, "building_ownerships": _ownership("building_ownerships", "buildings", "building_id"),
}


def db_columns(table: str) -> list[str]:
    """The database columns a prepared row's values fill, in order (source_event_id last when the table has it)."""
    model = MODELS[table]
    by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
    names = list(CSV_COLUMNS[table])
    if table == "residents":
        names.insert(names.index("identifier") + 1, "identifier_index")
    columns = [by_attname[name] for name in names]
    if "source_event_id" in by_attname:
        columns.append(by_attname["source_event_id"])
    return columns

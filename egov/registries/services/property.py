"""Land (토지대장) and buildings (건축물대장): parcels, their owners and prices, buildings and theirs.

A parcel or a building has a full set of owners whose shares add up to exactly one
(checked with fractions, never floats). A transfer replaces the whole set: the
current ownership rows are the owners of today, and the ``parcel.transferred`` or
``building.transferred`` event keeps the set before and after, so the owners on any
past date are today's with the later transfers undone (:func:`parcel_owners_as_of`,
:func:`building_owners_as_of`).

Splitting and merging parcels (분할·합병) are not services yet: they close parcels and
open new ones with their owners carried over, and come with the cadastral survey
workflow.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from egov.accounts import public as accounts
from egov.core import clock
from egov.core.events import publish
from egov.registries import history
from egov.registries.history import Cause, EventView
from egov.registries.identifiers import check_pnu
from egov.registries.models import (
    Building,
    BuildingOwnership,
    BuildingUse,
    Business,
    BusinessStatus,
    LandCategory,
    LandPrice,
    Parcel,
    ParcelOwnership,
    RegistryEvent,
    Resident,
)
from egov.registries.services.checks import (
    Problems,
    check_date,
    check_identifier,
    check_text,
    get_or_none,
    get_or_not_found,
    last_event_on,
    owner_column,
    parse_id,
)

LAND = "land"
BUILDINGS = "buildings"
# The individual official land price (개별공시지가) has been published since 1990.
FIRST_LAND_PRICE_YEAR = 1990
MAX_FLOORS_ABOVE = 300
MAX_FLOORS_BELOW = 100
# Decimal(14, 2) columns: at most twelve digits before the point.
MAX_AREA = Decimal("999999999999.99")
_OWNER_KEYS = {"owner_resident_id", "owner_business_id", "owner_name", "share_numerator", "share_denominator",
               "acquired_on"}


@dataclass(frozen=True)
class OwnerShare:
    """One owner of a parcel or a building and their share: a resident, a business or a named body."""

    resident_id: uuid.UUID | None
    business_id: uuid.UUID | None
    name: str
    share_numerator: int
    share_denominator: int
    acquired_on: date

    @property
    def share(self) -> Fraction:
        return Fraction(self.share_numerator, self.share_denominator)

    @property
    def key(self) -> tuple[str, str]:
        if self.resident_id is not None:
            return ("resident", str(self.resident_id))
        if self.business_id is not None:
            return ("business", str(self.business_id))
        return ("name", self.name)

    def as_json(self) -> dict[str, Any]:
        return {
            "owner_resident_id": str(self.resident_id) if self.resident_id else None,
            "owner_business_id": str(self.business_id) if self.business_id else None,
            "owner_name": self.name,
            "share_numerator": self.share_numerator,
            "share_denominator": self.share_denominator,
            "acquired_on": self.acquired_on.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OwnerShare:
        return cls(
            resident_id=uuid.UUID(data["owner_resident_id"]) if data.get("owner_resident_id") else None,
            business_id=uuid.UUID(data["owner_business_id"]) if data.get("owner_business_id") else None,
            name=data.get("owner_name") or "",
            share_numerator=int(data["share_numerator"]),
            share_denominator=int(data["share_denominator"]),
            acquired_on=date.fromisoformat(data["acquired_on"]),
        )

    @classmethod
    def from_row(cls, row: ParcelOwnership | BuildingOwnership) -> OwnerShare:
        return cls(
            resident_id=row.owner_resident_id, business_id=row.owner_business_id, name=row.owner_name,
            share_numerator=row.share_numerator, share_denominator=row.share_denominator,
            acquired_on=row.acquired_on,
        )


def _owners_payload(owners: list[OwnerShare]) -> list[dict[str, Any]]:
    """The owner set as the event log keeps it: a list of JSON objects."""
    return [owner.as_json() for owner in owners]


def _owners_from_payload(value: Any) -> list[OwnerShare]:
    items = value or []
    return [OwnerShare.from_json(item) for item in items]


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _positive_decimal(problems: Problems, field: str, value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value)) if value is not None and not isinstance(value, bool) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        problems.add(field, _("Give the area in square metres, as a number."))
        return None
    if number <= 0 or number > MAX_AREA:
        problems.add(field, _("The area must be more than 0 m² and at most %(max)s m².") % {"max": MAX_AREA})
        return None
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        problems.add(field, _("Give the area to at most two decimal places."))
        return None
    return number


def _check_owners(
    problems: Problems, owners: Any, *, acquired_by: date | None, default_acquired_on: date | None = None,
) -> list[OwnerShare]:
    """Check a full owner set: one kind of owner each, no one twice, shares adding up to exactly one."""
    if not isinstance(owners, list) or not owners:
        problems.add("owners", _("Give at least one owner."))
        return []
    checked: list[OwnerShare] = []
    seen: set[tuple[str, str]] = set()
    total = Fraction(0)
    shares_complete = True
    for index, raw in enumerate(owners):
        prefix = f"owners[{index}]"
        if not isinstance(raw, dict):
            problems.add(prefix, _("Give the owner as a record."))
            shares_complete = False
            continue
        for key in sorted(set(raw) - _OWNER_KEYS):
            problems.add(f"{prefix}.{key}", _("This is not an owner field."))
        resident_id = raw.get("owner_resident_id")
        business_id = raw.get("owner_business_id")
        name = raw.get("owner_name") or ""
        if not isinstance(name, str):
            name = ""
        name = name.strip()
        given = [kind for kind, value in (("resident", resident_id), ("business", business_id), ("name", name))
                 if value]
        acquired_on = raw.get("acquired_on", default_acquired_on)
        acquired = check_date(problems, f"{prefix}.acquired_on", acquired_on)
        if acquired is not None and acquired_by is not None and acquired > acquired_by:
            problems.add(f"{prefix}.acquired_on", _("The share cannot be acquired after %(date)s.")
                         % {"date": acquired_by.isoformat()})
        owner_ok = True
        if len(given) != 1:
            problems.add(f"{prefix}.owner_resident_id", _("Give exactly one of a resident, a business or the name "
                                                          "of a public body."))
            owner_ok = False
        elif resident_id:
            resident = get_or_none(Resident, resident_id)
            if resident is None:
                problems.add(f"{prefix}.owner_resident_id", _("There is no such resident."))
                owner_ok = False
            elif acquired is not None and (acquired < resident.birth_date
                                           or (resident.died_on is not None and acquired > resident.died_on)):
                problems.add(f"{prefix}.owner_resident_id", _("%(name)s was not alive on %(date)s.")
                             % {"name": resident.name_ko, "date": acquired.isoformat()})
        elif business_id:
            business = get_or_none(Business, business_id)
            if business is None:
                problems.add(f"{prefix}.owner_business_id", _("There is no such business."))
                owner_ok = False
            elif acquired is not None and (
                acquired < business.started_on
                or (business.status == BusinessStatus.CLOSED and business.status_changed_on is not None
                    and acquired >= business.status_changed_on)
            ):
                problems.add(f"{prefix}.owner_business_id", _("The business %(number)s was not open on %(date)s.")
                             % {"number": business.registration_number, "date": acquired.isoformat()})
        elif len(name) > 120:
            problems.add(f"{prefix}.owner_name", _("At most %(max)d characters.") % {"max": 120})
        numerator = _int(raw.get("share_numerator"))
        denominator = _int(raw.get("share_denominator"))
        if numerator is None or denominator is None or numerator < 1 or denominator < numerator:
            problems.add(f"{prefix}.share_numerator", _("The share is a fraction like 1/2, between 0 and 1."))
            shares_complete = False
            continue
        total += Fraction(numerator, denominator)
        if not owner_ok or acquired is None:
            continue
        share = OwnerShare(
            resident_id=parse_id(resident_id) if resident_id else None,
            business_id=parse_id(business_id) if business_id else None,
            name="" if resident_id or business_id else name,
            share_numerator=numerator, share_denominator=denominator, acquired_on=acquired,
        )
        if share.key in seen:
            problems.add(f"{prefix}.owner_resident_id", _("This owner is given twice; give each owner once with "
                                                          "their whole share."))
        seen.add(share.key)
        checked.append(share)
    if shares_complete and total != 1:
        problems.add("owners", _("The owners' shares add up to %(total)s; they must add up to exactly 1.")
                     % {"total": str(total)})
    return checked


def _add_ownerships(entity: Parcel | Building, owners: list[OwnerShare], event: RegistryEvent) -> None:
    """The ownership rows of an owner set, from the event that recorded it."""
    rows = [
        {"owner_resident_id": owner.resident_id, "owner_business_id": owner.business_id, "owner_name": owner.name,
         "share_numerator": owner.share_numerator, "share_denominator": owner.share_denominator,
         "acquired_on": owner.acquired_on, "source_event": event}
        for owner in owners
    ]
    if isinstance(entity, Parcel):
        ParcelOwnership.objects.bulk_create([ParcelOwnership(parcel=entity, **row) for row in rows])
    else:
        BuildingOwnership.objects.bulk_create([BuildingOwnership(building=entity, **row) for row in rows])


def _current_owners(entity: Parcel | Building) -> list[OwnerShare]:
    rows = entity.owners.filter(ended_on__isnull=True).order_by("acquired_on", "id")
    return [OwnerShare.from_row(row) for row in rows]


def _owners_as_of(entity: Parcel | Building, kind: str, on: date) -> list[OwnerShare]:
    """Today's owners with the transfers (events of ``kind``) after ``on`` undone."""
    owners = _current_owners(entity)
    later: list[EventView] = [e for e in history.events_for(entity.id, after=on) if e.kind == kind]
    for event in reversed(later):
        owners = _owners_from_payload(event.before.get("owners"))
    return owners


def _sort_key(owner: OwnerShare) -> tuple[Any, ...]:
    return (owner.key, owner.share_numerator, owner.share_denominator, owner.acquired_on)


def _check_transfer(
    problems: Problems, entity: Parcel | Building, owners: Any, *, transferred_on: Any, kind: str, since: date,
    since_message: str,
) -> tuple[list[OwnerShare], list[OwnerShare]]:
    """Check a change of owners: its date (not before the last one) and the whole new set; gives the current and new sets.

    An owner without ``acquired_on`` acquires on the transfer date.
    """
    transferred = check_date(problems, "transferred_on", transferred_on,
                             not_before=last_event_on(entity.id, since=since, kind=kind),
                             not_before_message=since_message)
    checked = _check_owners(problems, owners, acquired_by=transferred,
                            default_acquired_on=transferred_on if isinstance(transferred_on, date) else None)
    current = _current_owners(entity)
    if checked and sorted(checked, key=_sort_key) == sorted(current, key=_sort_key):
        problems.add("owners", _("The new owners and shares are the same as the current ones."))
    return current, checked


def _write_transfer(
    entity: Parcel | Building, *, registry: str, kind: str, current: list[OwnerShare], checked: list[OwnerShare],
    transferred_on: date, cause: Cause,
) -> None:
    event = history.record_event(
        registry=registry, kind=kind, entity=entity, effective_on=transferred_on, cause=cause,
        before={"owners": _owners_payload(current)}, after={"owners": _owners_payload(checked)},
    )
    # The previous owners' rows end on the transfer date; the event keeps both sets for "as of".
    entity.owners.filter(ended_on__isnull=True).update(ended_on=transferred_on)
    _add_ownerships(entity, checked, event)


def _holdings_filter(*, resident_id: uuid.UUID | None, business_id: uuid.UUID | None) -> Q:
    column, owner_id = owner_column(resident_id=resident_id, business_id=business_id)
    return Q(**{column: owner_id}, ended_on__isnull=True)


def _parcel_label(pnu: str) -> str:
    return _("Parcel %(pnu)s") % {"pnu": pnu}


def _building_label(building: Building | None, *, name: str = "", road_address: str = "", pnu: str = "") -> str:
    if building is not None:
        name, road_address, pnu = building.name, building.road_address, building.parcel.pnu
    title = road_address or name
    if title:
        return _("Building %(name)s on parcel %(pnu)s") % {"name": title, "pnu": pnu}
    return _("Building on parcel %(pnu)s") % {"pnu": pnu}


def _thing_changed(entity: Parcel | Building, *, change: str, fields: list[str]) -> None:
    """Tell the apps that hold documents about ``entity`` (certificates) that it changed, once the write commits.

    The event names the thing as its register extract does — a parcel by its PNU, a building by
    its parcel's PNU, road address and name — so that the subscriber finds what it issued
    without importing the registries' models; the registries never import the subscriber.
    """
    if isinstance(entity, Parcel):
        publish("registries.thing_changed", kind="parcel", pnu=entity.pnu, change=change, fields=fields)
    else:
        publish("registries.thing_changed", kind="building", pnu=entity.parcel.pnu, road_address=entity.road_address,
                building_name=entity.name, change=change, fields=fields)


def _parcel(parcel_id: uuid.UUID, *, for_update: bool = True) -> Parcel:
    return get_or_not_found(Parcel, parcel_id, message=_("There is no parcel with this id."), for_update=for_update)


def _building(building_id: uuid.UUID, *, for_update: bool = True) -> Building:
    return get_or_not_found(Building.objects.select_related("parcel"), building_id,
                            message=_("There is no building with this id."), for_update=for_update)


def _require_open(problems: Problems, parcel: Parcel, field: str = "parcel_id") -> None:
    if parcel.closed_on is not None:
        problems.add(field, _("The parcel %(pnu)s was closed on %(date)s.") % {
            "pnu": parcel.pnu, "date": parcel.closed_on.isoformat()})


# Parcels ------------------------------------------------------------------------------


@transaction.atomic
def parcel_register(
    *, pnu: str, category: str, area_m2: Decimal | int | str, registered_on: date, owners: list[dict[str, Any]],
    cause: Cause,
) -> Parcel:
    """Register a parcel (신규등록) with its owners; the PNU's legal dong must be one the pack knows."""
    problems = Problems()
    digits = check_identifier(problems, "pnu", pnu, check_pnu)
    registered = check_date(problems, "registered_on", registered_on)
    if digits:
        dong = accounts.legal_dong(code=digits[:10])
        if dong is None:
            problems.add("pnu", _("The legal-dong code %(code)s of the parcel number is not known.")
                         % {"code": digits[:10]})
        elif dong.level not in ("emd", "ri"):
            problems.add("pnu", _("The parcel number must begin with the code of an eup, myeon, dong or ri, "
                                  "not of %(name)s.") % {"name": dong.full_name})
        elif dong.valid_to is not None and registered is not None and dong.valid_to < registered:
            problems.add("pnu", _("The legal dong %(name)s (%(code)s) was abolished on %(date)s.") % {
                "name": dong.full_name, "code": dong.code, "date": dong.valid_to.isoformat()})
        if Parcel.objects.filter(pnu=digits).exists():
            problems.add("pnu", _("A parcel with this number is already registered."))
    if category not in LandCategory.values:
        problems.add("category", _("Choose one of the 28 land categories (지목)."))
    area = _positive_decimal(problems, "area_m2", area_m2)
    checked = _check_owners(problems, owners, acquired_by=None)
    problems.raise_if_any(_parcel_label(digits or str(pnu)))
    assert area is not None

    parcel = Parcel.objects.create(pnu=digits, legal_dong_code=digits[:10], category=category, area_m2=area,
                                   registered_on=registered_on)
    event = history.record_event(
        registry=LAND, kind="parcel.registered", entity=parcel, effective_on=registered_on, cause=cause,
        after={"pnu": digits, "legal_dong_code": digits[:10], "category": category, "area_m2": area,
               "registered_on": registered_on, "owners": _owners_payload(checked)},
    )
    _add_ownerships(parcel, checked, event)
    return parcel


@transaction.atomic
def parcel_transfer(*, parcel_id: uuid.UUID, owners: list[dict[str, Any]], transferred_on: date, cause: Cause) -> Parcel:
    """Record a change of owners (소유권 이전): ``owners`` is the whole new set, shares adding up to one.

    An owner without ``acquired_on`` acquires on the transfer date; owners who keep
    their share give their original acquisition date.
    """
    parcel = _parcel(parcel_id)
    problems = Problems()
    _require_open(problems, parcel)
    current, checked = _check_transfer(
        problems, parcel, owners, transferred_on=transferred_on, kind="parcel.transferred",
        since=parcel.registered_on,
        since_message=_("The date cannot be before the parcel's last change of owners (%(date)s)."),
    )
    problems.raise_if_any(_parcel_label(parcel.pnu))

    _write_transfer(parcel, registry=LAND, kind="parcel.transferred", current=current, checked=checked,
                    transferred_on=transferred_on, cause=cause)
    _thing_changed(parcel, change="transferred", fields=["owners"])
    return parcel


def parcel_owners_as_of(*, parcel_id: uuid.UUID, on: date) -> list[OwnerShare]:
    """The parcel's owners at the end of ``on`` (empty before it was registered or after it was closed)."""
    parcel = _parcel(parcel_id, for_update=False)
    if on < parcel.registered_on or (parcel.closed_on is not None and on >= parcel.closed_on):
        return []
    return _owners_as_of(parcel, "parcel.transferred", on)


@transaction.atomic
def land_price_set(*, parcel_id: uuid.UUID, year: int, price_per_m2: int, cause: Cause) -> LandPrice:
    """Set the parcel's official land price (개별공시지가) for a year, once: its base date is 1 January."""
    parcel = _parcel(parcel_id)
    problems = Problems()
    _require_open(problems, parcel)
    year_value = _int(year)
    if year_value is None or not FIRST_LAND_PRICE_YEAR <= year_value <= clock.today().year:
        problems.add("year", _("The year must be between %(first)d and %(last)d.") % {
            "first": FIRST_LAND_PRICE_YEAR, "last": clock.today().year})
    elif LandPrice.objects.filter(parcel=parcel, year=year_value).exists():
        problems.add("year", _("The official land price for %(year)d is already set; a published price is "
                               "corrected by its own procedure, not set twice.") % {"year": year_value})
    price = _int(price_per_m2)
    if price is None or price <= 0:
        problems.add("price_per_m2", _("The price per m² is a positive number of won."))
    problems.raise_if_any(_parcel_label(parcel.pnu))
    assert year_value is not None and price is not None

    land_price = LandPrice.objects.create(parcel=parcel, year=year_value, price_per_m2=price)
    history.record_event(
        registry=LAND, kind="parcel.price_set", entity=parcel, effective_on=date(year_value, 1, 1), cause=cause,
        after={"year": year_value, "price_per_m2": price},
    )
    return land_price


@transaction.atomic
def parcel_change_category(*, parcel_id: uuid.UUID, category: str, changed_on: date, cause: Cause) -> Parcel:
    """Record a change of an open parcel's land category (지목변경) from ``changed_on``.

    The earlier category stays in the event, so the land register as of an earlier
    date shows it.
    """
    parcel = _parcel(parcel_id)
    problems = Problems()
    _require_open(problems, parcel)
    if category not in LandCategory.values:
        problems.add("category", _("Choose one of the 28 land categories (지목)."))
    elif category == parcel.category:
        problems.add("category", _("The parcel's land category is already %(category)s.") % {
            "category": parcel.get_category_display()})
    check_date(problems, "changed_on", changed_on,
               not_before=last_event_on(parcel.id, since=parcel.registered_on),
               not_before_message=_("The date cannot be before the parcel's last recorded change (%(date)s)."))
    problems.raise_if_any(_parcel_label(parcel.pnu))

    history.record_change(registry=LAND, kind="parcel.category_changed", entity=parcel,
                          changes={"category": category}, effective_on=changed_on, cause=cause)
    _thing_changed(parcel, change="category_changed", fields=["category"])
    return parcel


def parcels_owned_by(
    *, resident_id: uuid.UUID | None = None, business_id: uuid.UUID | None = None,
) -> list[ParcelOwnership]:
    """A resident's or a business's current holdings of open parcels: each with its parcel and share."""
    holdings = _holdings_filter(resident_id=resident_id, business_id=business_id)
    return list(ParcelOwnership.objects.filter(holdings, parcel__closed_on__isnull=True)
                .select_related("parcel").order_by("parcel__pnu"))


# Buildings ----------------------------------------------------------------------------


def _floors(problems: Problems, field: str, value: Any, *, maximum: int) -> int | None:
    number = _int(value)
    if number is None or not 0 <= number <= maximum:
        problems.add(field, _("Give a number of floors between 0 and %(max)d.") % {"max": maximum})
        return None
    return number


@transaction.atomic
def building_register(
    *,
    parcel_id: uuid.UUID,
    name: str = "",
    road_address: str = "",
    main_use: str,
    floors_above: int,
    floors_below: int = 0,
    floor_area_m2: Decimal | int | str,
    approved_on: date,
    owners: list[dict[str, Any]],
    cause: Cause,
) -> Building:
    """Enter a building on the building register (on its main parcel) with its owners, from its use approval."""
    parcel = _parcel(parcel_id)
    problems = Problems()
    _require_open(problems, parcel)
    name_text = check_text(problems, "name", name, max_length=80, required=False)
    address_text = check_text(problems, "road_address", road_address, max_length=160, required=False)
    if main_use not in BuildingUse.values:
        problems.add("main_use", _("Choose one of the main uses."))
    above = _floors(problems, "floors_above", floors_above, maximum=MAX_FLOORS_ABOVE)
    below = _floors(problems, "floors_below", floors_below, maximum=MAX_FLOORS_BELOW)
    if above is not None and below is not None and above + below == 0:
        problems.add("floors_above", _("A building has at least one floor."))
    area = _positive_decimal(problems, "floor_area_m2", floor_area_m2)
    check_date(problems, "approved_on", approved_on)
    checked = _check_owners(problems, owners, acquired_by=None,
                            default_acquired_on=approved_on if isinstance(approved_on, date) else None)
    problems.raise_if_any(_building_label(None, name=name_text, road_address=address_text, pnu=parcel.pnu))
    assert area is not None and above is not None and below is not None

    building = Building.objects.create(
        parcel=parcel, name=name_text, road_address=address_text, main_use=main_use, floors_above=above,
        floors_below=below, floor_area_m2=area, approved_on=approved_on,
    )
    event = history.record_event(
        registry=BUILDINGS, kind="building.registered", entity=building, effective_on=approved_on, cause=cause,
        after={"parcel_id": parcel.id, "name": name_text, "road_address": address_text, "main_use": main_use,
               "floors_above": above, "floors_below": below, "floor_area_m2": area, "approved_on": approved_on,
               "owners": _owners_payload(checked)},
    )
    _add_ownerships(building, checked, event)
    return building


@transaction.atomic
def building_transfer(
    *, building_id: uuid.UUID, owners: list[dict[str, Any]], transferred_on: date, cause: Cause,
) -> Building:
    """Record a change of a building's owners: ``owners`` is the whole new set, shares adding up to one."""
    building = _building(building_id)
    problems = Problems()
    if building.demolished_on is not None:
        problems.add("building_id", _("The building was demolished on %(date)s.") % {
            "date": building.demolished_on.isoformat()})
    current, checked = _check_transfer(
        problems, building, owners, transferred_on=transferred_on, kind="building.transferred",
        since=building.approved_on,
        since_message=_("The date cannot be before the building's last change of owners (%(date)s)."),
    )
    problems.raise_if_any(_building_label(building))

    _write_transfer(building, registry=BUILDINGS, kind="building.transferred", current=current, checked=checked,
                    transferred_on=transferred_on, cause=cause)
    _thing_changed(building, change="transferred", fields=["owners"])
    return building


@transaction.atomic
def building_demolish(*, building_id: uuid.UUID, demolished_on: date, cause: Cause) -> Building:
    """Record a building's demolition (멸실); its owners stay on the record as they were that day."""
    building = _building(building_id)
    problems = Problems()
    if building.demolished_on is not None:
        problems.add("building_id", _("The building was already demolished on %(date)s.") % {
            "date": building.demolished_on.isoformat()})
    last = last_event_on(building.id, since=building.approved_on, kind="building.transferred")
    check_date(problems, "demolished_on", demolished_on, not_before=last,
               not_before_message=_("The date cannot be before the building's last change of owners (%(date)s)."))
    problems.raise_if_any(_building_label(building))

    history.record_change(registry=BUILDINGS, kind="building.demolished", entity=building,
                          changes={"demolished_on": demolished_on}, effective_on=demolished_on, cause=cause)
    _thing_changed(building, change="demolished", fields=["demolished_on"])
    return building


@transaction.atomic
def building_change_use(*, building_id: uuid.UUID, main_use: str, changed_on: date, cause: Cause) -> Building:
    """Record a change of a standing building's main use (용도변경, Building Act art. 19) from ``changed_on``.

    The earlier use stays in the event, so the register as of an earlier date shows it.
    """
    building = _building(building_id)
    problems = Problems()
    if building.demolished_on is not None:
        problems.add("building_id", _("The building was demolished on %(date)s.") % {
            "date": building.demolished_on.isoformat()})
    if main_use not in BuildingUse.values:
        problems.add("main_use", _("Choose one of the main uses."))
    elif main_use == building.main_use:
        problems.add("main_use", _("The building's main use is already %(use)s.") % {
            "use": building.get_main_use_display()})
    check_date(problems, "changed_on", changed_on,
               not_before=last_event_on(building.id, since=building.approved_on),
               not_before_message=_("The date cannot be before the building's last recorded change (%(date)s)."))
    problems.raise_if_any(_building_label(building))

    history.record_change(registry=BUILDINGS, kind="building.use_changed", entity=building,
                          changes={"main_use": main_use}, effective_on=changed_on, cause=cause)
    _thing_changed(building, change="use_changed", fields=["main_use"])
    return building


def building_owners_as_of(*, building_id: uuid.UUID, on: date) -> list[OwnerShare]:
    """The building's owners at the end of ``on`` (empty before its approval or after its demolition)."""
    building = _building(building_id, for_update=False)
    if on < building.approved_on or (building.demolished_on is not None and on >= building.demolished_on):
        return []
    return _owners_as_of(building, "building.transferred", on)


def buildings_owned_by(
    *, resident_id: uuid.UUID | None = None, business_id: uuid.UUID | None = None,
) -> list[BuildingOwnership]:
    """A resident's or a business's current holdings of standing buildings: each with its building and share."""
    holdings = _holdings_filter(resident_id=resident_id, business_id=business_id)
    return list(BuildingOwnership.objects.filter(holdings, building__demolished_on__isnull=True)
                .select_related("building", "building__parcel").order_by("building__parcel__pnu", "building__name"))

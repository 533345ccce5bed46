"""Vehicle registration (자동차등록원부): registration, transfers, liens and seizures, inspections, deregistration.

Every write validates the whole request first and then changes the record and
appends its event in one transaction. The current owner is a column of the vehicle;
each transfer is a ``vehicle.transferred`` event holding the owner before and after,
so the owner on any past date is the current one with the later transfers undone
(:func:`vehicle_owner_as_of`). Liens and seizures are rows of their own, and their
registration and release are events of the vehicle, so the vehicle's history reads as
the register's own pages do.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from egov.registries import history
from egov.registries.history import Cause
from egov.registries.identifiers import IdentifierError, check_plate_number, check_vin
from egov.registries.models import (
    Business,
    BusinessStatus,
    Encumbrance,
    EncumbranceKind,
    Fuel,
    RegistryEvent,
    Resident,
    ResidentStatus,
    Vehicle,
    VehicleStatus,
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
    with_reason,
)

REGISTRY = "vehicles"
# The first motor car was built in 1886; anything older is a typing error.
EARLIEST_MODEL_YEAR = 1886


@dataclass(frozen=True)
class VehicleOwner:
    """Who owned a vehicle: exactly one of a resident and a business."""

    resident_id: uuid.UUID | None
    business_id: uuid.UUID | None


def _vehicle_label(plate: str, vin: str = "") -> str:
    if plate and vin:
        return _("Vehicle %(plate)s (VIN %(vin)s)") % {"plate": plate, "vin": vin}
    return _("Vehicle %(plate)s") % {"plate": plate or vin or "?"}


def _owner_fields(
    problems: Problems, *, resident_id: uuid.UUID | None, business_id: uuid.UUID | None, on: date | None,
    resident_field: str, business_field: str,
) -> dict[str, Any]:
    """Check the one owner (living resident or active business) and give the vehicle's owner and place-of-use fields."""
    if (resident_id is None) == (business_id is None):
        problems.add(resident_field, _("Give exactly one owner: a resident or a business."))
        return {}
    if resident_id is not None:
        resident = get_or_none(Resident.objects.select_related("household"), resident_id)
        if resident is None:
            problems.add(resident_field, _("There is no such resident."))
            return {}
        if resident.status != ResidentStatus.LIVING:
            problems.add(resident_field, _("The owner %(name)s is not a living resident (status: %(status)s).") % {
                "name": resident.name_ko, "status": resident.get_status_display()})
        if on is not None and on < resident.birth_date:
            problems.add(resident_field, _("The owner was not yet born on that date."))
        if resident.household is None:
            problems.add(resident_field, _("The owner %(name)s has no registered address to use as the place of use.")
                         % {"name": resident.name_ko})
            return {}
        return {
            "owner_resident_id": resident.id, "owner_business_id": None,
            "use_address": resident.household.address_line[:200],
            "use_legal_dong_code": resident.household.legal_dong_code,
        }
    business = get_or_none(Business, business_id)
    if business is None:
        problems.add(business_field, _("There is no such business."))
        return {}
    if business.status != BusinessStatus.ACTIVE:
        problems.add(business_field, _("The business %(number)s is not active (status: %(status)s).") % {
            "number": business.registration_number, "status": business.get_status_display()})
    if on is not None and on < business.started_on:
        problems.add(business_field, _("The business had not yet opened on that date."))
    return {
        "owner_resident_id": None, "owner_business_id": business.id,
        "use_address": business.address[:200], "use_legal_dong_code": business.legal_dong_code,
    }


def _vehicle_for_update(vehicle_id: uuid.UUID) -> Vehicle:
    return get_or_not_found(Vehicle, vehicle_id, message=_("There is no vehicle with this id."), for_update=True)


def _active_encumbrances(vehicle: Vehicle, kind: str | None = None) -> list[Encumbrance]:
    queryset = Encumbrance.objects.filter(vehicle=vehicle, released_on__isnull=True)
    if kind is not None:
        queryset = queryset.filter(kind=kind)
    return list(queryset.order_by("registered_on"))


def _check_after_last_change(problems: Problems, field: str, value: Any, vehicle: Vehicle) -> date | None:
    """A date of a change to the vehicle: not before the latest date in its history."""
    return check_date(problems, field, value, not_before=last_event_on(vehicle.id, since=vehicle.registered_on),
                      not_before_message=_("The date cannot be before the vehicle's last recorded change (%(date)s)."))


def _check_new_plate(problems: Problems, field: str, value: Any, *, current: str = "") -> str:
    """A plate number no vehicle has yet (the vehicle changing its plate has ``current``)."""
    plate = check_identifier(problems, field, value, check_plate_number)
    if plate and plate == current:
        problems.add(field, _("The vehicle already has this plate number."))
    elif plate and Vehicle.objects.filter(plate_number=plate).exists():
        problems.add(field, _("The plate number %(plate)s is already registered to another vehicle.")
                     % {"plate": plate})
    return plate


def _require_registered(problems: Problems, vehicle: Vehicle) -> None:
    if vehicle.status != VehicleStatus.REGISTERED:
        problems.add("vehicle_id", _("The vehicle was deregistered on %(date)s.") % {
            "date": vehicle.deregistered_on.isoformat() if vehicle.deregistered_on else "?"})


@transaction.atomic
def vehicle_register(
    *,
    plate_number: str,
    vin: str,
    make: str,
    model: str,
    model_year: int,
    fuel: str,
    owner_resident_id: uuid.UUID | None = None,
    owner_business_id: uuid.UUID | None = None,
    registered_on: date,
    inspection_due_on: date | None = None,
    cause: Cause,
) -> tuple[Vehicle, list[str]]:
    """Register a vehicle for its owner; returns it and the warnings the official should see.

    A VIN whose ninth character is not the North American check digit is accepted with
    a warning: vehicles built for other markets need not carry it.
    """
    problems = Problems()
    warnings: list[str] = []
    plate = _check_new_plate(problems, "plate_number", plate_number)
    clean_vin = ""
    try:
        vin_check = check_vin(vin)
        clean_vin = vin_check.vin
        if vin_check.warning:
            warnings.append(vin_check.warning)
    except IdentifierError as error:
        problems.add("vin", str(error))
    if clean_vin and Vehicle.objects.filter(vin=clean_vin).exists():
        problems.add("vin", _("A vehicle with the VIN %(vin)s is already registered.") % {"vin": clean_vin})
    make_text = check_text(problems, "make", make, max_length=40)
    model_text = check_text(problems, "model", model, max_length=60)
    if fuel not in Fuel.values:
        problems.add("fuel", _("Choose one of the fuels: %(choices)s.") % {"choices": ", ".join(Fuel.values)})
    registered = check_date(problems, "registered_on", registered_on)
    if not isinstance(model_year, int) or isinstance(model_year, bool):
        problems.add("model_year", _("Give the model year as a number."))
    elif model_year < EARLIEST_MODEL_YEAR:
        problems.add("model_year", _("The model year %(year)d is not plausible.") % {"year": model_year})
    elif registered is not None and model_year > registered.year + 1:
        problems.add("model_year", _("A vehicle registered in %(year)d cannot be of model year %(model_year)d "
                                     "(at most the following year).") % {"year": registered.year,
                                                                         "model_year": model_year})
    if inspection_due_on is not None and (not isinstance(inspection_due_on, date)
                                          or (registered is not None and inspection_due_on <= registered)):
        problems.add("inspection_due_on", _("The inspection due date must come after the registration date."))
    owner = _owner_fields(problems, resident_id=owner_resident_id, business_id=owner_business_id, on=registered,
                          resident_field="owner_resident_id", business_field="owner_business_id")
    problems.raise_if_any(_vehicle_label(plate or str(plate_number), clean_vin or str(vin)))

    vehicle = Vehicle.objects.create(
        plate_number=plate, vin=clean_vin, make=make_text, model=model_text, model_year=model_year, fuel=fuel,
        registered_on=registered_on, inspection_due_on=inspection_due_on, status=VehicleStatus.REGISTERED,
        **owner,
    )
    history.record_event(
        registry=REGISTRY, kind="vehicle.registered", entity=vehicle, effective_on=registered_on, cause=cause,
        after={
            "plate_number": plate, "vin": clean_vin, "make": make_text, "model": model_text,
            "model_year": model_year, "fuel": fuel, "registered_on": registered_on,
            "inspection_due_on": inspection_due_on, "status": vehicle.status, **owner,
        },
    )
    return vehicle, warnings


@transaction.atomic
def vehicle_transfer(
    *,
    vehicle_id: uuid.UUID,
    new_owner_resident_id: uuid.UUID | None = None,
    new_owner_business_id: uuid.UUID | None = None,
    transferred_on: date,
    cause: Cause,
) -> Vehicle:
    """Transfer a vehicle to a new owner (이전등록); refused while a seizure is active.

    Liens stay with the vehicle: the new owner takes it with them, as the law has it.
    The place of use becomes the new owner's address.
    """
    vehicle = _vehicle_for_update(vehicle_id)
    problems = Problems()
    _require_registered(problems, vehicle)
    seizures = _active_encumbrances(vehicle, EncumbranceKind.SEIZURE)
    if seizures:
        problems.add("vehicle_id", _("The vehicle is under seizure by %(holder)s since %(date)s; it cannot be "
                                     "transferred until the seizure is released.") % {
            "holder": seizures[0].holder, "date": seizures[0].registered_on.isoformat()})
    transferred = _check_after_last_change(problems, "transferred_on", transferred_on, vehicle)
    owner = _owner_fields(
        problems, resident_id=new_owner_resident_id, business_id=new_owner_business_id, on=transferred,
        resident_field="new_owner_resident_id", business_field="new_owner_business_id",
    )
    if owner and owner["owner_resident_id"] == vehicle.owner_resident_id \
            and owner["owner_business_id"] == vehicle.owner_business_id:
        problems.add("new_owner_resident_id" if new_owner_resident_id else "new_owner_business_id",
                     _("The new owner is already the vehicle's owner."))
    problems.raise_if_any(_vehicle_label(vehicle.plate_number, vehicle.vin))

    changes = {name: value for name, value in owner.items() if getattr(vehicle, name) != value}
    history.record_change(registry=REGISTRY, kind="vehicle.transferred", entity=vehicle, changes=changes,
                          effective_on=transferred_on, cause=cause)
    return vehicle


@transaction.atomic
def vehicle_encumbrance_add(
    *,
    vehicle_id: uuid.UUID,
    kind: str,
    holder: str,
    amount: int | None = None,
    registered_on: date,
    cause: Cause,
) -> Encumbrance:
    """Register a lien (저당권, by a creditor, with its amount) or a seizure (압류, by an authority) on a vehicle."""
    vehicle = _vehicle_for_update(vehicle_id)
    problems = Problems()
    _require_registered(problems, vehicle)
    if kind not in EncumbranceKind.values:
        problems.add("kind", _("Choose a lien or a seizure."))
    holder_text = check_text(problems, "holder", holder, max_length=120)
    if amount is not None and (not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0):
        problems.add("amount", _("The amount is a positive number of won."))
    if kind == EncumbranceKind.LIEN and amount is None:
        problems.add("amount", _("A lien states the amount it secures."))
    check_date(problems, "registered_on", registered_on, not_before=vehicle.registered_on,
               not_before_message=_("The date cannot be before the vehicle's registration (%(date)s)."))
    problems.raise_if_any(_vehicle_label(vehicle.plate_number, vehicle.vin))

    encumbrance = Encumbrance.objects.create(
        vehicle=vehicle, kind=kind, holder=holder_text, amount=amount, registered_on=registered_on,
    )
    history.record_event(
        registry=REGISTRY, kind=f"vehicle.{kind}_registered", entity=vehicle, effective_on=registered_on,
        cause=cause, after={"encumbrance_id": encumbrance.id, "encumbrance_kind": kind, "holder": holder_text,
                            "amount": amount},
    )
    return encumbrance


@transaction.atomic
def vehicle_encumbrance_release(*, encumbrance_id: uuid.UUID, released_on: date, cause: Cause) -> Encumbrance:
    """Release a lien or a seizure (말소): the row keeps its dates, the vehicle's history gains the event."""
    encumbrance = get_or_not_found(Encumbrance.objects.select_related("vehicle"), encumbrance_id,
                                   message=_("There is no lien or seizure with this id."), for_update=True)
    vehicle = encumbrance.vehicle
    problems = Problems()
    if encumbrance.released_on is not None:
        problems.add("encumbrance_id", _("%(kind)s: already released on %(date)s.") % {
            "kind": encumbrance.get_kind_display(), "date": encumbrance.released_on.isoformat()})
    check_date(problems, "released_on", released_on, not_before=encumbrance.registered_on,
               not_before_message=_("It cannot be released before it was registered (%(date)s)."))
    problems.raise_if_any(_vehicle_label(vehicle.plate_number, vehicle.vin))

    encumbrance.released_on = released_on
    encumbrance.save(update_fields=["released_on"])
    # The event belongs to the vehicle's history; its keys are not vehicle fields, so
    # reading the vehicle "as of" a date is unaffected, and the encumbrance's own
    # registered_on/released_on columns answer whether it was in force on a date.
    history.record_event(
        registry=REGISTRY, kind=f"vehicle.{encumbrance.kind}_released", entity=vehicle, effective_on=released_on,
        cause=cause, before={"encumbrance_id": encumbrance.id, "encumbrance_released_on": None},
        after={"encumbrance_id": encumbrance.id, "encumbrance_released_on": released_on},
    )
    return encumbrance


@transaction.atomic
def vehicle_inspection_record(*, vehicle_id: uuid.UUID, inspected_on: date, next_due_on: date, cause: Cause) -> Vehicle:
    """Record a periodic inspection (정기검사) and the date the next one is due."""
    vehicle = _vehicle_for_update(vehicle_id)
    problems = Problems()
    _require_registered(problems, vehicle)
    inspected = check_date(problems, "inspected_on", inspected_on, not_before=vehicle.registered_on,
                           not_before_message=_("The date cannot be before the vehicle's registration (%(date)s)."))
    if not isinstance(next_due_on, date) or (inspected is not None and next_due_on <= inspected):
        problems.add("next_due_on", _("The next inspection must be due after the inspection date."))
    problems.raise_if_any(_vehicle_label(vehicle.plate_number, vehicle.vin))

    history.record_change(registry=REGISTRY, kind="vehicle.inspected", entity=vehicle,
                          changes={"inspection_due_on": next_due_on}, effective_on=inspected_on, cause=cause)
    return vehicle


@transaction.atomic
def vehicle_plate_change(*, vehicle_id: uuid.UUID, new_plate_number: str, changed_on: date, cause: Cause) -> Vehicle:
    """Give a vehicle a new plate number (번호판 변경); the old one stays in its history."""
    vehicle = _vehicle_for_update(vehicle_id)
    problems = Problems()
    _require_registered(problems, vehicle)
    plate = _check_new_plate(problems, "new_plate_number", new_plate_number, current=vehicle.plate_number)
    _check_after_last_change(problems, "changed_on", changed_on, vehicle)
    problems.raise_if_any(_vehicle_label(vehicle.plate_number, vehicle.vin))

    history.record_change(registry=REGISTRY, kind="vehicle.plate_changed", entity=vehicle,
                          changes={"plate_number": plate}, effective_on=changed_on, cause=cause)
    return vehicle


@transaction.atomic
def vehicle_deregister(*, vehicle_id: uuid.UUID, deregistered_on: date, reason: str, cause: Cause) -> Vehicle:
    """Deregister a vehicle (말소등록: scrapped, exported, stolen…); refused while a lien or a seizure is active."""
    vehicle = _vehicle_for_update(vehicle_id)
    problems = Problems()
    _require_registered(problems, vehicle)
    for encumbrance in _active_encumbrances(vehicle):
        problems.add("vehicle_id", _("%(kind)s held by %(holder)s since %(date)s is still in force; it must be "
                                     "released before the vehicle can be deregistered.") % {
            "kind": encumbrance.get_kind_display(), "holder": encumbrance.holder,
            "date": encumbrance.registered_on.isoformat()})
    reason_text = check_text(problems, "reason", reason, max_length=500)
    _check_after_last_change(problems, "deregistered_on", deregistered_on, vehicle)
    problems.raise_if_any(_vehicle_label(vehicle.plate_number, vehicle.vin))

    history.record_change(
        registry=REGISTRY, kind="vehicle.deregistered", entity=vehicle,
        changes={"status": VehicleStatus.DEREGISTERED.value, "deregistered_on": deregistered_on},
        effective_on=deregistered_on,
        cause=with_reason(cause, reason_text),
    )
    return vehicle


def follow_owner_address(vehicles: QuerySet[Vehicle], *, address: str, legal_dong_code: str, effective_on: date,
                         cause: Cause) -> None:
    """The principal place of use of an owner's registered vehicles is the owner's address: it follows a move.

    Called by the services that change a resident's or a business's address, in their
    transaction; each vehicle whose place of use changes gains a
    ``vehicle.use_address_changed`` event.
    """
    place = {"use_address": address[:200], "use_legal_dong_code": legal_dong_code}
    for vehicle in vehicles.select_for_update().filter(status=VehicleStatus.REGISTERED).order_by("plate_number"):
        changes = {name: value for name, value in place.items() if getattr(vehicle, name) != value}
        if changes:
            history.record_change(registry=REGISTRY, kind="vehicle.use_address_changed", entity=vehicle,
                                  changes=changes, effective_on=effective_on, cause=cause)


def _on_register(vehicle: Vehicle, on: date) -> bool:
    """Whether the vehicle was on the register at the end of ``on``."""
    if on < vehicle.registered_on:
        return False
    return vehicle.deregistered_on is None or on < vehicle.deregistered_on


def vehicle_owner_as_of(*, vehicle_id: uuid.UUID, on: date) -> VehicleOwner | None:
    """The vehicle's owner at the end of ``on``; None when it was not on the register that day."""
    vehicle = get_or_not_found(Vehicle, vehicle_id, message=_("There is no vehicle with this id."))
    if not _on_register(vehicle, on):
        return None
    state = history.state_as_of(vehicle, on)
    return VehicleOwner(resident_id=state["owner_resident_id"], business_id=state["owner_business_id"])


def vehicles_owned_by(
    *, resident_id: uuid.UUID | None = None, business_id: uuid.UUID | None = None, on: date | None = None,
) -> list[Vehicle]:
    """The vehicles a resident or a business owns today, or owned at the end of ``on``.

    Today: the registered vehicles whose owner column names them. On a past date: every
    vehicle they own now or appear in a transfer of is rolled back to that date, and
    the ones they owned then are returned as they stood then (unsaved snapshots,
    with the plate number of that day): read them, never save them.
    """
    column, owner_id = owner_column(resident_id=resident_id, business_id=business_id)
    if on is None:
        return list(Vehicle.objects.filter(**{column: owner_id}, status=VehicleStatus.REGISTERED)
                    .order_by("registered_on", "plate_number"))
    mentioned = RegistryEvent.objects.filter(
        Q(**{f"before__{column}": str(owner_id)}) | Q(**{f"after__{column}": str(owner_id)}),
        registry=REGISTRY, entity_type="vehicle",
    ).values_list("entity_id", flat=True)
    candidates = Vehicle.objects.filter(Q(**{column: owner_id}) | Q(id__in=list(mentioned)))
    owned: list[Vehicle] = []
    for vehicle in candidates:
        if not _on_register(vehicle, on):
            continue
        state = history.state_as_of(vehicle, on)
        if state[column] == owner_id:
            owned.append(Vehicle(**state))
    return sorted(owned, key=lambda v: (v.registered_on, v.plate_number))


# The use syllables of privately owned passenger cars (the commercial, rental and delivery ones are kept out).
_PRIVATE_PLATE_SYLLABLES = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주"


def vehicle_plate_issue() -> str:
    """A plate number no vehicle has, for a new registration: passenger-car type, private-use syllable.

    Plates are issued by the registry, not chosen by the applicant; the serial is
    random so that a plate says nothing about when or where it was issued.
    """
    chooser = secrets.SystemRandom()
    while True:
        plate = (f"{chooser.randrange(100, 700)}{chooser.choice(_PRIVATE_PLATE_SYLLABLES)}"
                 f"{chooser.randrange(1000, 10000)}")
        if not Vehicle.objects.filter(plate_number=plate).exists():
            return plate

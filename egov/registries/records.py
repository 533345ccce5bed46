"""The records the base registries hand out: frozen dataclasses, and how they are built from the models.

:mod:`egov.registries.public` re-exports the dataclasses and is the only module that
hands them to other apps, after writing the audit entry; the builders here read
without logging and are for this app alone. Registration numbers are masked here
(``900101-1******``); the full number is put in only when ``public`` has checked that
the reader is the subject.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connections, router
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from egov.core.connection_kept import kept
from egov.core.crypto import BlindIndexField, EncryptedCharField, EncryptedTextField, mask_rrn
from egov.registries import history, selectors
from egov.registries.identifiers import format_business_number, format_pnu_lot
from egov.registries.models import (
    Adoption,
    Building,
    BuildingUse,
    Business,
    BusinessStatus,
    CauseKind,
    Encumbrance,
    EncumbranceKind,
    Fuel,
    Household,
    HouseholdRelation,
    IdentifierType,
    LandCategory,
    Marriage,
    Parcel,
    RegistryEvent,
    Resident,
    ResidentStatus,
    Sex,
    TaxType,
    Vehicle,
    VehicleStatus,
)
from egov.registries.models.family import MarriageEnd
from egov.registries.services import businesses as business_services
from egov.registries.services import households as household_services
from egov.registries.services import property as property_services
from egov.registries.services import vehicles as vehicle_services


def _choice_label(choices: Any, value: str) -> str:
    return str(dict(choices.choices).get(value, value)) if value else ""


# --- records --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddressRecord:
    """A household's road-name address with both of its dong codes."""

    household_id: uuid.UUID
    sido: str
    sigungu: str
    road: str
    building_number: str
    detail: str
    postcode: str
    legal_dong_code: str
    admin_dong_code: str

    @property
    def line(self) -> str:
        parts = [self.sido, self.sigungu, self.road, self.building_number]
        text = " ".join(p for p in parts if p)
        return f"{text}, {self.detail}" if self.detail else text


@dataclass(frozen=True)
class ResidentRecord:
    """A resident as the resident register states them (as of ``as_of``, or today)."""

    id: uuid.UUID
    identifier_type: str
    number_masked: str
    number: str  # the full number, only for the subject who asked for it; "" otherwise
    identifier_issued_on: date
    name_ko: str
    name_en: str
    birth_date: date
    sex: str
    nationality: str
    status: str
    died_on: date | None
    household_id: uuid.UUID | None
    household_relation: str
    moved_in_on: date | None
    address: AddressRecord | None
    registration_base: str
    father_id: uuid.UUID | None
    mother_id: uuid.UUID | None
    registered_on: date
    as_of: date | None = None

    @property
    def identifier_type_label(self) -> str:
        return _choice_label(IdentifierType, self.identifier_type)

    @property
    def sex_label(self) -> str:
        return _choice_label(Sex, self.sex)

    @property
    def status_label(self) -> str:
        return _choice_label(ResidentStatus, self.status)

    @property
    def relation_label(self) -> str:
        return _choice_label(HouseholdRelation, self.household_relation)


@dataclass(frozen=True)
class PersonSummary:
    """A person named in someone else's record (a household member, a relative, an owner)."""

    id: uuid.UUID
    name_ko: str
    name_en: str
    number_masked: str
    birth_date: date
    sex: str
    status: str
    died_on: date | None
    household_relation: str = ""
    admin_dong_code: str = ""

    @property
    def sex_label(self) -> str:
        return _choice_label(Sex, self.sex)

    @property
    def status_label(self) -> str:
        return _choice_label(ResidentStatus, self.status)

    @property
    def relation_label(self) -> str:
        return _choice_label(HouseholdRelation, self.household_relation)


@dataclass(frozen=True)
class HouseholdMember(PersonSummary):
    """A member as the resident registration copy (등본) prints them.

    ``identifier`` is the number the copy prints: masked, or in full when a member of the
    household asked for the rear digits (Resident Registration Act, art. 29).
    """

    identifier: str = ""


@dataclass(frozen=True)
class HouseholdRecord:
    id: uuid.UUID
    address: AddressRecord
    head_id: uuid.UUID | None
    established_on: date
    members: tuple[HouseholdMember, ...]


RELATIONS: dict[str, str] = {
    "father": gettext_noop("Father"),
    "mother": gettext_noop("Mother"),
    "adoptive_parent": gettext_noop("Adoptive parent"),
    "spouse": gettext_noop("Spouse"),
    "former_spouse": gettext_noop("Former spouse"),
    "child": gettext_noop("Child"),
    "adopted_child": gettext_noop("Adopted child"),
}


@dataclass(frozen=True)
class Relative:
    """One tie of the family register: the relative, the kind of tie, since when (and until when)."""

    person: PersonSummary
    relation: str
    since: date | None
    until: date | None = None
    end: str = ""

    @property
    def relation_label(self) -> str:
        return _(RELATIONS.get(self.relation, self.relation))

    @property
    def end_label(self) -> str:
        return _choice_label(MarriageEnd, self.end)


@dataclass(frozen=True)
class FamilyRecord:
    registration_base: str
    parents: tuple[Relative, ...]
    spouses: tuple[Relative, ...]  # the current spouse first, then former ones
    children: tuple[Relative, ...]

    @property
    def spouse(self) -> Relative | None:
        current = [s for s in self.spouses if s.relation == "spouse"]
        return current[0] if current else None


@dataclass(frozen=True)
class EncumbranceRecord:
    kind: str
    holder: str
    amount: int | None
    registered_on: date
    released_on: date | None

    @property
    def kind_label(self) -> str:
        return _choice_label(EncumbranceKind, self.kind)


@dataclass(frozen=True)
class VehicleRecord:
    id: uuid.UUID
    plate_number: str
    vin: str
    make: str
    model: str
    model_year: int
    fuel: str
    owner_resident_id: uuid.UUID | None
    owner_business_id: uuid.UUID | None
    owner_name: str
    use_address: str
    registered_on: date
    inspection_due_on: date | None
    status: str
    deregistered_on: date | None
    encumbrances: tuple[EncumbranceRecord, ...] = ()

    @property
    def fuel_label(self) -> str:
        return _choice_label(Fuel, self.fuel)

    @property
    def status_label(self) -> str:
        return _choice_label(VehicleStatus, self.status)


@dataclass(frozen=True)
class ShareRecord:
    """A share of a parcel or a building: its owner and the fraction held."""

    owner_resident_id: uuid.UUID | None
    owner_business_id: uuid.UUID | None
    owner_name: str
    numerator: int
    denominator: int
    acquired_on: date

    @property
    def fraction(self) -> str:
        return f"{self.numerator}/{self.denominator}"


@dataclass(frozen=True)
class BuildingRecord:
    id: uuid.UUID
    parcel_id: uuid.UUID
    pnu: str
    name: str
    road_address: str
    main_use: str
    floors_above: int
    floors_below: int
    floor_area_m2: Decimal
    approved_on: date
    demolished_on: date | None
    owners: tuple[ShareRecord, ...] = ()

    @property
    def main_use_label(self) -> str:
        return _choice_label(BuildingUse, self.main_use)


@dataclass(frozen=True)
class ParcelRecord:
    id: uuid.UUID
    pnu: str
    lot: str
    legal_dong_code: str
    place: str  # the legal dong's full name, when the country pack knows it
    category: str
    area_m2: Decimal
    registered_on: date
    closed_on: date | None
    owners: tuple[ShareRecord, ...] = ()
    prices: tuple[tuple[int, int], ...] = ()  # (year, won per m²), newest first
    buildings: tuple[BuildingRecord, ...] = ()

    @property
    def category_label(self) -> str:
        return _choice_label(LandCategory, self.category)

    @property
    def latest_price(self) -> tuple[int, int] | None:
        return self.prices[0] if self.prices else None


@dataclass(frozen=True)
class PropertyRecord:
    """What a person owns of land and buildings, each with the person's own share first among the owners."""

    parcels: tuple[ParcelRecord, ...]
    buildings: tuple[BuildingRecord, ...]


@dataclass(frozen=True)
class BusinessRecord:
    id: uuid.UUID
    registration_number: str
    name: str
    representative_id: uuid.UUID | None
    representative_name: str
    business_type: str
    business_item: str
    address: str
    started_on: date
    status: str
    status_changed_on: date | None
    tax_type: str
    tax_office_code: str

    @property
    def formatted_number(self) -> str:
        return format_business_number(self.registration_number)

    @property
    def status_label(self) -> str:
        return _choice_label(BusinessStatus, self.status)

    @property
    def tax_type_label(self) -> str:
        return _choice_label(TaxType, self.tax_type)


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


# What each kind of registry event is called on a page; an unknown kind shows its code.
EVENT_KIND_LABELS: dict[str, Any] = {
    "building.demolished": gettext_lazy("Building demolished"),
    "building.registered": gettext_lazy("Building registered"),
    "building.transferred": gettext_lazy("Building ownership transferred"),
    "business.closed": gettext_lazy("Business closed"),
    "business.registered": gettext_lazy("Business registered"),
    "business.resumed": gettext_lazy("Business resumed"),
    "business.suspended": gettext_lazy("Business suspended"),
    "business.updated": gettext_lazy("Business registration changed"),
    "family.adoption": gettext_lazy("Adoption"),
    "family.adoption_dissolved": gettext_lazy("Adoption dissolved"),
    "family.birth": gettext_lazy("Birth"),
    "family.death": gettext_lazy("Death"),
    "family.divorce": gettext_lazy("Divorce"),
    "family.marriage": gettext_lazy("Marriage"),
    "family.name_change": gettext_lazy("Change of name"),
    "household.created": gettext_lazy("Household established"),
    "household.head_changed": gettext_lazy("Head of household changed"),
    "household.moved": gettext_lazy("Household moved in"),
    "parcel.price_set": gettext_lazy("Official land price set"),
    "parcel.registered": gettext_lazy("Parcel registered"),
    "parcel.transferred": gettext_lazy("Land ownership transferred"),
    "registry.imported": gettext_lazy("Loaded in bulk"),
    "resident.corrected": gettext_lazy("Record corrected"),
    "resident.moved": gettext_lazy("Move-in report"),
    "resident.number_changed": gettext_lazy("Registration number changed"),
    "resident.registered": gettext_lazy("Registered as a resident"),
    "resident.relation_changed": gettext_lazy("Relation to the head changed"),
    "resident.status_changed": gettext_lazy("Status changed"),
    "vehicle.deregistered": gettext_lazy("Vehicle deregistered"),
    "vehicle.inspected": gettext_lazy("Periodic inspection"),
    "vehicle.lien_registered": gettext_lazy("Lien registered"),
    "vehicle.lien_released": gettext_lazy("Lien released"),
    "vehicle.seizure_registered": gettext_lazy("Seizure registered"),
    "vehicle.seizure_released": gettext_lazy("Seizure released"),
    "vehicle.plate_changed": gettext_lazy("Plate changed"),
    "vehicle.registered": gettext_lazy("Vehicle registered"),
    "vehicle.transferred": gettext_lazy("Ownership transferred"),
    "vehicle.use_address_changed": gettext_lazy("Place of use changed"),
}


@dataclass(frozen=True)
class EventRecord:
    """One change of a record with its cause, as the back office shows it."""

    kind: str
    effective_on: date
    recorded_at: datetime
    changes: tuple[Change, ...]
    cause_kind: str
    cause_ref: str
    legal_basis: str
    reason: str

    @property
    def cause_label(self) -> str:
        return _choice_label(CauseKind, self.cause_kind)

    @property
    def kind_label(self) -> str:
        label = EVENT_KIND_LABELS.get(self.kind)
        return str(label) if label is not None else self.kind


@dataclass(frozen=True)
class AddressStayRecord:
    """A period the resident was registered at an address (``moved_out_on`` None: the current one)."""

    household_id: uuid.UUID
    address_line: str
    legal_dong_code: str
    admin_dong_code: str
    moved_in_on: date
    moved_out_on: date | None


@dataclass(frozen=True)
class ResidentDossier:
    """Everything the back office shows on a resident's page, read under one audit entry."""

    record: ResidentRecord
    address_history: tuple[AddressStayRecord, ...]
    household: HouseholdRecord | None
    family: FamilyRecord
    events: tuple[EventRecord, ...]


@dataclass(frozen=True)
class MyRecords:
    """A citizen's own records on My Gov."""

    resident: ResidentRecord
    phone_masked: str
    email_masked: str
    household: HouseholdRecord | None
    family: FamilyRecord
    vehicles: tuple[VehicleRecord, ...]
    property: PropertyRecord
    businesses: tuple[BusinessRecord, ...]


# --- building the records from the models --------------------------------------------------


def address_record(household: Household | None) -> AddressRecord | None:
    if household is None:
        return None
    return AddressRecord(
        household_id=household.id, sido=household.sido, sigungu=household.sigungu, road=household.road,
        building_number=household.building_number, detail=household.detail, postcode=household.postcode,
        legal_dong_code=household.legal_dong_code, admin_dong_code=household.admin_dong_code,
    )


_RECORD_FIELDS = (
    "identifier", "identifier_type", "identifier_issued_on", "name_ko", "name_en", "birth_date", "sex", "nationality",
    "status", "died_on", "household_id", "household_relation", "moved_in_on", "registration_base", "father_id",
    "mother_id", "registered_on",
)


def resident_record_of(resident: Resident, *, full_number: bool = False, as_of: date | None = None) -> ResidentRecord:
    if as_of is None:
        # Only the fields a record shows: reading every field would load the deferred contact details.
        values = {name: getattr(resident, name) for name in _RECORD_FIELDS}
        household = resident.household if resident.household_id else None
    else:
        values = history.state_as_of(resident, as_of)
        household_id = values.get("household_id")
        found = selectors.household_get(household_id=household_id) if household_id else None
        household = Household(**history.state_as_of(found, as_of)) if found is not None else None
    number = values["identifier"] or ""
    return ResidentRecord(
        id=resident.id, identifier_type=values["identifier_type"], number_masked=mask_rrn(number),
        number=number if full_number else "", identifier_issued_on=values["identifier_issued_on"],
        name_ko=values["name_ko"], name_en=values["name_en"], birth_date=values["birth_date"], sex=values["sex"],
        nationality=values["nationality"], status=values["status"], died_on=values["died_on"],
        household_id=values["household_id"], household_relation=values["household_relation"],
        moved_in_on=values["moved_in_on"], address=address_record(household),
        registration_base=values["registration_base"], father_id=values["father_id"],
        mother_id=values["mother_id"], registered_on=values["registered_on"], as_of=as_of,
    )


def person_summary(person: Resident) -> PersonSummary:
    return PersonSummary(
        id=person.id, name_ko=person.name_ko, name_en=person.name_en, number_masked=mask_rrn(person.identifier or ""),
        birth_date=person.birth_date, sex=person.sex, status=person.status, died_on=person.died_on,
        household_relation=person.household_relation,
        admin_dong_code=person.household.admin_dong_code if person.household_id and person.household else "",
    )


class _CompiledResidents:
    """A query of residents (with their household) compiled once per database connection, run with new values.

    The person-reading functions behind the information-sharing gate run the same
    two queries on every request (the resident by id, the members of a household);
    the ORM compiled their SQL anew each time, which bench-exchange measured at more
    than half of an in-process read on SQLite, several times what running them costs.
    The queryset is the selectors' own (``build`` with sample values); rows become
    instances exactly as the ORM's iteration makes them (the backend's converters,
    ``from_db``, the household through the select_related populator), as
    ``selectors.resident_find_by_number`` does for the lookup by number. ``fields``
    prepare the values, in the order the statement takes them.
    """

    def __init__(self, query: Any, fields: tuple[Any, ...]) -> None:
        self.db = query.db
        compiler = query.query.get_compiler(using=self.db)
        self.sql, sample = compiler.as_sql()
        if len(sample) != len(fields):
            raise ValueError("each parameter of a compiled query needs its field")
        self.fields = fields
        self.compiler = compiler
        select, klass_info = compiler.select, compiler.klass_info
        assert klass_info is not None
        self.converters = compiler.get_converters([column[0] for column in select[0:compiler.col_count]])
        selected = klass_info["select_fields"]
        self.start, self.end = selected[0], selected[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start:self.end]]
        self.populators = get_related_populators(klass_info, select, self.db)

    @classmethod
    def of(cls, name: str, build: Any, fields: tuple[Any, ...]) -> _CompiledResidents:
        connection = connections[router.db_for_read(Resident)]
        compiled: dict[str, _CompiledResidents] = kept(connection, "_registries_compiled", dict)
        if name not in compiled:
            compiled[name] = cls(build(), fields)
        return compiled[name]

    def run(self, *values: Any) -> list[Resident]:
        connection = connections[self.db]
        params = [field.get_db_prep_value(value, connection, prepared=False)
                  for field, value in zip(self.fields, values, strict=True)]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows: Iterable[Any] = cursor.fetchall()
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        found = []
        for row in rows:
            resident = Resident.from_db(self.db, self.init_list, row[self.start:self.end])
            for populator in self.populators:
                populator.populate(row, resident)
            found.append(resident)
        return found


def resident_for_read(resident_id: uuid.UUID) -> Resident | None:
    """``selectors.resident_get`` with its SQL compiled once per connection (the gate's hot path)."""
    compiled = _CompiledResidents.of(
        "resident", lambda: selectors._residents().filter(id=uuid.UUID(int=0))[:1], (Resident._meta.pk,),
    )
    found = compiled.run(resident_id)
    return found[0] if found else None


def household_members_of(household_id: uuid.UUID) -> list[Resident]:
    """``selectors.household_members`` with its SQL compiled once per connection: head first, then by birth."""
    compiled = _CompiledResidents.of(
        "household-members",
        lambda: selectors._residents().filter(household_id=uuid.UUID(int=0)).order_by("birth_date", "id"),
        (Resident._meta.get_field("household"),),
    )
    return sorted(compiled.run(household_id), key=lambda m: (m.household_relation != "head", m.birth_date))


def household_member(person: Resident, *, full_number: bool = False) -> HouseholdMember:
    number = person.identifier or ""
    return HouseholdMember(
        id=person.id, name_ko=person.name_ko, name_en=person.name_en, number_masked=mask_rrn(number),
        birth_date=person.birth_date, sex=person.sex, status=person.status, died_on=person.died_on,
        household_relation=person.household_relation,
        admin_dong_code=person.household.admin_dong_code if person.household_id and person.household else "",
        identifier=f"{number[:6]}-{number[6:]}" if full_number and len(number) == 13 else mask_rrn(number),
    )


def household_record_of(household: Household | None, *, full_numbers: bool = False) -> HouseholdRecord | None:
    if household is None:
        return None
    address = address_record(household)
    assert address is not None
    members = tuple(household_member(m, full_number=full_numbers) for m in household_members_of(household.id))
    return HouseholdRecord(id=household.id, address=address, head_id=household.head_id,
                           established_on=household.established_on, members=members)


def family_record_of(resident: Resident, *, on: date | None = None) -> FamilyRecord:
    family = selectors.family_of(resident=resident, on=on)
    spouses: list[Relative] = []
    for person, marriage in family.spouses:
        ended = marriage.ended_on is not None and (on is None or marriage.ended_on <= on)
        spouses.append(Relative(
            person=person_summary(person), relation="former_spouse" if ended else "spouse", since=marriage.married_on,
            until=marriage.ended_on if ended else None, end=marriage.end_reason if ended else "",
        ))
    spouses.sort(key=lambda s: s.relation != "spouse")
    return FamilyRecord(
        registration_base=resident.registration_base,
        parents=tuple(Relative(person=person_summary(p), relation=r, since=s) for p, r, s in family.parents),
        spouses=tuple(spouses),
        children=tuple(Relative(person=person_summary(p), relation=r, since=s) for p, r, s in family.children),
    )


def _owner_name(resident: Resident | None, business: Business | None, fallback: str = "") -> str:
    if resident is not None:
        return resident.name_ko
    if business is not None:
        return business.name
    return fallback


def vehicle_records(vehicles: Iterable[Vehicle]) -> tuple[VehicleRecord, ...]:
    vehicles = list(vehicles)
    encumbrances: dict[uuid.UUID, list[EncumbranceRecord]] = {}
    for item in Encumbrance.objects.filter(vehicle_id__in=[v.id for v in vehicles]).order_by("registered_on"):
        encumbrances.setdefault(item.vehicle_id, []).append(EncumbranceRecord(
            kind=item.kind, holder=item.holder, amount=item.amount, registered_on=item.registered_on,
            released_on=item.released_on,
        ))
    owners = {r.id: r for r in Resident.objects.filter(
        id__in=[v.owner_resident_id for v in vehicles if v.owner_resident_id]).only("id", "name_ko")}
    businesses = {b.id: b for b in Business.objects.filter(
        id__in=[v.owner_business_id for v in vehicles if v.owner_business_id]).only("id", "name")}
    return tuple(
        VehicleRecord(
            id=v.id, plate_number=v.plate_number, vin=v.vin, make=v.make, model=v.model, model_year=v.model_year,
            fuel=v.fuel, owner_resident_id=v.owner_resident_id, owner_business_id=v.owner_business_id,
            owner_name=_owner_name(owners.get(v.owner_resident_id) if v.owner_resident_id else None,
                                   businesses.get(v.owner_business_id) if v.owner_business_id else None),
            use_address=v.use_address, registered_on=v.registered_on, inspection_due_on=v.inspection_due_on,
            status=v.status, deregistered_on=v.deregistered_on, encumbrances=tuple(encumbrances.get(v.id, ())),
        )
        for v in vehicles
    )


def _share(row: Any) -> ShareRecord:
    return ShareRecord(
        owner_resident_id=row.owner_resident_id, owner_business_id=row.owner_business_id,
        owner_name=_owner_name(row.owner_resident, row.owner_business, row.owner_name),
        numerator=row.share_numerator, denominator=row.share_denominator, acquired_on=row.acquired_on,
    )


def _place(legal_dong_code: str, cache: dict[str, str]) -> str:
    if legal_dong_code not in cache:
        from egov.accounts import public as accounts

        info = accounts.legal_dong(code=legal_dong_code)
        cache[legal_dong_code] = info.full_name if info else ""
    return cache[legal_dong_code]


def building_records(buildings: list[Building]) -> tuple[BuildingRecord, ...]:
    owners: dict[uuid.UUID, list[ShareRecord]] = {}
    for row in selectors.building_owners(building_ids=[b.id for b in buildings]):
        owners.setdefault(row.building_id, []).append(_share(row))
    return tuple(
        BuildingRecord(
            id=b.id, parcel_id=b.parcel_id, pnu=b.parcel.pnu, name=b.name, road_address=b.road_address,
            main_use=b.main_use, floors_above=b.floors_above, floors_below=b.floors_below,
            floor_area_m2=b.floor_area_m2, approved_on=b.approved_on, demolished_on=b.demolished_on,
            owners=tuple(owners.get(b.id, ())),
        )
        for b in buildings
    )


def parcel_records(parcels: list[Parcel], *, with_buildings: bool = False) -> tuple[ParcelRecord, ...]:
    owners: dict[uuid.UUID, list[ShareRecord]] = {}
    for row in selectors.parcel_owners(parcel_ids=[p.id for p in parcels]):
        owners.setdefault(row.parcel_id, []).append(_share(row))
    places: dict[str, str] = {}
    return tuple(
        ParcelRecord(
            id=p.id, pnu=p.pnu, lot=format_pnu_lot(p.pnu), legal_dong_code=p.legal_dong_code,
            place=_place(p.legal_dong_code, places), category=p.category, area_m2=p.area_m2,
            registered_on=p.registered_on, closed_on=p.closed_on, owners=tuple(owners.get(p.id, ())),
            prices=tuple(selectors.parcel_prices(parcel_id=p.id)),
            buildings=building_records(selectors.buildings_on(parcel_id=p.id)) if with_buildings else (),
        )
        for p in parcels
    )


def property_of(resident_id: uuid.UUID) -> PropertyRecord:
    parcels = [share.parcel for share in property_services.parcels_owned_by(resident_id=resident_id)]
    buildings = [share.building for share in property_services.buildings_owned_by(resident_id=resident_id)]
    return PropertyRecord(parcels=parcel_records(parcels), buildings=building_records(buildings))


def business_record(b: Business) -> BusinessRecord:
    return BusinessRecord(
        id=b.id, registration_number=b.registration_number, name=b.name, representative_id=b.representative_id,
        representative_name=b.representative_name, business_type=b.business_type, business_item=b.business_item,
        address=b.address, started_on=b.started_on, status=b.status, status_changed_on=b.status_changed_on,
        tax_type=b.tax_type, tax_office_code=b.tax_office_code,
    )


def _shown(value: Any, field: Any) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(field, (EncryptedCharField, EncryptedTextField, BlindIndexField)):
        return _("(protected)")
    if field is not None and getattr(field, "is_relation", False):
        return _("(another record)")
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.choices).get(value, value))
    return str(value)


def event_record(event: RegistryEvent) -> EventRecord:
    model = {"resident": Resident, "household": Household, "marriage": Marriage, "adoption": Adoption}.get(
        event.entity_type)
    fields = {f.attname: f for f in model._meta.concrete_fields} if model else {}
    names = list(dict.fromkeys([*event.before, *event.after]))
    changes = tuple(
        Change(
            field=str(fields[name].verbose_name) if name in fields else name,
            before=_shown(event.before.get(name), fields.get(name)),
            after=_shown(event.after.get(name), fields.get(name)),
        )
        for name in names
    )
    return EventRecord(
        kind=event.kind, effective_on=event.effective_on, recorded_at=event.recorded_at, changes=changes,
        cause_kind=event.cause_kind, cause_ref=event.cause_ref, legal_basis=event.legal_basis, reason=event.reason,
    )


def vehicles_of(resident_id: uuid.UUID, *, on: date | None = None) -> tuple[VehicleRecord, ...]:
    """The vehicles the resident owns today (or owned at the end of ``on``)."""
    return vehicle_records(vehicle_services.vehicles_owned_by(resident_id=resident_id, on=on))


def businesses_of(resident_id: uuid.UUID) -> tuple[BusinessRecord, ...]:
    """The businesses the resident represents, open or closed."""
    return tuple(business_record(b) for b in business_services.businesses_of(resident_id=resident_id))


def address_history(resident_id: uuid.UUID) -> tuple[AddressStayRecord, ...]:
    """The resident's addresses, the current one first."""
    return tuple(
        AddressStayRecord(household_id=p.household_id, address_line=p.address_line, legal_dong_code=p.legal_dong_code,
                          admin_dong_code=p.admin_dong_code, moved_in_on=p.moved_in_on, moved_out_on=p.moved_out_on)
        for p in reversed(household_services.resident_address_history(resident_id=resident_id))
    )

"""What the registries tell the local tax register each year: the things taxed and who holds them (과세자료).

The si/gun/gu assesses vehicle tax on the vehicles registered on the base date,
property tax on the parcels and buildings held then (each owner on their share), and
resident tax on each household's head and each open business. This module answers
that in one pass over the registers, for ``finance`` to assess from (through
``exchange.public.tax_bases``: rule 2; see ``egov/finance`` and ADR 0115).

It is a read of many people's data at once, under the local tax act: each natural
person it names (an owner, a household head, a business's representative) is the
subject of one ``person.read`` entry of the audit chain, as the registries' lookups of
things are (``registries.public._log_for_owners``), so every taxpayer sees the yearly
read on "Who viewed my data".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q


@dataclass(frozen=True)
class TaxBase:
    """One thing taxed and one of its holders on the base date (a co-owned parcel is one row per owner).

    ``kind`` is ``vehicle``, ``parcel``, ``building``, ``household`` or ``business``;
    ``object_ref`` names the thing stably (the plate, the PNU, the building's id, the
    household's id, the business registration number); ``legal_dong_code`` is where it
    is, which decides the si/gun/gu that taxes it. The measures a tax is computed from
    are the kind's own: a vehicle's fuel and model year, a parcel's area and official
    land price per m² of the latest year up to the base date, a building's floor area
    and main use.
    """

    kind: str
    object_ref: str
    object_label: str
    legal_dong_code: str
    owner_resident_id: uuid.UUID | None
    owner_business_id: uuid.UUID | None
    share_numerator: int = 1
    share_denominator: int = 1
    fuel: str = ""
    model_year: int = 0
    area_m2: int = 0
    price_per_m2: int = 0
    use: str = ""


def _standing(on: date, *, start: str, end: str) -> Q:
    return Q(**{f"{start}__lte": on}) & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": on}))


def _vehicles(on: date) -> list[TaxBase]:
    from egov.registries.models import Vehicle

    rows = (Vehicle.objects.filter(status="registered", registered_on__lte=on)
            .order_by("plate_number", "id")
            .values_list("plate_number", "make", "model", "fuel", "model_year", "use_legal_dong_code",
                         "owner_resident_id", "owner_business_id"))
    return [TaxBase(kind="vehicle", object_ref=plate, object_label=f"{plate} {make} {model}".strip(),
                    legal_dong_code=dong or "", owner_resident_id=resident, owner_business_id=business, fuel=fuel,
                    model_year=year)
            for plate, make, model, fuel, year, dong, resident, business in rows]


def _parcels(on: date) -> list[TaxBase]:
    from egov.registries.identifiers import format_pnu_lot
    from egov.registries.models import LandPrice, ParcelOwnership

    prices: dict[uuid.UUID, int] = {}
    for parcel_id, price in (LandPrice.objects.filter(year__lte=on.year).order_by("parcel_id", "year")
                             .values_list("parcel_id", "price_per_m2")):
        prices[parcel_id] = price  # the latest year wins
    rows = (ParcelOwnership.objects.filter(_standing(on, start="acquired_on", end="ended_on"),
                                           _standing(on, start="parcel__registered_on", end="parcel__closed_on"))
            .filter(Q(owner_resident__isnull=False) | Q(owner_business__isnull=False))
            .order_by("parcel__pnu", "id")
            .values_list("parcel_id", "parcel__pnu", "parcel__legal_dong_code", "parcel__category", "parcel__area_m2",
                         "owner_resident_id", "owner_business_id", "share_numerator", "share_denominator"))
    return [TaxBase(kind="parcel", object_ref=pnu, object_label=format_pnu_lot(pnu), legal_dong_code=dong,
                    owner_resident_id=resident, owner_business_id=business, share_numerator=numerator,
                    share_denominator=denominator, area_m2=int(area), price_per_m2=prices.get(parcel_id, 0),
                    use=category)
            for parcel_id, pnu, dong, category, area, resident, business, numerator, denominator in rows]


def _buildings(on: date) -> list[TaxBase]:
    from egov.registries.models import BuildingOwnership

    rows = (BuildingOwnership.objects.filter(_standing(on, start="acquired_on", end="ended_on"),
                                             _standing(on, start="building__approved_on",
                                                       end="building__demolished_on"))
            .filter(Q(owner_resident__isnull=False) | Q(owner_business__isnull=False))
            .order_by("building__road_address", "id")
            .values_list("building_id", "building__road_address", "building__name", "building__parcel__legal_dong_code",
                         "building__floor_area_m2", "building__main_use", "owner_resident_id", "owner_business_id",
                         "share_numerator", "share_denominator"))
    return [TaxBase(kind="building", object_ref=str(building_id), object_label=(address or name),
                    legal_dong_code=dong, owner_resident_id=resident, owner_business_id=business,
                    share_numerator=numerator, share_denominator=denominator, area_m2=int(area), use=use)
            for building_id, address, name, dong, area, use, resident, business, numerator, denominator in rows]


def _households(on: date) -> list[TaxBase]:
    from egov.registries.models import Household

    rows = (Household.objects.filter(head__isnull=False, established_on__lte=on)
            .filter(Q(head__died_on__isnull=True) | Q(head__died_on__gt=on))
            .order_by("legal_dong_code", "id")
            .values_list("id", "sido", "sigungu", "road", "building_number", "legal_dong_code", "head_id"))
    return [TaxBase(kind="household", object_ref=str(household_id),
                    object_label=" ".join(part for part in (sido, sigungu, road, number) if part),
                    legal_dong_code=dong, owner_resident_id=head, owner_business_id=None)
            for household_id, sido, sigungu, road, number, dong, head in rows]


def _businesses(on: date) -> list[TaxBase]:
    from egov.registries.models import Business

    rows = (Business.objects.filter(started_on__lte=on)
            .filter(Q(status="active") | Q(status_changed_on__gt=on))
            .order_by("registration_number")
            .values_list("id", "registration_number", "name", "legal_dong_code"))
    return [TaxBase(kind="business", object_ref=number, object_label=name, legal_dong_code=dong,
                    owner_resident_id=None, owner_business_id=business_id)
            for business_id, number, name, dong in rows]


_KINDS = {"vehicle": _vehicles, "parcel": _parcels, "building": _buildings, "household": _households,
          "business": _businesses}


@transaction.atomic
def tax_bases(*, on: date, kinds: tuple[str, ...], reader: Any, purpose: str, basis: str) -> list[TaxBase]:
    """The things of ``kinds`` taxed on the base date ``on`` and their holders; one entry per person named.

    A business's representative is named for the business's own rows (its resident tax,
    its vehicles and property): the read concerns them as the registries' business
    lookups do.
    """
    from egov.registries import public as registries
    from egov.registries.models import Business

    purpose, basis, _consent = registries._checked(purpose, basis, "")
    found: list[TaxBase] = []
    for kind in kinds:
        found += _KINDS[kind](on)
    businesses = {row.owner_business_id for row in found if row.owner_business_id is not None}
    representatives = dict(Business.objects.filter(id__in=list(businesses)).values_list("id", "representative_id"))
    people = [row.owner_resident_id for row in found]
    people += [representatives.get(row.owner_business_id) for row in found if row.owner_business_id is not None]
    registries._log_for_owners(person_ids=people, reader=reader, purpose=purpose, basis=basis, consent="",
                               object_ref=f"registries:tax_bases:{on.isoformat()}")
    return found

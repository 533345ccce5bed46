"""Reads of the base registries: records and the facts around them, without any audit.

These are the building blocks of :mod:`egov.registries.public`, which alone decides
who is reading, for what purpose and under which law, and writes the audit entry;
nothing outside this app calls them (rule 2 of ARCHITECTURE.md). Every function
answers with model instances of this app or plain values and takes its keys as
keyword arguments.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import connections, router
from django.db.models import Q, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]

from egov.core.connection_kept import kept
from egov.core.crypto import blind_index
from egov.registries.models import (
    Adoption,
    Building,
    BuildingOwnership,
    Business,
    Household,
    Marriage,
    Parcel,
    ParcelOwnership,
    RegistryEvent,
    Resident,
    Vehicle,
)
from egov.registries.models.residents import IDENTIFIER_INDEX_KIND

# How many residents a name search shows at most: a search is for finding one person,
# and every person shown is a person whose data was seen (one audit entry each).
SEARCH_LIMIT = 20


# --- residents and households ------------------------------------------------------------


def _residents() -> QuerySet[Resident]:
    # Contact details are not part of any record these reads return; leaving them out
    # saves two decryptions per row on the hot path (a lookup by number).
    return Resident.objects.select_related("household").defer("phone", "email")


def resident_get(*, resident_id: uuid.UUID) -> Resident | None:
    return _residents().filter(id=resident_id).first()


def resident_with_contact_get(*, resident_id: uuid.UUID) -> Resident | None:
    """The resident with the phone and e-mail on record (for the subject's own view)."""
    return Resident.objects.select_related("household").filter(id=resident_id).first()


def resident_find_by_number(*, number: str) -> Resident | None:
    """The resident (or registered foreigner) with this registration number: one probe of the blind index."""
    index = blind_index(number, kind=IDENTIFIER_INDEX_KIND)
    # The database a fresh queryset would read from, without building one (that alone
    # cost a tenth of a lookup): the queryset is needed only to compile the query once.
    connection = connections[router.db_for_read(Resident)]
    prepared = kept(connection, "_registries_by_number", lambda: _ByNumber(_residents()))
    return prepared.find(index) if prepared.sql else next(iter(_residents().filter(identifier_index=index)[:1]), None)


class _ByNumber:
    """The lookup by blind index, compiled once per database connection.

    The query is the same for every number (the resident and their household, less
    the contact details); the ORM would build its SQL anew each time, which costs
    more than the indexed probe. Rows become instances exactly as the ORM's own
    iteration makes them (the backend's converters, ``from_db``, the household through
    the select_related populator).
    """

    def __init__(self, query: QuerySet[Resident]) -> None:
        self.db = query.db
        compiler = query.filter(identifier_index="").query.get_compiler(using=self.db)
        compiler.query.set_limits(high=1)
        sql, params = compiler.as_sql()
        self.sql = sql if list(params) == [""] else ""
        self.compiler = compiler
        select, klass_info = compiler.select, compiler.klass_info
        assert klass_info is not None
        self.converters = compiler.get_converters([s[0] for s in select[0:compiler.col_count]])
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in select[self.start:self.end]]
        self.populators = get_related_populators(klass_info, select, self.db)

    def find(self, index: str) -> Resident | None:
        with connections[self.db].cursor() as cursor:
            cursor.execute(self.sql, [index])
            row = cursor.fetchone()
        if row is None:
            return None
        if self.converters:
            row = next(iter(self.compiler.apply_converters([row], self.converters)))
        resident = Resident.from_db(self.db, self.init_list, row[self.start:self.end])
        for populator in self.populators:
            populator.populate(row, resident)
        return resident


def resident_id_by_number(*, number: str) -> tuple[uuid.UUID, str] | None:
    """The id of the resident with this number and their household's administrative dong, nothing else.

    The back office asks this before it reads anything, to check the official's
    jurisdiction first.
    """
    index = blind_index(number, kind=IDENTIFIER_INDEX_KIND)
    row = Resident.objects.filter(identifier_index=index).values_list("id", "household__admin_dong_code").first()
    return (row[0], row[1] or "") if row else None


def resident_admin_dong(*, resident_id: uuid.UUID) -> str | None:
    """The administrative-dong code of the resident's household ("" without one); None when there is no such resident."""
    row = Resident.objects.filter(id=resident_id).values_list("household__admin_dong_code", flat=True)[:1]
    values = list(row)
    if not values:
        return None
    return values[0] or ""


def resident_search(
    *, name: str = "", road: str = "", admin_dong_codes: Iterable[str] | None = None, limit: int = SEARCH_LIMIT
) -> list[Resident]:
    """Residents whose Hangul or romanised name starts with ``name`` or whose household's road contains ``road``.

    ``admin_dong_codes`` limits the search to households of those administrative
    dongs (an official's jurisdiction); None searches everywhere.
    """
    queryset = _residents()
    if admin_dong_codes is not None:
        queryset = queryset.filter(household__admin_dong_code__in=list(admin_dong_codes))
    if name:
        queryset = queryset.filter(Q(name_ko__startswith=name) | Q(name_en__istartswith=name))
    if road:
        queryset = queryset.filter(household__road__icontains=road)
    return list(queryset.order_by("name_ko", "birth_date", "id")[:limit])


def household_get(*, household_id: uuid.UUID) -> Household | None:
    return Household.objects.filter(id=household_id).first()


def household_members(*, household_id: uuid.UUID) -> list[Resident]:
    """The members of a household, head first, then by date of birth."""
    members = list(_residents().filter(household_id=household_id).order_by("birth_date", "id"))
    return sorted(members, key=lambda m: (m.household_relation != "head", m.birth_date))


# --- family --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Family:
    """A resident's family as the family register states it, each with the date the tie began."""

    parents: list[tuple[Resident, str, date | None]]  # (person, "father" | "mother" | "adoptive_parent", since)
    spouses: list[tuple[Resident, Marriage]]  # current and former, newest marriage first
    children: list[tuple[Resident, str, date | None]]  # (person, "child" | "adopted_child", since)


def family_of(*, resident: Resident, on: date | None = None) -> Family:
    """Birth and adoptive parents, spouses and children of ``resident`` (as of ``on`` if given).

    A full adoption (친양자) replaces the birth parents in law, so they are left out
    while it stands.
    """
    adoptions_as_child = list(
        Adoption.objects.select_related("parent", "parent__household").filter(child_id=resident.id).order_by("adopted_on")
    )
    adoptions_as_parent = list(
        Adoption.objects.select_related("child", "child__household").filter(parent_id=resident.id).order_by("adopted_on")
    )

    def standing(adoption: Adoption) -> bool:
        if on is not None and adoption.adopted_on > on:
            return False
        return adoption.dissolved_on is None or (on is not None and adoption.dissolved_on > on)

    parents: list[tuple[Resident, str, date | None]] = []
    fully_adopted = any(a.kind == "full" and standing(a) for a in adoptions_as_child)
    if not fully_adopted:
        birth = {p.id: p for p in _residents().filter(id__in=[i for i in (resident.father_id, resident.mother_id) if i])}
        if resident.father_id in birth:
            parents.append((birth[resident.father_id], "father", resident.birth_date))
        if resident.mother_id in birth:
            parents.append((birth[resident.mother_id], "mother", resident.birth_date))
    parents += [(a.parent, "adoptive_parent", a.adopted_on) for a in adoptions_as_child if standing(a)]

    marriages = list(
        Marriage.objects.select_related("spouse_a", "spouse_b", "spouse_a__household", "spouse_b__household")
        .filter(Q(spouse_a_id=resident.id) | Q(spouse_b_id=resident.id))
        .order_by("-married_on")
    )
    if on is not None:
        marriages = [m for m in marriages if m.married_on <= on]
    spouses = [(m.spouse_b if m.spouse_a_id == resident.id else m.spouse_a, m) for m in marriages]

    children: list[tuple[Resident, str, date | None]] = []
    born_query = _residents().filter(Q(father_id=resident.id) | Q(mother_id=resident.id)).order_by("birth_date", "id")
    if on is not None:
        born_query = born_query.filter(birth_date__lte=on)
    born = list(born_query)
    fully_adopted_away = set(
        Adoption.objects.filter(child_id__in=[c.id for c in born], kind="full", dissolved_on__isnull=True)
        .values_list("child_id", flat=True)
    )
    children += [(child, "child", child.birth_date) for child in born if child.id not in fully_adopted_away]
    children += [(a.child, "adopted_child", a.adopted_on) for a in adoptions_as_parent if standing(a)]
    return Family(parents=parents, spouses=spouses, children=children)


def family_entity_ids(*, resident_id: uuid.UUID) -> list[uuid.UUID]:
    """The marriages and adoptions a resident is party to (their events belong to the resident's history)."""
    marriages = Marriage.objects.filter(Q(spouse_a_id=resident_id) | Q(spouse_b_id=resident_id)).values_list("id", flat=True)
    adoptions = Adoption.objects.filter(Q(parent_id=resident_id) | Q(child_id=resident_id)).values_list("id", flat=True)
    return [*marriages, *adoptions]


def events_of(*, entity_ids: Iterable[uuid.UUID], limit: int = 200) -> list[RegistryEvent]:
    """The registry events of these records, newest first."""
    return list(
        RegistryEvent.objects.filter(entity_id__in=list(entity_ids)).order_by("-effective_on", "-recorded_at")[:limit]
    )


# --- vehicles ------------------------------------------------------------------------------


def vehicle_by_plate(*, plate: str) -> Vehicle | None:
    return (
        Vehicle.objects.select_related("owner_resident", "owner_business")
        .prefetch_related("encumbrances")
        .filter(plate_number=plate)
        .first()
    )


# --- land and buildings ----------------------------------------------------------------------


def parcel_by_pnu(*, pnu: str) -> Parcel | None:
    return Parcel.objects.filter(pnu=pnu).first()


def parcel_owners(*, parcel_ids: Iterable[uuid.UUID]) -> list[ParcelOwnership]:
    return list(
        ParcelOwnership.objects.select_related("owner_resident", "owner_business")
        .filter(parcel_id__in=list(parcel_ids), ended_on__isnull=True)
        .order_by("-share_numerator", "acquired_on", "id")
    )


def parcel_prices(*, parcel_id: uuid.UUID, limit: int = 10) -> list[tuple[int, int]]:
    """(year, won per m²) of the official land price, newest first."""
    from egov.registries.models import LandPrice

    return list(LandPrice.objects.filter(parcel_id=parcel_id).order_by("-year").values_list("year", "price_per_m2")[:limit])


def buildings_on(*, parcel_id: uuid.UUID) -> list[Building]:
    return list(Building.objects.select_related("parcel").filter(parcel_id=parcel_id).order_by("road_address", "id"))


def building_owners(*, building_ids: Iterable[uuid.UUID]) -> list[BuildingOwnership]:
    return list(
        BuildingOwnership.objects.select_related("owner_resident", "owner_business")
        .filter(building_id__in=list(building_ids), ended_on__isnull=True)
        .order_by("-share_numerator", "acquired_on", "id")
    )


# --- businesses -----------------------------------------------------------------------------


def business_by_number(*, number: str) -> Business | None:
    return Business.objects.select_related("representative").filter(registration_number=number).first()

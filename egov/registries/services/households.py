"""Households and moves (주민등록): road-name addresses, new households, move-in reports, address history.

A resident's address is their household's. A move-in report (전입신고) moves a
resident into another household or to a new address, or a whole household to a new
address, and the vehicles of everyone who moves follow to the new address. As in
:mod:`egov.registries.services.residents`, every service checks everything first and
writes nothing when anything is wrong; each change is an event with its cause.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from egov.accounts import public as accounts
from egov.core import clock
from egov.core.events import publish
from egov.registries import history
from egov.registries.history import Cause
from egov.registries.models import (
    Household,
    HouseholdRelation,
    Registry,
    Resident,
    ResidentStatus,
    Vehicle,
)
from egov.registries.services.checks import (
    Problems,
    check_date,
    check_text,
    get_or_none,
    is_alive_on,
    require,
)
from egov.registries.services.vehicles import follow_owner_address

__all__ = [
    "ADDRESS_FIELDS",
    "AddressPeriod",
    "address_line",
    "check_address",
    "household_create",
    "resident_address_history",
    "resident_move",
]

# The fields of a road-name address, as household_create and resident_move take them.
ADDRESS_FIELDS = (
    "sido", "sigungu", "road", "building_number", "detail", "postcode", "legal_dong_code", "admin_dong_code",
)


def address_line(values: dict[str, Any]) -> str:
    """A road-name address on one line, from a household's (or an address dict's) fields."""
    parts = [values.get("sido", ""), values.get("sigungu", ""), values.get("road", ""), values.get("building_number", "")]
    line = " ".join(str(p) for p in parts if p)
    detail = values.get("detail", "")
    return f"{line}, {detail}" if detail else line


def check_address(problems: Problems, address: dict[str, Any], *, prefix: str = "") -> dict[str, str]:
    """Check a road-name address and its two dong codes; returns the cleaned values.

    The legal-dong code has 10 digits; the administrative-dong code is the country
    pack's (7 or 10 digits). Where the pack knows the codes, the legal dong must be
    in force and the administrative dong must serve it (or at least lie in the same
    si/gun/gu); a 10-digit administrative code must begin with the legal dong's
    si/gun/gu digits.
    """
    def name(field: str) -> str:
        return f"{prefix}{field}"

    unknown = sorted(set(address) - set(ADDRESS_FIELDS))
    for field in unknown:
        problems.add(name(field), _("This is not part of an address."))
    values = {field: address.get(field, "") for field in ADDRESS_FIELDS}
    for field in ADDRESS_FIELDS:
        if values[field] is None:
            values[field] = ""
        if not isinstance(values[field], str):
            problems.add(name(field), _("Give a text."))
            values[field] = ""
        values[field] = values[field].strip()
    lengths = {"sido": 40, "sigungu": 40, "road": 80, "building_number": 16, "detail": 80}
    for field, max_length in lengths.items():
        check_text(problems, name(field), values[field], max_length=max_length,
                   required=field in ("sido", "road", "building_number"))
    if values["postcode"] and not re.fullmatch(r"\d{5}", values["postcode"]):
        problems.add(name("postcode"), _("A postcode has 5 digits."))
    legal = values["legal_dong_code"]
    admin = values["admin_dong_code"]
    legal_ok = bool(re.fullmatch(r"\d{10}", legal))
    if not legal_ok:
        problems.add(name("legal_dong_code"), _("A legal-dong code has 10 digits."))
    admin_ok = bool(re.fullmatch(r"\d{7,10}", admin))
    if not admin_ok:
        problems.add(name("admin_dong_code"), _("An administrative-dong code has 7 to 10 digits."))
    if not (legal_ok and admin_ok):
        return values
    legal_info = accounts.legal_dong(code=legal)
    if legal_info is None:
        sigungu_known = accounts.legal_dong(code=legal[:5] + "00000") is not None
        if sigungu_known:
            problems.add(name("legal_dong_code"), _("There is no legal dong with the code %(code)s.") % {"code": legal})
            return values
    elif legal_info.valid_to is not None:
        problems.add(name("legal_dong_code"),
                     _("The legal-dong code %(code)s is no longer in force (since %(date)s).")
                     % {"code": legal, "date": legal_info.valid_to.isoformat()})
        return values
    admin_info = accounts.admin_dong(code=admin)
    wrong_place = _("The administrative dong %(admin)s does not serve the legal dong %(legal)s.") % {
        "admin": admin, "legal": legal,
    }
    if admin_info is not None:
        if admin_info.sigungu_code != legal[:5]:
            problems.add(name("admin_dong_code"), wrong_place)
        elif legal_info is not None and legal_info.admin_dong_codes and admin not in legal_info.admin_dong_codes:
            problems.add(name("admin_dong_code"), wrong_place)
    elif legal_info is not None and legal_info.admin_dong_codes:
        problems.add(name("admin_dong_code"), wrong_place)
    elif len(admin) == 10 and admin[:5] != legal[:5]:
        problems.add(name("admin_dong_code"), wrong_place)
    return values


@transaction.atomic
def household_create(
    *,
    sido: str,
    sigungu: str,
    road: str,
    building_number: str,
    detail: str = "",
    postcode: str = "",
    legal_dong_code: str,
    admin_dong_code: str,
    established_on: date,
    cause: Cause,
) -> Household:
    """A new household at a road-name address; its head joins it by registering or moving in."""
    address = {
        "sido": sido, "sigungu": sigungu, "road": road, "building_number": building_number, "detail": detail,
        "postcode": postcode, "legal_dong_code": legal_dong_code, "admin_dong_code": admin_dong_code,
    }
    problems = Problems()
    values = check_address(problems, address)
    check_date(problems, "established_on", established_on)
    problems.raise_if_any(_("The household at %(address)s") % {"address": address_line(address)})
    return _household_write(values=values, established_on=established_on, cause=cause)


def _household_write(*, values: dict[str, str], established_on: date, cause: Cause) -> Household:
    household = Household.objects.create(**values, established_on=established_on)
    history.record_event(
        registry=Registry.RESIDENTS, kind="household.created", entity=household, effective_on=established_on,
        cause=cause, after={**values, "established_on": established_on},
    )
    return household


# ---------------------------------------------------------------- moves


@transaction.atomic
def resident_move(
    *,
    resident_id: uuid.UUID,
    to_household_id: uuid.UUID | None = None,
    new_address: dict[str, Any] | None = None,
    household_relation: str | None = None,
    moved_in_on: date,
    with_household: bool = False,
    new_head_id: uuid.UUID | None = None,
    cause: Cause,
) -> Resident:
    """A move-in report (전입신고): the resident, or their whole household, moves.

    Give exactly one destination: ``to_household_id`` (join an existing household
    with ``household_relation``) or ``new_address`` (the keys of
    :func:`household_create`). Alone to a new address, the resident heads a new
    household there. With ``with_household=True`` the household itself moves to
    ``new_address``: its address changes, every member's move-in date is the new
    one and relations stay as they are (``household_relation``, if given, must be
    the resident's current one). A head moving out alone leaves the members behind
    with ``new_head_id`` as their head; the other members' relations are not
    recomputed (an official corrects them if needed). The vehicles of everyone who
    moves get the new address as their principal place of use.
    """
    resident = require(Resident, resident_id, record=_("The move-in report"), field="resident_id")
    problems = Problems()
    if not is_alive_on(resident, clock.today()) or resident.status == ResidentStatus.DECEASED:
        problems.add("resident_id", _("A deceased person cannot move."))
    if (to_household_id is None) == (new_address is None):
        problems.add("to_household_id", _("Give either the household moved into or a new address, not both."))
    old_household = get_or_none(Household, resident.household_id, for_update=True)
    floor = resident.moved_in_on or resident.birth_date
    check_date(problems, "moved_in_on", moved_in_on, not_before=floor,
               not_before_message=_("The resident moved in at the current address on %(date)s; a new move-in cannot be earlier."))
    if household_relation is not None and household_relation not in HouseholdRelation.values:
        problems.add("household_relation", _("Choose a relation to the head of household from the list."))
    if with_household:
        plan = _check_household_move(problems, resident, old_household, to_household_id=to_household_id,
                                     new_address=new_address, household_relation=household_relation,
                                     moved_in_on=moved_in_on, new_head_id=new_head_id)
    else:
        plan = _check_single_move(problems, resident, old_household, to_household_id=to_household_id,
                                  new_address=new_address, household_relation=household_relation,
                                  moved_in_on=moved_in_on, new_head_id=new_head_id)
    problems.raise_if_any(_("The move-in report of %(name)s") % {"name": resident.name_ko})
    assert plan is not None
    return _write_move(plan, resident=resident, old_household=old_household, moved_in_on=moved_in_on, cause=cause)


@dataclass
class _MovePlan:
    whole_household: bool
    address: dict[str, str] | None  # a new address (for a new household or the moving one)
    target: Household | None  # an existing household joined
    relation: str
    movers: list[Resident]
    new_head: Resident | None


def _staying_members(household: Household | None, resident: Resident) -> list[Resident]:
    if household is None:
        return []
    return list(
        household.members.select_for_update().exclude(pk=resident.pk).exclude(status=ResidentStatus.DECEASED)
    )


def _check_single_move(problems: Problems, resident: Resident, old_household: Household | None, *,
                       to_household_id: Any, new_address: dict[str, Any] | None, household_relation: str | None,
                       moved_in_on: Any, new_head_id: Any) -> _MovePlan | None:
    target: Household | None = None
    address: dict[str, str] | None = None
    relation = household_relation or ""
    if to_household_id is not None:
        target = get_or_none(Household, to_household_id, for_update=True)
        if target is None:
            problems.add("to_household_id", _("There is no such household."))
        elif old_household is not None and target.pk == old_household.pk:
            problems.add("to_household_id", _("The resident already lives in this household."))
        elif household_relation is None:
            problems.add("household_relation", _("Give the relation to the head of the household moved into."))
        elif household_relation == HouseholdRelation.HEAD and target.head_id is not None:
            problems.add("household_relation", _("That household already has a head; give the relation to that head."))
        elif household_relation != HouseholdRelation.HEAD and target.head_id is None:
            problems.add("household_relation", _("That household has no head: move in as its head."))
        if target is not None and isinstance(moved_in_on, date) and moved_in_on < target.established_on:
            problems.add("moved_in_on", _("The household was established later, on %(date)s.")
                         % {"date": target.established_on.isoformat()})
    elif new_address is not None:
        if not isinstance(new_address, dict):
            problems.add("new_address", _("Give the new address."))
        else:
            address = check_address(problems, new_address, prefix="new_address.")
        if household_relation not in (None, HouseholdRelation.HEAD):
            problems.add("household_relation", _("Moving alone to a new address makes the resident the head of a new household."))
        relation = HouseholdRelation.HEAD

    staying = _staying_members(old_household, resident)
    is_head = old_household is not None and old_household.head_id == resident.pk
    new_head: Resident | None = None
    if is_head and staying:
        if new_head_id is None:
            problems.add("new_head_id", _("The head of household is moving out alone: name a new head among the members who stay."))
        else:
            new_head = next((m for m in staying if str(m.pk) == str(new_head_id)), None)
            if new_head is None:
                problems.add("new_head_id", _("The new head must be a living member of the household who stays."))
    elif new_head_id is not None:
        problems.add("new_head_id", _("A new head is named only when the head of household moves out alone."))
    if problems:
        return None
    return _MovePlan(whole_household=False, address=address, target=target, relation=relation,
                     movers=[resident], new_head=new_head)


def _check_household_move(problems: Problems, resident: Resident, old_household: Household | None, *,
                          to_household_id: Any, new_address: dict[str, Any] | None, household_relation: str | None,
                          moved_in_on: Any, new_head_id: Any) -> _MovePlan | None:
    if old_household is None:
        problems.add("with_household", _("The resident belongs to no household."))
        return None
    if to_household_id is not None:
        problems.add("to_household_id", _("A whole household moves to a new address; to join another household, move its members one by one."))
    address: dict[str, str] | None = None
    if new_address is not None:
        if not isinstance(new_address, dict):
            problems.add("new_address", _("Give the new address."))
        else:
            address = check_address(problems, new_address, prefix="new_address.")
    if household_relation is not None and household_relation != resident.household_relation:
        problems.add("household_relation", _("When the whole household moves, relations stay as they are."))
    if new_head_id is not None:
        problems.add("new_head_id", _("A new head is named only when the head of household moves out alone."))
    movers = [resident, *_staying_members(old_household, resident)]
    if isinstance(moved_in_on, date):
        for member in movers[1:]:
            if member.moved_in_on is not None and moved_in_on < member.moved_in_on:
                problems.add("moved_in_on", _("%(name)s moved in on %(date)s; the household cannot move before that.")
                             % {"name": member.name_ko, "date": member.moved_in_on.isoformat()})
    if problems:
        return None
    return _MovePlan(whole_household=True, address=address, target=None, relation=resident.household_relation,
                     movers=movers, new_head=None)


def _write_move(plan: _MovePlan, *, resident: Resident, old_household: Household | None, moved_in_on: date,
                cause: Cause) -> Resident:
    if plan.whole_household:
        assert old_household is not None and plan.address is not None
        history.record_change(registry=Registry.RESIDENTS, kind="household.moved", entity=old_household,
                              changes=dict(plan.address), effective_on=moved_in_on, cause=cause)
        destination = old_household
        for member in plan.movers:
            history.record_change(registry=Registry.RESIDENTS, kind="resident.moved", entity=member,
                                  changes={"moved_in_on": moved_in_on}, effective_on=moved_in_on, cause=cause)
    else:
        if plan.target is not None:
            destination = plan.target
        else:
            assert plan.address is not None
            destination = _household_write(values=plan.address, established_on=moved_in_on, cause=cause)
        history.record_change(
            registry=Registry.RESIDENTS, kind="resident.moved", entity=resident,
            changes={"household_id": destination.pk, "household_relation": plan.relation, "moved_in_on": moved_in_on},
            effective_on=moved_in_on, cause=cause,
        )
        if plan.relation == HouseholdRelation.HEAD:
            history.record_change(registry=Registry.RESIDENTS, kind="household.head_changed", entity=destination,
                                  changes={"head_id": resident.pk}, effective_on=moved_in_on, cause=cause)
        if old_household is not None and old_household.head_id == resident.pk:
            history.record_change(
                registry=Registry.RESIDENTS, kind="household.head_changed", entity=old_household,
                changes={"head_id": plan.new_head.pk if plan.new_head else None}, effective_on=moved_in_on,
                cause=cause,
            )
            if plan.new_head is not None:
                history.record_change(registry=Registry.RESIDENTS, kind="resident.relation_changed",
                                      entity=plan.new_head, changes={"household_relation": HouseholdRelation.HEAD},
                                      effective_on=moved_in_on, cause=cause)
    # The principal place of use of the movers' vehicles follows their address (자동차관리법 시행령 제6조).
    follow_owner_address(Vehicle.objects.filter(owner_resident__in=[m.pk for m in plan.movers]),
                         address=destination.address_line, legal_dong_code=destination.legal_dong_code,
                         effective_on=moved_in_on, cause=cause)
    publish("registries.resident_changed", resident_ids=[str(m.pk) for m in plan.movers], change="moved",
            fields=["address"])
    resident.refresh_from_db()
    return resident


# ---------------------------------------------------------------- address history


@dataclass(frozen=True)
class AddressPeriod:
    """Where a resident was registered as living, from ``moved_in_on`` until ``moved_out_on`` (None: still)."""

    household_id: uuid.UUID
    address_line: str
    legal_dong_code: str
    admin_dong_code: str
    moved_in_on: date
    moved_out_on: date | None


def resident_address_history(*, resident_id: uuid.UUID) -> list[AddressPeriod]:
    """The resident's addresses, oldest first, rebuilt from the move events and the current record.

    Each move-in date starts a period; the household of the period is the resident's
    household as of that date, and its address is that household's address as of
    that date (a whole household that moves keeps its id and changes its address).
    A record imported without events has one period: the current one.
    """
    resident = get_or_none(Resident, resident_id)
    if resident is None:
        return []
    starts: list[date] = []
    for event in history.events_for(resident.pk):
        if event.kind != "resident.moved":
            continue
        before = event.before.get("moved_in_on")
        after = event.after.get("moved_in_on")
        if before and not starts:
            starts.append(date.fromisoformat(before))
        if after:
            starts.append(date.fromisoformat(after))
    if not starts and resident.moved_in_on is not None:
        starts.append(resident.moved_in_on)
    households: dict[Any, Household | None] = {}
    periods: list[AddressPeriod] = []
    for index, start in enumerate(starts):
        state = history.state_as_of(resident, start)
        household_id = state.get("household_id")
        if household_id is None:
            continue
        if household_id not in households:
            households[household_id] = Household.objects.filter(pk=household_id).first()
        household = households[household_id]
        if household is None:
            continue
        place = history.state_as_of(household, start)
        end = starts[index + 1] if index + 1 < len(starts) else None
        if end == start:
            continue
        periods.append(AddressPeriod(
            household_id=household.pk, address_line=address_line(place), legal_dong_code=place["legal_dong_code"],
            admin_dong_code=place["admin_dong_code"], moved_in_on=start, moved_out_on=end,
        ))
    return periods

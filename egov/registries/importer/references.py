"""The importer's checks of a row against the rows it refers to, and the words of its refusals.

Kept apart from the engine (which chunks, looks references up and writes) so each
reads on its own: these functions see one row, the facts of the rows it names
(birth and death dates, sex) and the rows accepted so far, and say which field is
wrong and why. :class:`Recent` is the bounded memory of rows loaded (or refused)
lately that the engine looks references up in before asking the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from egov.registries import rules
from egov.registries.importer.rows import CACHE_ROWS, EXTRA, ID, INFO, Row

ADOPTER_AGE = 19  # Civil Act art. 866: an adult may adopt


class Recent:
    """A bounded memory of ids (two generations of dicts): recently loaded rows, or recently rejected ones."""

    def __init__(self, limit: int = CACHE_ROWS) -> None:
        self.limit = limit
        self.new: dict[str, Any] = {}
        self.old: dict[str, Any] = {}

    def get(self, key: str) -> Any:
        found = self.new.get(key)
        return found if found is not None else self.old.get(key)

    def add(self, key: str, value: Any) -> None:
        if len(self.new) >= self.limit:
            self.old, self.new = self.new, {}
        self.new[key] = value

    def add_all(self, items: dict[str, Any]) -> None:
        """Many at once (a chunk's rows): the newer generation may pass the limit by one chunk."""
        if len(self.new) >= self.limit:
            self.old, self.new = self.new, {}
        self.new.update(items)

    def __bool__(self) -> bool:
        return bool(self.new) or bool(self.old)

    def discard(self, key: str) -> None:
        self.new.pop(key, None)
        self.old.pop(key, None)


def ordinal(value: Any) -> int:
    """A date from the database (a date, or ISO text on SQLite) as its ordinal."""
    day: date = date.fromisoformat(value) if isinstance(value, str) else value
    return day.toordinal()


def day_of(ordinal: int) -> date | None:
    return date.fromordinal(ordinal) if ordinal else None


_PARENTS = (("father_id", "M", True), ("mother_id", "F", False))


def _check_resident(row: Row, infos: dict[str, Any], accepted: dict[str, dict[str, Row]]) -> tuple[str, str] | None:
    if infos:
        birth = date.fromordinal(row[INFO][0])
        for name, sex, is_father in _PARENTS:
            info = infos.get(name)
            if info is None:
                continue
            parent_birth, parent_died, parent_sex = info
            if parent_sex != sex:
                return name, (_("The father is not a man on the register.") if is_father
                              else _("The mother is not a woman on the register."))
            try:
                rules.check_parent(parent_birth_date=date.fromordinal(parent_birth), child_birth_date=birth,
                                   parent_died_on=day_of(parent_died), father=is_father)
            except rules.RuleError as error:
                return name, str(error)
    household, relation = row[EXTRA]
    if household and relation == "head":
        home = accepted.get("households", {}).get(household)
        if home is not None and home[EXTRA][0] != row[ID]:
            return "household_relation", _("The household's head is another resident.")
    return None


def _check_household(row: Row, infos: dict[str, Any], accepted: dict[str, dict[str, Row]]) -> tuple[str, str] | None:
    head = row[EXTRA][0]
    if not head:
        return None
    member = accepted.get("residents", {}).get(head)
    if member is None or member[EXTRA][0] != row[ID]:
        return "head_id", _("The head %(id)s is not among the residents listed with this household in "
                            "residents.csv.") % {"id": shown_key(head)}
    if member[EXTRA][1] != "head":
        return "head_id", _("The head's relation to the household is not 'head' in residents.csv.")
    if member[INFO][1]:
        return "head_id", _("The head of a household cannot be deceased.")
    return None


def _check_marriage(row: Row, infos: dict[str, Any], accepted: dict[str, dict[str, Row]]) -> tuple[str, str] | None:
    married, ended, reason = row[EXTRA]
    for name in ("spouse_a_id", "spouse_b_id"):
        birth, died, _sex = infos[name]
        try:
            rules.check_marriage(birth_date=date.fromordinal(birth), married_on=date.fromordinal(married),
                                 died_on=day_of(died))
        except rules.RuleError as error:
            return name, str(error)
    if reason == "death" and ended not in (infos["spouse_a_id"][1], infos["spouse_b_id"][1]):
        return "ended_on", _("A marriage ended by a death ends on a spouse's date of death.")
    return None


def _check_adoption(row: Row, infos: dict[str, Any], accepted: dict[str, dict[str, Row]]) -> tuple[str, str] | None:
    adopted = row[EXTRA][0]
    parent_birth, child_birth = infos["parent_id"][0], infos["child_id"][0]
    if adopted < child_birth:
        return "adopted_on", _("A child cannot be adopted before its birth.")
    if parent_birth >= child_birth:
        return "parent_id", _("A child cannot be older than its parent.")
    if rules.age_on(date.fromordinal(parent_birth), date.fromordinal(adopted)) < ADOPTER_AGE:
        return "parent_id", _("An adoptive parent must be an adult (%(age)d or older).") % {"age": ADOPTER_AGE}
    return None


# The checks of a row against the rows it refers to, by table (beyond their existence).
ROW_CHECKS: dict[str, Callable[[Row, dict[str, Any], dict[str, dict[str, Row]]], tuple[str, str] | None]] = {
    "residents": _check_resident, "households": _check_household, "marriages": _check_marriage,
    "adoptions": _check_adoption,
}


def repeated_message(name: str, value: Any) -> str:
    """Why a row repeating a unique value already on the register is refused (never showing a blind index)."""
    if name == "identifier":
        return _("This registration number is on the register already.")
    if name == "plate_number":
        return _("The plate %(value)s is in use by a registered vehicle.") % {"value": value}
    messages = {
        "id": _("The id %(value)s is on the register already."),
        "registration_number": _("The business registration number %(value)s is on the register already."),
        "vin": _("The VIN %(value)s is on the register already."),
        "pnu": _("The parcel number %(value)s is on the register already."),
    }
    return messages.get(name, _("%(value)s is on the register already.")) % {"value": value}


def shown_key(key: str) -> str:
    """An id as people write it (with dashes), whatever form the database keeps it in."""
    return str(uuid.UUID(key)) if len(key) == 32 else key

"""Plausibility rules shared by the registries' services and the bulk importer.

Each returns nothing or raises :class:`RuleError` with a translated message; callers
add which record and which field it concerns.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

# Civil Act art. 807: marriage from the age of 18 (before 2013, 18 for men and 16 for women with consent).
MARRIAGE_AGE = 18
# A parent younger than this at the child's birth is not plausible enough to register unchecked.
MIN_PARENT_AGE = 12


class RuleError(ValueError):
    """A fact that cannot be true; ``str()`` is the translated reason."""


def age_on(birth_date: date, on: date) -> int:
    """Completed years of age on a date (Korean law counts in completed years, 만 나이)."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def check_not_future(value: date, *, today: date) -> None:
    if value > today:
        raise RuleError(_("The date %(date)s is in the future.") % {"date": value.isoformat()})


def check_death(*, birth_date: date, died_on: date) -> None:
    if died_on < birth_date:
        raise RuleError(_("The date of death is before the date of birth."))


def check_marriage(*, birth_date: date, married_on: date, died_on: date | None = None) -> None:
    if age_on(birth_date, married_on) < MARRIAGE_AGE:
        raise RuleError(
            _("A person must be at least %(age)d years old to marry (Civil Act art. 807).") % {"age": MARRIAGE_AGE}
        )
    if died_on is not None and died_on < married_on:
        raise RuleError(_("A person cannot marry after their date of death."))


def check_parent(*, parent_birth_date: date, child_birth_date: date, parent_died_on: date | None = None, father: bool = False) -> None:
    """A parent is older than the child by a plausible margin, and (a mother) alive at the birth."""
    if parent_birth_date >= child_birth_date:
        raise RuleError(_("A child cannot be older than its parent."))
    if age_on(parent_birth_date, child_birth_date) < MIN_PARENT_AGE:
        raise RuleError(
            _("A parent must be at least %(age)d years old at the child's birth.") % {"age": MIN_PARENT_AGE}
        )
    # A father may die before a posthumous birth (up to about ten months before it).
    if parent_died_on is not None:
        limit = parent_died_on if not father else date.fromordinal(parent_died_on.toordinal() + 310)
        if child_birth_date > limit:
            raise RuleError(_("A parent had died before the child's birth."))

"""Family relations (가족관계등록): births, marriages, divorces, deaths, adoptions and name changes.

Like the resident services, each one checks everything first and then writes the
record and its event (registry ``family``) in one transaction. The family relations
are read back, as of any date, by :mod:`egov.registries.family_certificates`.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from egov.core.crypto import blind_index
from egov.core.events import publish
from egov.registries import history, rules
from egov.registries.history import Cause
from egov.registries.models import (
    Adoption,
    AdoptionKind,
    Household,
    HouseholdRelation,
    Marriage,
    MarriageEnd,
    Registry,
    Resident,
    ResidentStatus,
)
from egov.registries.models.residents import IDENTIFIER_INDEX_KIND
from egov.registries.services.checks import (
    Problems,
    check_date,
    check_text,
    get_or_none,
    is_alive_on,
    require,
)
from egov.registries.services.residents import check_registration, write_registration

__all__ = [
    "adoption_dissolve",
    "adoption_register",
    "birth_register",
    "blood_degree",
    "current_marriage",
    "death_register",
    "divorce_register",
    "marriage_register",
    "name_change",
    "person_number_issue",
]

# Civil Act art. 866: an adult (19 or older, art. 4) may adopt.
ADOPTER_MIN_AGE = 19
# Civil Act art. 908-2(1)(ii): the child of a full adoption must be a minor (under
# 19) since the 2012 amendment in force from 1 July 2013 (it was under 15 before).
FULL_ADOPTION_CHILD_AGE_LIMIT = 19
# Civil Act art. 908-2(1)(i): a couple married for at least three years adopts
# together, or one spouse of a couple married for at least one year adopts the
# other's child.
FULL_ADOPTION_COUPLE_YEARS = 3
FULL_ADOPTION_STEPPARENT_YEARS = 1
# Civil Act art. 809: no marriage between blood relatives within the eighth degree
# (counted here through the register's parents, up to four generations each way).
MARRIAGE_BAR_DEGREE = 8
_GENERATIONS = 4
# A father may die before the birth of his child (rules.check_parent allows 310 days).
_POSTHUMOUS_DAYS = 310


def current_marriage(person_id: Any, on: date) -> Marriage | None:
    """The marriage the person is in at the end of ``on`` (none if it ended that day)."""
    return (
        Marriage.objects.filter(Q(spouse_a_id=person_id) | Q(spouse_b_id=person_id), married_on__lte=on)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
        .order_by("-married_on")
        .first()
    )


def spouse_id_in(marriage: Marriage, person_id: Any) -> Any:
    return marriage.spouse_b_id if str(marriage.spouse_a_id) == str(person_id) else marriage.spouse_a_id


def _ancestors(person_id: Any) -> dict[Any, int]:
    """Birth and adoptive ascendants up to four generations: id → generations up (the person is 0)."""
    found: dict[Any, int] = {person_id: 0}
    level = {person_id}
    for depth in range(1, _GENERATIONS + 1):
        parents: set[Any] = set()
        for father_id, mother_id in Resident.objects.filter(pk__in=level).values_list("father_id", "mother_id"):
            parents.update(p for p in (father_id, mother_id) if p is not None)
        parents.update(Adoption.objects.filter(child_id__in=level).values_list("parent_id", flat=True))
        level = {p for p in parents if p not in found}
        for parent in level:
            found[parent] = depth
        if not level:
            break
    return found


def blood_degree(a_id: Any, b_id: Any) -> int | None:
    """The degree of kinship (촌수) between two people through their common ascendants, if within reach."""
    up_a = _ancestors(a_id)
    up_b = _ancestors(b_id)
    degrees = [up_a[common] + up_b[common] for common in set(up_a) & set(up_b)]
    return min(degrees) if degrees else None


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# ---------------------------------------------------------------- birth


def _birth_relation(household: Household | None, parents: Iterable[Resident | None], birth_date: date) -> str:
    """The newborn's relation to the head: child of the head or of the head's spouse, grandchild of the head."""
    if household is None or household.head_id is None:
        return HouseholdRelation.CHILD
    parent_ids = {str(p.pk) for p in parents if p is not None}
    head_side = {str(household.head_id)}
    marriage = current_marriage(household.head_id, birth_date)
    if marriage is not None:
        head_side.add(str(spouse_id_in(marriage, household.head_id)))
    if parent_ids & head_side:
        return HouseholdRelation.CHILD
    for parent in parents:
        if (parent is not None and parent.household_id == household.pk
                and parent.household_relation in (HouseholdRelation.CHILD, HouseholdRelation.CHILD_IN_LAW)):
            return HouseholdRelation.GRANDCHILD
    return HouseholdRelation.OTHER


@transaction.atomic
def birth_register(
    *,
    identifier: str,
    identifier_issued_on: date,
    name_ko: str,
    name_en: str = "",
    birth_date: date,
    sex: str,
    father_id: uuid.UUID | None = None,
    mother_id: uuid.UUID | None = None,
    household_id: uuid.UUID,
    registration_base: str = "",
    cause: Cause,
) -> Resident:
    """A birth report (출생신고): a Korean child enters the family register and the resident register.

    The child joins the household as the head's child (the head or the head's
    spouse is a parent), grandchild (a parent is the head's child or child-in-law)
    or other. Without a registration base given, the child takes the father's, or
    the mother's.
    """
    problems = Problems()
    father = get_or_none(Resident, father_id)
    mother = get_or_none(Resident, mother_id)
    household = get_or_none(Household, household_id)
    relation: str = HouseholdRelation.CHILD
    if isinstance(birth_date, date):
        relation = _birth_relation(household, (father, mother), birth_date)
    base = registration_base or (father.registration_base if father else "") or (mother.registration_base if mother else "")
    plan = check_registration(
        problems, identifier=identifier, identifier_issued_on=identifier_issued_on, name_ko=name_ko,
        name_en=name_en, birth_date=birth_date, sex=sex, nationality="KOR", household_id=household_id,
        household_relation=relation, moved_in_on=birth_date, registration_base=base, father_id=father_id,
        mother_id=mother_id, phone="", email="", foreign_allowed=False,
    )
    problems.raise_if_any(_("The birth report of %(name)s") % {"name": name_ko or "?"})
    assert plan is not None
    resident = write_registration(plan, registered_on=birth_date, cause=cause, registry=Registry.FAMILY,
                                  kind="family.birth")
    history.record_event(
        registry=Registry.RESIDENTS, kind="resident.registered", entity=resident, effective_on=birth_date,
        cause=cause, after={"household_id": resident.household_id, "household_relation": resident.household_relation,
                            "moved_in_on": resident.moved_in_on},
    )
    return resident


# ---------------------------------------------------------------- marriage and divorce


@transaction.atomic
def marriage_register(*, spouse_a_id: uuid.UUID, spouse_b_id: uuid.UUID, married_on: date, cause: Cause) -> Marriage:
    """A marriage report (혼인신고).

    Both spouses are alive, at least 18 (Civil Act art. 807), in no other marriage on
    that date or later (art. 810), and not related within the eighth degree through
    the parents and adoptions on the register (art. 809).
    """
    spouse_a = get_or_none(Resident, spouse_a_id, for_update=True)
    spouse_b = get_or_none(Resident, spouse_b_id, for_update=True)
    problems = Problems()
    date_ok = check_date(problems, "married_on", married_on) is not None
    for field, spouse in (("spouse_a_id", spouse_a), ("spouse_b_id", spouse_b)):
        if spouse is None:
            problems.add(field, _("There is no such resident."))
            continue
        if not date_ok:
            continue
        try:
            rules.check_marriage(birth_date=spouse.birth_date, married_on=married_on, died_on=spouse.died_on)
        except rules.RuleError as error:
            problems.add(field, _("%(name)s: %(reason)s") % {"name": spouse.name_ko, "reason": error})
            continue
        if not is_alive_on(spouse, married_on):
            problems.add(field, _("%(name)s is registered as deceased.") % {"name": spouse.name_ko})
            continue
        other = Marriage.objects.filter(Q(spouse_a=spouse) | Q(spouse_b=spouse)).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=married_on)
        ).first()
        if other is not None:
            problems.add(field, _("%(name)s is married (since %(date)s) on that date; register the divorce first.")
                         % {"name": spouse.name_ko, "date": other.married_on.isoformat()})
    if spouse_a is not None and spouse_b is not None:
        if spouse_a.pk == spouse_b.pk:
            problems.add("spouse_b_id", _("A person cannot marry themselves."))
        elif not problems:
            degree = blood_degree(spouse_a.pk, spouse_b.pk)
            if degree is not None and degree <= MARRIAGE_BAR_DEGREE:
                problems.add("spouse_b_id", _("%(a)s and %(b)s are relatives of the %(degree)d degree; the Civil Act (art. 809) forbids their marriage.")
                             % {"a": spouse_a.name_ko, "b": spouse_b.name_ko, "degree": degree})
    names = " · ".join(p.name_ko for p in (spouse_a, spouse_b) if p is not None) or "?"
    problems.raise_if_any(_("The marriage report of %(names)s") % {"names": names})
    assert spouse_a is not None and spouse_b is not None
    marriage = Marriage.objects.create(spouse_a=spouse_a, spouse_b=spouse_b, married_on=married_on)
    history.record_event(
        registry=Registry.FAMILY, kind="family.marriage", entity=marriage, effective_on=married_on, cause=cause,
        after={"spouse_a_id": spouse_a.pk, "spouse_b_id": spouse_b.pk, "married_on": married_on},
    )
    return marriage


def _marriage_record(marriage: Marriage | None) -> str:
    if marriage is None:
        return _("The divorce report")
    names = Resident.objects.filter(pk__in=[marriage.spouse_a_id, marriage.spouse_b_id]).values_list("name_ko", flat=True)
    return _("The divorce report of %(names)s") % {"names": " · ".join(sorted(names))}


@transaction.atomic
def divorce_register(*, marriage_id: uuid.UUID, divorced_on: date, cause: Cause) -> Marriage:
    """A divorce report (이혼신고): the marriage ends on ``divorced_on``."""
    marriage = get_or_none(Marriage, marriage_id, for_update=True)
    record = _marriage_record(marriage)
    problems = Problems()
    if marriage is None:
        problems.add("marriage_id", _("There is no such marriage."))
        problems.raise_if_any(record)
    assert marriage is not None
    if marriage.ended_on is not None:
        problems.add("marriage_id", _("This marriage already ended on %(date)s.") % {"date": marriage.ended_on.isoformat()})
    check_date(problems, "divorced_on", divorced_on, not_before=marriage.married_on,
               not_before_message=_("A divorce cannot come before the marriage (%(date)s)."))
    problems.raise_if_any(record)
    history.record_change(
        registry=Registry.FAMILY, kind="family.divorce", entity=marriage,
        changes={"ended_on": divorced_on, "end_reason": MarriageEnd.DIVORCE}, effective_on=divorced_on, cause=cause,
    )
    return marriage


# ---------------------------------------------------------------- death


@transaction.atomic
def death_register(*, resident_id: uuid.UUID, died_on: date, cause: Cause) -> Resident:
    """A death report (사망신고): the resident is deceased from ``died_on`` and a marriage ends that day.

    Refused when the register holds facts the death would contradict: a marriage
    begun after it, a child born to the mother after it (or more than 310 days after
    it, to the father).
    """
    resident = require(Resident, resident_id, record=_("The death report"), field="resident_id")
    problems = Problems()
    if resident.status == ResidentStatus.DECEASED:
        problems.add("resident_id", _("The resident is already registered as deceased."))
    marriage: Marriage | None = None
    if check_date(problems, "died_on", died_on) is not None:
        try:
            rules.check_death(birth_date=resident.birth_date, died_on=died_on)
        except rules.RuleError as error:
            problems.add("died_on", str(error))
    if not problems.has("died_on"):
        later = Marriage.objects.filter(Q(spouse_a=resident) | Q(spouse_b=resident), married_on__gt=died_on).first()
        if later is not None:
            problems.add("died_on", _("The register shows a marriage on %(date)s, after that date.")
                         % {"date": later.married_on.isoformat()})
        limit = died_on + timedelta(days=_POSTHUMOUS_DAYS) if resident.sex == "M" else died_on
        child = Resident.objects.filter(Q(father=resident) | Q(mother=resident), birth_date__gt=limit).first()
        if child is not None:
            problems.add("died_on", _("The register shows a child born on %(date)s, after that date.")
                         % {"date": child.birth_date.isoformat()})
        marriage = Marriage.objects.select_for_update().filter(
            Q(spouse_a=resident) | Q(spouse_b=resident), ended_on__isnull=True
        ).first()
    problems.raise_if_any(_("The death report of %(name)s") % {"name": resident.name_ko})
    history.record_change(
        registry=Registry.FAMILY, kind="family.death", entity=resident,
        changes={"status": ResidentStatus.DECEASED, "died_on": died_on}, effective_on=died_on, cause=cause,
    )
    if marriage is not None:
        history.record_change(
            registry=Registry.FAMILY, kind="family.death", entity=marriage,
            changes={"ended_on": died_on, "end_reason": MarriageEnd.DEATH}, effective_on=died_on, cause=cause,
        )
    # Documents about the person are no longer true (certificates revokes them, after commit).
    publish("registries.resident_changed", resident_ids=[str(resident.pk)], change="death", fields=["status"])
    return resident


# ---------------------------------------------------------------- adoption


@transaction.atomic
def adoption_register(
    *, parent_ids: list[uuid.UUID], child_id: uuid.UUID, kind: str, adopted_on: date, cause: Cause
) -> list[Adoption]:
    """An adoption (입양) or a full adoption (친양자 입양): one row per adoptive parent.

    Every adoptive parent is an adult (Civil Act art. 866), alive and older than the
    child. Two adoptive parents are married to each other on that date. A full
    adoption (art. 908-2) takes a minor child and either a couple married for three
    years or more adopting together, or one spouse of a marriage of a year or more
    adopting the other spouse's child.
    """
    child = require(Resident, child_id, record=_("The adoption report"), field="child_id")
    record = _("The adoption report of %(name)s") % {"name": child.name_ko}
    problems = Problems()
    if kind not in AdoptionKind.values:
        problems.add("kind", _("Choose adoption or full adoption."))
    date_ok = check_date(problems, "adopted_on", adopted_on, not_before=child.birth_date,
                         not_before_message=_("An adoption cannot come before the child's birth.")) is not None
    ids = list(parent_ids or [])
    if not 1 <= len(ids) <= 2 or len({str(i) for i in ids}) != len(ids):
        problems.add("parent_ids", _("Give one or two different adoptive parents."))
        problems.raise_if_any(record)
    parents: list[Resident] = []
    for parent_id in ids:
        parent = get_or_none(Resident, parent_id)
        if parent is None:
            problems.add("parent_ids", _("There is no such resident."))
            continue
        if parent.pk == child.pk:
            problems.add("parent_ids", _("A person cannot adopt themselves."))
            continue
        parents.append(parent)
        if not date_ok:
            continue
        if rules.age_on(parent.birth_date, adopted_on) < ADOPTER_MIN_AGE:
            problems.add("parent_ids", _("%(name)s is not yet an adult and cannot adopt (Civil Act art. 866).")
                         % {"name": parent.name_ko})
        if parent.birth_date >= child.birth_date:
            problems.add("parent_ids", _("%(name)s is not older than the child.") % {"name": parent.name_ko})
        if not is_alive_on(parent, adopted_on):
            problems.add("parent_ids", _("%(name)s is registered as deceased.") % {"name": parent.name_ko})
        if Adoption.objects.filter(parent=parent, child=child, dissolved_on__isnull=True).exists():
            problems.add("parent_ids", _("%(name)s has already adopted this child.") % {"name": parent.name_ko})
    if date_ok and not is_alive_on(child, adopted_on):
        problems.add("child_id", _("%(name)s is registered as deceased.") % {"name": child.name_ko})
    if date_ok and len(parents) == 2 and not problems.has("parent_ids"):
        marriage = current_marriage(parents[0].pk, adopted_on)
        if marriage is None or str(spouse_id_in(marriage, parents[0].pk)) != str(parents[1].pk):
            problems.add("parent_ids", _("Two adoptive parents must be married to each other."))
    if date_ok and kind == AdoptionKind.FULL and parents and not problems.has("parent_ids"):
        _check_full_adoption(problems, parents, child, adopted_on)
    problems.raise_if_any(record)
    adoptions = []
    for parent in parents:
        adoption = Adoption.objects.create(parent=parent, child=child, kind=kind, adopted_on=adopted_on)
        history.record_event(
            registry=Registry.FAMILY, kind="family.adoption", entity=adoption, effective_on=adopted_on, cause=cause,
            after={"parent_id": parent.pk, "child_id": child.pk, "kind": kind, "adopted_on": adopted_on},
        )
        adoptions.append(adoption)
    return adoptions


def _check_full_adoption(problems: Problems, parents: list[Resident], child: Resident, adopted_on: date) -> None:
    if rules.age_on(child.birth_date, adopted_on) >= FULL_ADOPTION_CHILD_AGE_LIMIT:
        problems.add("child_id", _("A full adoption takes a minor child (Civil Act art. 908-2)."))
    if Adoption.objects.filter(child=child, kind=AdoptionKind.FULL, dissolved_on__isnull=True).exists():
        problems.add("child_id", _("%(name)s is already fully adopted.") % {"name": child.name_ko})
    marriage = current_marriage(parents[0].pk, adopted_on)
    if len(parents) == 2:
        assert marriage is not None  # checked by the caller: they are married to each other
        if marriage.married_on > _years_before(adopted_on, FULL_ADOPTION_COUPLE_YEARS):
            problems.add("parent_ids", _("A couple adopting fully must have been married for at least three years (Civil Act art. 908-2)."))
        return
    spouse_id = spouse_id_in(marriage, parents[0].pk) if marriage else None
    birth_parents = {str(child.father_id), str(child.mother_id)}
    if spouse_id is None or str(spouse_id) not in birth_parents:
        problems.add("parent_ids", _("A full adoption is made by a married couple together, or by one spouse adopting the other's child (Civil Act art. 908-2)."))
    elif marriage is not None and marriage.married_on > _years_before(adopted_on, FULL_ADOPTION_STEPPARENT_YEARS):
        problems.add("parent_ids", _("To adopt a spouse's child fully, the marriage must have lasted at least one year (Civil Act art. 908-2)."))


@transaction.atomic
def adoption_dissolve(*, adoption_id: uuid.UUID, dissolved_on: date, cause: Cause) -> Adoption:
    """The dissolution of an adoption (파양) between one adoptive parent and the child."""
    adoption = require(Adoption, adoption_id, record=_("The dissolution of an adoption"), field="adoption_id",
                       message=_("There is no such adoption."))
    child_name = Resident.objects.filter(pk=adoption.child_id).values_list("name_ko", flat=True).first() or "?"
    problems = Problems()
    if adoption.dissolved_on is not None:
        problems.add("adoption_id", _("This adoption was already dissolved on %(date)s.")
                     % {"date": adoption.dissolved_on.isoformat()})
    check_date(problems, "dissolved_on", dissolved_on, not_before=adoption.adopted_on,
               not_before_message=_("An adoption cannot be dissolved before it was made (%(date)s)."))
    problems.raise_if_any(_("The dissolution of the adoption of %(name)s") % {"name": child_name})
    history.record_change(registry=Registry.FAMILY, kind="family.adoption_dissolved", entity=adoption,
                          changes={"dissolved_on": dissolved_on}, effective_on=dissolved_on, cause=cause)
    return adoption


# ---------------------------------------------------------------- name change


@transaction.atomic
def name_change(*, resident_id: uuid.UUID, name_ko: str, name_en: str = "", effective_on: date, cause: Cause) -> Resident:
    """A change of name (개명신고) from ``effective_on``; the register as of an earlier date keeps the old name.

    An empty ``name_en`` keeps the romanised name on the record.
    """
    resident = require(Resident, resident_id, record=_("The change of name"), field="resident_id")
    problems = Problems()
    name_ko = check_text(problems, "name_ko", name_ko, max_length=60, required=True)
    name_en = check_text(problems, "name_en", name_en, max_length=120, required=False)
    if resident.status == ResidentStatus.DECEASED:
        problems.add("resident_id", _("The resident is registered as deceased."))
    check_date(problems, "effective_on", effective_on, not_before=resident.birth_date,
               not_before_message=_("The date is before the resident's date of birth."))
    changes: dict[str, Any] = {}
    if not problems:
        if name_ko != resident.name_ko:
            changes["name_ko"] = name_ko
        if name_en and name_en != resident.name_en:
            changes["name_en"] = name_en
        if not changes:
            problems.add("name_ko", _("This is already the resident's name."))
        elif any(e.kind == "family.name_change" for e in history.events_for(resident.pk, after=effective_on)):
            problems.add("effective_on", _("A later change of name is already registered."))
    problems.raise_if_any(_("The change of name of %(name)s") % {"name": resident.name_ko})
    history.record_change(registry=Registry.FAMILY, kind="family.name_change", entity=resident, changes=changes,
                          effective_on=effective_on, cause=cause)
    publish("registries.resident_changed", resident_ids=[str(resident.pk)], change="name_changed",
            fields=sorted(changes))
    return resident


def person_number_issue(*, birth_date: date, sex: str) -> str:
    """A resident registration number no one has, for a Korean child whose birth is reported.

    Since October 2020 the seven digits after the date of birth and the century/sex
    digit are a random serial without a check digit (the region of birth is no longer
    encoded); the blind index tells whether the number is taken.
    """
    seventh = {(1900, "M"): "1", (1900, "F"): "2", (2000, "M"): "3", (2000, "F"): "4"}[
        (birth_date.year // 100 * 100, sex)]
    front = birth_date.strftime("%y%m%d") + seventh
    chooser = secrets.SystemRandom()
    while True:
        number = front + f"{chooser.randrange(0, 1000000):06d}"
        if not Resident.objects.filter(identifier_index=blind_index(number, kind=IDENTIFIER_INDEX_KIND)).exists():
            return number

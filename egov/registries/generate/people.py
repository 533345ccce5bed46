"""Households and families of the synthetic country, generated one household at a time.

Each household is drawn whole — its place (by census population), its size (the
resident register's distribution, 41 % one-person households), its kind (a single
person, a couple, a family with children, three generations, a single parent, an
adult living with a parent) — with dates that agree: parents 22 to 40 years older
than their children (fathers up to 45), marriages after both spouses' eighteenth
birthdays, deaths after births and after the births of the deceased's children,
registration numbers issued at birth (or in 1975 for people born before the present
numbers). Parents living elsewhere come from a bounded pool of older people
generated earlier, or are written as deceased, so that every reference points to a
row already written and families span three generations without the generator
remembering anyone beyond that pool.
"""

from __future__ import annotations

import random
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta

from egov.registries.generate import names
from egov.registries.generate.numbers import Numbers
from egov.registries.generate.output import CsvOutput
from egov.registries.generate.places import Country, Place

RRN_SINCE = date(1975, 9, 1)  # the present 13-digit numbers
# Resident-register household sizes (end of 2024): 1, 2, 3, 4, 5, 6 people.
HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
HOUSEHOLD_SIZE_WEIGHTS = (41.8, 24.6, 16.6, 12.8, 3.5, 0.7)
# Ages of people living alone: 20s, 30s, … 80s.
SINGLE_AGE_BANDS = ((20, 29, 18), (30, 39, 17), (40, 49, 13), (50, 59, 16), (60, 69, 17), (70, 79, 11), (80, 95, 8))
POOL_YEAR_LIMIT = 64  # entries kept per birth year in each pool


@dataclass
class Person:
    id: str
    sex: str
    birth: date
    family: tuple[str, str]
    given: str
    registration_base: str
    foreign: bool = False
    nationality: str = "KOR"
    name_ko: str = ""
    name_en: str = ""
    died_on: date | None = None
    relation: str = ""
    father_id: str = ""
    mother_id: str = ""
    moved_in_on: date | None = None

    @property
    def living(self) -> bool:
        return self.died_on is None


@dataclass
class PoolParents:
    """Older people generated earlier who may be the parents of an adult generated later."""

    father: Person | None
    mother: Person | None
    slots: int

    @property
    def birth_year(self) -> int:
        person = self.mother or self.father
        assert person is not None
        return person.birth.year


@dataclass
class Marriage:
    a: Person
    b: Person
    married_on: date
    ended_on: date | None = None
    end_reason: str = ""


@dataclass
class HouseholdDraft:
    place: Place
    members: list[Person] = field(default_factory=list)  # head first
    extras: list[Person] = field(default_factory=list)  # not members (deceased), written before the members
    marriages: list[Marriage] = field(default_factory=list)
    adoptions: list[tuple[Person, Person, str, date]] = field(default_factory=list)

    @property
    def head(self) -> Person:
        return self.members[0]


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class PeopleGenerator:
    """The part of the generator that makes people, households and family links."""

    def __init__(self, *, seed: int, out: CsvOutput, country: Country, as_of: date, residents: int) -> None:
        self.rng = random.Random(seed)
        self._ids = random.Random(f"egov-registries-ids:{seed}")
        self.out = out
        self.country = country
        self.as_of = as_of
        self.remaining = residents
        self.numbers = Numbers()
        self.parent_pool: dict[int, deque[PoolParents]] = {}
        self.single_pool: dict[tuple[str, int], deque[Person]] = {}
        self._households = 0

    # --- small helpers -------------------------------------------------------------------

    def new_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def day_between(self, low: date, high: date) -> date:
        if high <= low:
            return low
        return date.fromordinal(self.rng.randint(low.toordinal(), high.toordinal()))

    def birth_for_age(self, age: int) -> date:
        """A birth date of someone who is ``age`` on the reference date."""
        latest = add_years(self.as_of, -age)
        return self.day_between(add_years(latest, -1) + timedelta(days=1), latest)

    def registration_base(self) -> str:
        place = self.country.pick(self.rng.random())
        legal = self.rng.choice(place.countryside)
        area = " ".join(p for p in (place.sido, place.sigungu, legal.name) if p)
        return f"{area} {self.rng.randint(1, 999)}"

    def person(self, *, sex: str, birth: date, family: tuple[str, str] | None = None, base: str = "",
               died_on: date | None = None) -> Person:
        family = family or names.surname(self.rng)
        given = names.given_name(self.rng, sex=sex, birth_year=birth.year)
        name_ko, name_en = names.full_name(family, given)
        return Person(id=self.new_id(), sex=sex, birth=birth, family=family, given=given,
                      registration_base=base or self.registration_base(), name_ko=name_ko, name_en=name_en,
                      died_on=died_on)

    def foreigner(self, *, birth: date) -> Person:
        nationality, sex, name_ko, name_en = self.rng.choice(names.FOREIGN_NAMES)
        return Person(id=self.new_id(), sex=sex, birth=birth, family=("", ""), given="", registration_base="",
                      foreign=True, nationality=nationality, name_ko=name_ko, name_en=name_en)

    def death_after(self, person: Person, *, not_before: date) -> date | None:
        """A date of death after ``not_before`` and before the reference date, or None if too late."""
        low = max(not_before, add_years(person.birth, 45), date(1976, 1, 1))
        if low >= self.as_of:
            return None
        return self.day_between(low, self.as_of - timedelta(days=1))

    # --- households ----------------------------------------------------------------------

    def household_draft(self) -> HouseholdDraft:
        rng = self.rng
        place = self.country.pick(rng.random())
        draft = HouseholdDraft(place=place)
        size = rng.choices(HOUSEHOLD_SIZES, weights=HOUSEHOLD_SIZE_WEIGHTS)[0]
        size = min(size, self.remaining)
        if size == 1:
            self._single(draft)
        elif size == 2:
            roll = rng.random()
            if roll < 0.62:
                self._couple(draft, children=0)
            elif roll < 0.85:
                self._single_parent(draft, children=1)
            else:
                self._with_parent(draft)
        else:
            roll = rng.random()
            if size >= 4 and roll < 0.12:
                self._three_generations(draft, children=size - 3)
            elif roll < 0.22:
                self._single_parent(draft, children=size - 1)
            else:
                self._couple(draft, children=size - 2)
        self.remaining -= len(draft.members) + len(draft.extras)
        self._households += 1
        return draft

    def _budget(self, draft: HouseholdDraft, planned: int, extra: int) -> bool:
        """Whether ``extra`` more rows fit in the requested number of residents."""
        return len(draft.extras) + planned + extra <= self.remaining

    def _single(self, draft: HouseholdDraft) -> None:
        rng = self.rng
        low, high, _ = rng.choices(SINGLE_AGE_BANDS, weights=[w for _, _, w in SINGLE_AGE_BANDS])[0]
        age = rng.randint(low, high)
        if rng.random() < 0.03 and age < 60:
            person = self.foreigner(birth=self.birth_for_age(age))
            person.relation = "head"
            draft.members.append(person)
            return
        sex = "F" if rng.random() < (0.62 if age >= 65 else 0.45) else "M"
        person = self.person(sex=sex, birth=self.birth_for_age(age))
        person.relation = "head"
        self._link_parents(draft, person, planned=1)
        roll = rng.random()
        if age >= 65 and roll < 0.45 and self._budget(draft, 1, 1):
            self._widowed(draft, person, planned=1)
        elif 33 <= age < 70 and roll < 0.15:
            self._divorced(draft, person)
        elif 30 <= age < 65 and roll < 0.5:
            self._pool_single(person)
        draft.members.append(person)
        if age >= 58:
            self._pool_parents(father=person if sex == "M" else None, mother=person if sex == "F" else None)

    def _spouse_for(self, person: Person, *, family_of_spouse: tuple[str, str] | None = None) -> Person:
        gap = max(-4, min(10, round(self.rng.gauss(2.5, 2.5))))
        sex = "F" if person.sex == "M" else "M"
        birth = add_years(person.birth, gap if sex == "F" else -gap) + timedelta(days=self.rng.randint(-150, 150))
        birth = min(birth, add_years(self.as_of, -20))
        return self.person(sex=sex, birth=birth, family=family_of_spouse)

    def _marry(self, draft: HouseholdDraft, husband: Person, wife: Person, *, before: date | None = None) -> Marriage:
        adult = max(add_years(husband.birth, 18), add_years(wife.birth, 18)) + timedelta(days=1)
        if before is not None:
            married_on = self.day_between(max(adult, before - timedelta(days=4 * 365)), before - timedelta(days=200))
        else:
            married_on = self.day_between(max(adult, add_years(wife.birth, 24)), add_years(wife.birth, 36))
        married_on = min(max(married_on, adult), self.as_of)
        marriage = Marriage(husband, wife, married_on)
        draft.marriages.append(marriage)
        return marriage

    def _couple(self, draft: HouseholdDraft, *, children: int) -> None:
        rng = self.rng
        if children == 0:
            age = rng.choice((rng.randint(25, 39), rng.randint(50, 88), rng.randint(55, 80)))
        else:
            age = 0  # set from the children below
        husband_first = rng.random() < 0.8
        if children == 0:
            husband = self.person(sex="M", birth=self.birth_for_age(age))
            wife = self._spouse_for(husband)
            members = [husband, wife] if husband_first else [wife, husband]
            members[0].relation, members[1].relation = "head", "spouse"
            for person in members:
                self._link_parents(draft, person, planned=2)
            self._marry(draft, husband, wife)
            draft.members.extend(members)
            if age >= 50:
                self._pool_parents(father=husband, mother=wife)
            return
        kids, mother_birth = self._children_plan(children)
        father_gap = max(-3, min(7, round(rng.gauss(2.5, 2.5))))
        father_birth = add_years(mother_birth, -father_gap) + timedelta(days=rng.randint(-150, 150))
        father_birth = max(father_birth, add_years(kids[-1], -45))
        father_birth = min(father_birth, add_years(kids[0], -20))
        husband = self.person(sex="M", birth=father_birth)
        wife = self.person(sex="F", birth=mother_birth)
        members = [husband, wife] if husband_first else [wife, husband]
        members[0].relation, members[1].relation = "head", "spouse"
        for person in members:
            self._link_parents(draft, person, planned=2 + children)
        self._marry(draft, husband, wife, before=kids[0])
        draft.members.extend(members)
        adopted = rng.random() < 0.006
        for birth in kids:
            child = self.person(sex=rng.choice("MF"), birth=birth, family=husband.family,
                                base=husband.registration_base)
            child.relation = "child"
            if adopted and birth == kids[-1] and birth > add_years(self.as_of, -18):
                self._adopt(draft, child, (husband, wife))
            else:
                child.father_id, child.mother_id = husband.id, wife.id
            draft.members.append(child)

    def _children_plan(self, count: int) -> tuple[list[date], date]:
        """Birth dates of ``count`` children (eldest first) and their mother's, 22 to 40 years apart."""
        rng = self.rng
        eldest_age = rng.choice((rng.randint(2, 14), rng.randint(8, 24), rng.randint(12, 32)))
        ages = [eldest_age]
        for _ in range(count - 1):
            ages.append(ages[-1] - rng.randint(1, 4))
        if ages[-1] < 0:
            ages = [a - ages[-1] for a in ages]
        kids = [self.birth_for_age(a) for a in ages]
        kids = sorted(set(kids))  # eldest first; twins on one day collapse below
        while len(kids) < count:
            kids.append(kids[-1] + timedelta(days=400))
        kids = [min(k, self.as_of) for k in kids]
        span = (kids[-1] - kids[0]).days // 365
        first_age = rng.randint(22, max(22, 40 - span))
        mother_birth = add_years(kids[0], -first_age) - timedelta(days=rng.randint(0, 300))
        return kids, mother_birth

    def _adopt(self, draft: HouseholdDraft, child: Person, parents: tuple[Person, Person]) -> None:
        adopted_on = self.day_between(child.birth + timedelta(days=60), min(self.as_of, add_years(child.birth, 12)))
        kind = "full" if self.rng.random() < 0.6 else "adoption"
        for parent in parents:
            if adopted_on >= add_years(parent.birth, 25):
                draft.adoptions.append((parent, child, kind, adopted_on))

    def _single_parent(self, draft: HouseholdDraft, *, children: int) -> None:
        rng = self.rng
        kids, mother_birth = self._children_plan(children)
        is_mother = rng.random() < 0.75
        if is_mother:
            parent = self.person(sex="F", birth=mother_birth)
        else:
            father_birth = min(add_years(mother_birth, -rng.randint(0, 4)), add_years(kids[0], -20))
            parent = self.person(sex="M", birth=max(father_birth, add_years(kids[-1], -45)))
        parent.relation = "head"
        self._link_parents(draft, parent, planned=1 + children)
        other: Person | None = None
        if rng.random() < 0.2 and self._budget(draft, 1 + children, 1):
            other = self._widowed(draft, parent, planned=1 + children, not_before=kids[-1] + timedelta(days=1))
        else:
            other = self._divorced(draft, parent, not_before=kids[-1])
        draft.members.append(parent)
        family = parent.family if parent.sex == "M" or other is None else other.family
        base = parent.registration_base if parent.sex == "M" or other is None else other.registration_base
        for birth in kids:
            child = self.person(sex=rng.choice("MF"), birth=birth, family=family, base=base)
            child.relation = "child"
            if parent.sex == "F":
                child.mother_id = parent.id
                child.father_id = other.id if other is not None and self._could_father(other, birth) else ""
            else:
                child.father_id = parent.id
                child.mother_id = other.id if other is not None and self._could_mother(other, birth) else ""
            draft.members.append(child)

    def _could_father(self, father: Person, birth: date) -> bool:
        alive = father.died_on is None or father.died_on >= birth - timedelta(days=300)
        return alive and add_years(father.birth, 18) <= birth <= add_years(father.birth, 50)

    def _could_mother(self, mother: Person, birth: date) -> bool:
        alive = mother.died_on is None or mother.died_on >= birth
        return alive and add_years(mother.birth, 18) <= birth <= add_years(mother.birth, 45)

    def _with_parent(self, draft: HouseholdDraft) -> None:
        """An adult living with an elderly parent (the adult is the head)."""
        rng = self.rng
        age = rng.randint(35, 62)
        head = self.person(sex=rng.choice("MF"), birth=self.birth_for_age(age))
        head.relation = "head"
        gap = rng.randint(22, 38)
        parent_sex = "F" if rng.random() < 0.75 else "M"
        parent_birth = add_years(head.birth, -gap) - timedelta(days=rng.randint(0, 300))
        if parent_birth < add_years(self.as_of, -100):
            parent_birth = add_years(self.as_of, -99)
            head.birth = max(head.birth, add_years(parent_birth, 23))
        parent = self.person(sex=parent_sex, birth=parent_birth,
                             family=head.family if parent_sex == "M" else None,
                             base=head.registration_base)
        parent.relation = "parent"
        if parent_sex == "F":
            head.mother_id = parent.id
        else:
            head.father_id = parent.id
        if self._budget(draft, 2, 1):
            other = self._widowed(draft, parent, planned=2, not_before=head.birth + timedelta(days=1),
                                  family=head.family if parent_sex == "F" else None)
            if other is not None:
                if parent_sex == "F" and self._could_father(other, head.birth):
                    head.father_id = other.id
                elif parent_sex == "M" and self._could_mother(other, head.birth):
                    head.mother_id = other.id
        draft.members.extend([head, parent])

    def _three_generations(self, draft: HouseholdDraft, *, children: int) -> None:
        """A couple with their children and the husband's widowed mother."""
        self._couple(draft, children=children)
        husband = next(p for p in draft.members if p.sex == "M" and p.relation in ("head", "spouse"))
        head = draft.members[0]
        grandmother_birth = add_years(husband.birth, -self.rng.randint(23, 36)) - timedelta(days=self.rng.randint(0, 300))
        if grandmother_birth < add_years(self.as_of, -100):
            return
        grandmother = self.person(sex="F", birth=grandmother_birth, base=husband.registration_base)
        grandmother.relation = "parent" if head is husband else "parent_in_law"
        husband.mother_id = grandmother.id
        husband.father_id = ""
        if self._budget(draft, len(draft.members) + 1, 1):
            grandfather = self._widowed(draft, grandmother, planned=len(draft.members) + 1,
                                        not_before=husband.birth + timedelta(days=1), family=husband.family)
            if grandfather is not None and self._could_father(grandfather, husband.birth):
                husband.father_id = grandfather.id
        draft.members.append(grandmother)

    # --- relations outside the household -------------------------------------------------------

    def _widowed(self, draft: HouseholdDraft, person: Person, *, planned: int, not_before: date | None = None,
                 family: tuple[str, str] | None = None) -> Person | None:
        """Give ``person`` a deceased spouse (written as a non-member) and a marriage ended by the death."""
        if not self._budget(draft, planned, 1):
            return None
        spouse = self._spouse_for(person, family_of_spouse=family)
        husband, wife = (person, spouse) if person.sex == "M" else (spouse, person)
        marriage = self._marry(draft, husband, wife, before=not_before)
        died_on = self.death_after(spouse, not_before=max(marriage.married_on, not_before or marriage.married_on))
        if died_on is None:
            draft.marriages.pop()
            return None
        spouse.died_on = died_on
        marriage.ended_on = died_on
        marriage.end_reason = "death"
        self._link_parents(draft, spouse, planned=planned + 1, living_allowed=False)
        draft.extras.append(spouse)
        return spouse

    def _divorced(self, draft: HouseholdDraft, person: Person, *, not_before: date | None = None) -> Person | None:
        """Marry ``person`` in the past to a single of the other sex from the pool, then divorce them."""
        sex = "F" if person.sex == "M" else "M"
        for delta in (0, 1, -1, 2, -2, 3, -3):
            queue = self.single_pool.get((sex, person.birth.year + delta))
            if queue:
                ex = queue.popleft()
                break
        else:
            return None
        husband, wife = (person, ex) if person.sex == "M" else (ex, person)
        marriage = self._marry(draft, husband, wife, before=not_before)
        low = max(marriage.married_on + timedelta(days=365), not_before or marriage.married_on)
        if low >= self.as_of:
            draft.marriages.pop()
            return None
        marriage.ended_on = self.day_between(low, self.as_of)
        marriage.end_reason = "divorce"
        return ex

    def _pool_single(self, person: Person) -> None:
        queue = self.single_pool.setdefault((person.sex, person.birth.year), deque(maxlen=POOL_YEAR_LIMIT))
        queue.append(person)

    def _pool_parents(self, *, father: Person | None, mother: Person | None) -> None:
        entry = PoolParents(father=father, mother=mother, slots=self.rng.randint(1, 3))
        self.parent_pool.setdefault(entry.birth_year, deque(maxlen=POOL_YEAR_LIMIT)).append(entry)

    def _link_parents(self, draft: HouseholdDraft, person: Person, *, planned: int, living_allowed: bool = True) -> None:
        """Find the parents of an adult: older people generated earlier, or deceased parents written now."""
        rng = self.rng
        if person.foreign or person.father_id or person.mother_id:
            return
        if living_allowed and rng.random() < 0.7:
            target = person.birth.year - rng.randint(23, 36)
            for delta in (0, 1, -1, 2, -2):
                queue = self.parent_pool.get(target + delta)
                if not queue:
                    continue
                entry = queue[0]
                if self._fits(entry, person):
                    entry.slots -= 1
                    if entry.slots <= 0:
                        queue.popleft()
                    if entry.father is not None:
                        person.father_id = entry.father.id
                        person.family = entry.father.family
                        person.name_ko, person.name_en = names.full_name(person.family, person.given)
                        person.registration_base = entry.father.registration_base
                    if entry.mother is not None:
                        person.mother_id = entry.mother.id
                    return
        if rng.random() < 0.12 and self._budget(draft, planned, 2):
            self._deceased_parents(draft, person, planned=planned)

    def _fits(self, entry: PoolParents, child: Person) -> bool:
        if entry.father is not None and not self._could_father(entry.father, child.birth):
            return False
        if entry.mother is not None and not self._could_mother(entry.mother, child.birth):
            return False
        for parent in (entry.father, entry.mother):
            if parent is not None and parent.birth.year < child.birth.year - 40:
                return False
            if parent is not None and parent.birth.year > child.birth.year - 20:
                return False
        return True

    def _deceased_parents(self, draft: HouseholdDraft, child: Person, *, planned: int) -> None:
        rng = self.rng
        mother_birth = add_years(child.birth, -rng.randint(22, 38)) - timedelta(days=rng.randint(0, 300))
        father_birth = add_years(mother_birth, -rng.randint(0, 5)) - timedelta(days=rng.randint(0, 200))
        father_birth = max(father_birth, add_years(child.birth, -40))
        father = self.person(sex="M", birth=father_birth, family=child.family, base=child.registration_base)
        mother = self.person(sex="F", birth=mother_birth, base=child.registration_base)
        father.died_on = self.death_after(father, not_before=child.birth + timedelta(days=365))
        mother.died_on = self.death_after(mother, not_before=child.birth + timedelta(days=365))
        if father.died_on is None or mother.died_on is None:
            return
        adult = max(add_years(father.birth, 18), add_years(mother.birth, 18)) + timedelta(days=1)
        married_on = self.day_between(max(adult, child.birth - timedelta(days=5 * 365)), child.birth - timedelta(days=200))
        married_on = max(married_on, adult)
        first_death = min(father.died_on, mother.died_on)
        if married_on > first_death:
            return
        draft.extras.extend([father, mother])
        draft.marriages.append(Marriage(father, mother, married_on, first_death, "death"))
        child.father_id, child.mother_id = father.id, mother.id

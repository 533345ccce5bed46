"""Family relation services: birth, marriage, divorce, death, adoption and change of name."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from egov.core.errors import ValidationError
from egov.registries import history
from egov.registries.models import Adoption, Household, Marriage, RegistryEvent, Resident
from egov.registries.services.checks import field_label
from egov.registries.services.family import (
    adoption_dissolve,
    adoption_register,
    birth_register,
    death_register,
    divorce_register,
    marriage_register,
    name_change,
)
from egov.registries.tests.factories import make_cause, make_person_number, make_resident

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Household, Resident, Marriage, Adoption, RegistryEvent))


def refused(call: Callable[[], Any], field: str) -> ValidationError:
    """The service refuses, naming the field, and writes nothing."""
    before = counts()
    with pytest.raises(ValidationError) as caught:
        call()
    assert field in caught.value.field_errors, caught.value.field_errors
    assert field_label(field) in caught.value.message
    assert counts() == before
    return caught.value


def couple(married_on: date = date(2010, 5, 1)) -> tuple[Resident, Resident, Marriage]:
    husband = make_resident(name_ko="김철수", birth_date=date(1980, 3, 1), sex="M", moved_in_on=date(2005, 1, 1))
    wife = make_resident(name_ko="이영희", birth_date=date(1982, 7, 7), sex="F", household=husband.household,
                         household_relation="spouse", moved_in_on=married_on)
    marriage = marriage_register(spouse_a_id=husband.id, spouse_b_id=wife.id, married_on=married_on, cause=make_cause())
    return husband, wife, marriage


def birth(household: Household, *, born: date, sex: str = "F", name: str = "김아름", **kwargs: Any) -> Resident:
    return birth_register(identifier=make_person_number(birth_date=born, sex=sex), identifier_issued_on=born,
                          name_ko=name, birth_date=born, sex=sex, household_id=household.id, cause=make_cause(),
                          **kwargs)


# ---------------------------------------------------------------- birth


def test_a_birth_enters_the_child_in_both_registers_as_the_heads_child() -> None:
    husband, wife, _ = couple()
    child = birth(husband.household, born=date(2012, 1, 20), father_id=husband.id, mother_id=wife.id)
    assert (child.household_id, child.household_relation, child.moved_in_on) == (husband.household_id, "child",
                                                                                 date(2012, 1, 20))
    assert child.registration_base == husband.registration_base
    kinds = {(e.registry, e.kind) for e in RegistryEvent.objects.filter(entity_id=child.id)}
    assert kinds == {("family", "family.birth"), ("residents", "resident.registered")}


def test_a_child_of_the_heads_son_is_a_grandchild() -> None:
    grandpa = make_resident(name_ko="김노인", birth_date=date(1950, 1, 1), moved_in_on=date(1980, 1, 1))
    son = make_resident(name_ko="김아들", birth_date=date(1978, 1, 1), household=grandpa.household,
                        household_relation="child", moved_in_on=date(1980, 1, 1))
    baby = birth(grandpa.household, born=date(2015, 5, 5), father_id=son.id)
    assert baby.household_relation == "grandchild"


@pytest.mark.parametrize(
    ("setup", "field"),
    [
        (lambda h, w: {"mother_id": make_resident(sex="F", birth_date=date(2013, 1, 1)).id}, "mother_id"),
        (lambda h, w: {"mother_id": make_resident(sex="F", birth_date=date(1980, 1, 1), status="deceased",
                                                  died_on=date(2011, 1, 1)).id}, "mother_id"),
        (lambda h, w: {"father_id": make_resident(sex="M", birth_date=date(1980, 1, 1), status="deceased",
                                                  died_on=date(2010, 1, 1)).id}, "father_id"),
        (lambda h, w: {"father_id": w.id}, "father_id"),
        (lambda h, w: {"identifier": make_person_number(birth_date=date(2012, 1, 20), sex="F", foreign=True)},
         "identifier"),
        (lambda h, w: {"identifier": make_person_number(birth_date=date(2012, 1, 21), sex="F")}, "identifier"),
        (lambda h, w: {"household_id": "0" * 32}, "household_id"),
        (lambda h, w: {"birth_date": date(2999, 1, 1)}, "birth_date"),
    ],
    ids=["mother younger", "mother died before", "father died long before", "father is a woman", "foreign number",
         "number of another day", "no household", "born in the future"],
)
def test_an_impossible_birth_is_refused(setup: Callable[[Resident, Resident], dict[str, Any]], field: str) -> None:
    husband, wife, _ = couple()
    born = date(2012, 1, 20)
    values: dict[str, Any] = {
        "identifier": make_person_number(birth_date=born, sex="F"), "identifier_issued_on": born,
        "name_ko": "김아름", "birth_date": born, "sex": "F", "household_id": husband.household_id,
        **setup(husband, wife),
    }
    error = refused(lambda: birth_register(**values, cause=make_cause()), field)
    assert "김아름" in error.message


def test_a_posthumous_child_of_the_father_is_registered() -> None:
    husband, wife, _ = couple()
    death_register(resident_id=husband.id, died_on=date(2012, 1, 1), cause=make_cause())
    child = birth(husband.household, born=date(2012, 6, 1), father_id=husband.id, mother_id=wife.id)
    assert child.father_id == husband.id


# ---------------------------------------------------------------- marriage and divorce


def test_a_marriage_is_recorded_with_its_event() -> None:
    _, _, marriage = couple(married_on=date(2010, 5, 1))
    event = RegistryEvent.objects.get(entity_id=marriage.id)
    assert (event.registry, event.kind, event.effective_on) == ("family", "family.marriage", date(2010, 5, 1))


def test_a_marriage_under_the_legal_age_is_refused() -> None:
    a = make_resident(birth_date=date(2000, 6, 1), sex="M")
    b = make_resident(birth_date=date(1999, 1, 1), sex="F")
    error = refused(lambda: marriage_register(spouse_a_id=a.id, spouse_b_id=b.id, married_on=date(2018, 5, 31),
                                              cause=make_cause()), "spouse_a_id")
    assert "18" in error.message
    marriage_register(spouse_a_id=a.id, spouse_b_id=b.id, married_on=date(2018, 6, 1), cause=make_cause())


def test_a_married_person_cannot_marry_again_until_divorced() -> None:
    husband, wife, marriage = couple(married_on=date(2010, 5, 1))
    other = make_resident(name_ko="박보영", sex="F", birth_date=date(1985, 1, 1))
    refused(lambda: marriage_register(spouse_a_id=husband.id, spouse_b_id=other.id, married_on=date(2015, 1, 1),
                                      cause=make_cause()), "spouse_a_id")
    # Nor backdated before the existing marriage: it would overlap it.
    refused(lambda: marriage_register(spouse_a_id=other.id, spouse_b_id=husband.id, married_on=date(2008, 1, 1),
                                      cause=make_cause()), "spouse_b_id")
    divorce_register(marriage_id=marriage.id, divorced_on=date(2014, 12, 31), cause=make_cause())
    marriage_register(spouse_a_id=husband.id, spouse_b_id=other.id, married_on=date(2015, 1, 1), cause=make_cause())


def test_close_relatives_cannot_marry() -> None:
    grandpa = make_resident(name_ko="할아버지", birth_date=date(1930, 1, 1))
    father = make_resident(name_ko="아버지", birth_date=date(1955, 1, 1), father=grandpa)
    uncle = make_resident(name_ko="삼촌", birth_date=date(1958, 1, 1), father=grandpa)
    daughter = make_resident(name_ko="딸", sex="F", birth_date=date(1985, 1, 1), father=father)
    half_sister = make_resident(name_ko="이복누이", sex="F", birth_date=date(1987, 1, 1), father=father)
    cousin = make_resident(name_ko="사촌", birth_date=date(1986, 1, 1), father=uncle)
    son = make_resident(name_ko="아들", birth_date=date(1988, 1, 1), father=father)
    for a, b in ((father, daughter), (son, half_sister), (cousin, daughter), (uncle, daughter)):
        error = refused(lambda a=a, b=b: marriage_register(spouse_a_id=a.id, spouse_b_id=b.id,
                                                           married_on=date(2015, 1, 1), cause=make_cause()),
                        "spouse_b_id")
        assert "809" in error.message


def test_a_deceased_person_cannot_marry_and_nobody_marries_themselves() -> None:
    a = make_resident(birth_date=date(1980, 1, 1))
    gone = make_resident(sex="F", birth_date=date(1980, 1, 1), status="deceased", died_on=date(2010, 1, 1))
    refused(lambda: marriage_register(spouse_a_id=a.id, spouse_b_id=gone.id, married_on=date(2011, 1, 1),
                                      cause=make_cause()), "spouse_b_id")
    refused(lambda: marriage_register(spouse_a_id=a.id, spouse_b_id=a.id, married_on=date(2011, 1, 1),
                                      cause=make_cause()), "spouse_b_id")
    refused(lambda: marriage_register(spouse_a_id=a.id, spouse_b_id="nobody", married_on=date(2011, 1, 1),
                                      cause=make_cause()), "spouse_b_id")


def test_a_divorce_ends_the_marriage_once_and_not_before_it_began() -> None:
    _, _, marriage = couple(married_on=date(2010, 5, 1))
    refused(lambda: divorce_register(marriage_id=marriage.id, divorced_on=date(2010, 4, 30), cause=make_cause()),
            "divorced_on")
    divorce_register(marriage_id=marriage.id, divorced_on=date(2016, 2, 2), cause=make_cause())
    marriage.refresh_from_db()
    assert (marriage.ended_on, marriage.end_reason) == (date(2016, 2, 2), "divorce")
    assert history.state_as_of(marriage, date(2016, 2, 1))["ended_on"] is None
    refused(lambda: divorce_register(marriage_id=marriage.id, divorced_on=date(2017, 1, 1), cause=make_cause()),
            "marriage_id")


# ---------------------------------------------------------------- death


def test_a_death_ends_the_marriage_and_is_undone_as_of_an_earlier_date() -> None:
    husband, _, marriage = couple(married_on=date(2010, 5, 1))
    death_register(resident_id=husband.id, died_on=date(2020, 8, 15), cause=make_cause())
    husband.refresh_from_db()
    marriage.refresh_from_db()
    assert (husband.status, husband.died_on) == ("deceased", date(2020, 8, 15))
    assert (marriage.ended_on, marriage.end_reason) == (date(2020, 8, 15), "death")
    assert history.state_as_of(husband, date(2020, 8, 14))["status"] == "living"
    assert RegistryEvent.objects.filter(kind="family.death", registry="family").count() == 2


@pytest.mark.parametrize(
    ("died_on", "field"),
    [(date(1979, 1, 1), "died_on"), (date(2999, 1, 1), "died_on"), (date(2009, 1, 1), "died_on")],
    ids=["before birth", "in the future", "before the marriage on the register"],
)
def test_an_impossible_death_is_refused(died_on: date, field: str) -> None:
    husband, _, _ = couple(married_on=date(2010, 5, 1))
    error = refused(lambda: death_register(resident_id=husband.id, died_on=died_on, cause=make_cause()), field)
    assert "김철수" in error.message


def test_a_mother_cannot_die_before_her_childs_birth_on_the_register() -> None:
    husband, wife, _ = couple()
    birth(husband.household, born=date(2012, 1, 20), father_id=husband.id, mother_id=wife.id)
    refused(lambda: death_register(resident_id=wife.id, died_on=date(2011, 12, 1), cause=make_cause()), "died_on")


def test_a_death_is_registered_once() -> None:
    person = make_resident()
    death_register(resident_id=person.id, died_on=date(2020, 1, 1), cause=make_cause())
    refused(lambda: death_register(resident_id=person.id, died_on=date(2020, 1, 2), cause=make_cause()), "resident_id")


# ---------------------------------------------------------------- adoption


def test_a_married_couple_adopts_a_child() -> None:
    husband, wife, _ = couple(married_on=date(2010, 5, 1))
    child = make_resident(name_ko="입양아", birth_date=date(2015, 1, 1))
    adoptions = adoption_register(parent_ids=[husband.id, wife.id], child_id=child.id, kind="adoption",
                                  adopted_on=date(2016, 1, 1), cause=make_cause())
    assert {a.parent_id for a in adoptions} == {husband.id, wife.id}
    assert RegistryEvent.objects.filter(kind="family.adoption").count() == 2


@pytest.mark.parametrize(
    ("kind", "parents", "child_birth", "adopted_on", "field"),
    [
        ("full", "couple", date(1995, 1, 1), date(2016, 1, 1), "child_id"),  # a full adoption takes a minor
        ("full", "couple", date(2014, 1, 1), date(2012, 1, 1), "adopted_on"),  # before the birth
        ("full", "couple", date(2011, 1, 1), date(2012, 1, 1), "parent_ids"),  # married less than three years
        ("full", "husband", date(2011, 1, 1), date(2016, 1, 1), "parent_ids"),  # alone, not the spouse's child
        ("adoption", "husband and stranger", date(2011, 1, 1), date(2016, 1, 1), "parent_ids"),  # not a couple
        ("adoption", "young", date(2011, 1, 1), date(2016, 1, 1), "parent_ids"),  # adopter not an adult
        ("adoption", "none", date(2011, 1, 1), date(2016, 1, 1), "parent_ids"),
        ("foster", "couple", date(2011, 1, 1), date(2016, 1, 1), "kind"),
    ],
)
def test_an_adoption_against_the_civil_act_is_refused(kind: str, parents: str, child_birth: date, adopted_on: date,
                                                      field: str) -> None:
    husband, wife, _ = couple(married_on=date(2010, 5, 1))
    child = make_resident(name_ko="아이", birth_date=child_birth)
    ids = {
        "couple": [husband.id, wife.id],
        "husband": [husband.id],
        "husband and stranger": [husband.id, make_resident(sex="F", birth_date=date(1970, 1, 1)).id],
        "young": [make_resident(birth_date=date(1998, 1, 1)).id],
        "none": [],
    }[parents]
    error = refused(lambda: adoption_register(parent_ids=ids, child_id=child.id, kind=kind, adopted_on=adopted_on,
                                              cause=make_cause()), field)
    assert "아이" in error.message


def test_a_spouse_fully_adopts_the_other_spouses_child_after_a_year_of_marriage() -> None:
    mother = make_resident(name_ko="엄마", sex="F", birth_date=date(1985, 1, 1))
    child = make_resident(name_ko="아이", birth_date=date(2012, 1, 1), mother=mother)
    stepfather = make_resident(name_ko="새아빠", birth_date=date(1983, 1, 1))
    marriage_register(spouse_a_id=stepfather.id, spouse_b_id=mother.id, married_on=date(2015, 6, 1),
                      cause=make_cause())
    refused(lambda: adoption_register(parent_ids=[stepfather.id], child_id=child.id, kind="full",
                                      adopted_on=date(2016, 5, 1), cause=make_cause()), "parent_ids")
    adoption_register(parent_ids=[stepfather.id], child_id=child.id, kind="full", adopted_on=date(2016, 6, 1),
                      cause=make_cause())
    refused(lambda: adoption_register(parent_ids=[stepfather.id], child_id=child.id, kind="full",
                                      adopted_on=date(2017, 6, 1), cause=make_cause()), "parent_ids")


def test_an_adoption_is_dissolved_once_and_not_before_it_began() -> None:
    parent = make_resident(birth_date=date(1970, 1, 1))
    child = make_resident(name_ko="양자", birth_date=date(1995, 1, 1))
    (adoption,) = adoption_register(parent_ids=[parent.id], child_id=child.id, kind="adoption",
                                    adopted_on=date(2016, 1, 1), cause=make_cause())
    error = refused(lambda: adoption_dissolve(adoption_id=adoption.id, dissolved_on=date(2015, 1, 1),
                                              cause=make_cause()), "dissolved_on")
    assert "양자" in error.message
    adoption_dissolve(adoption_id=adoption.id, dissolved_on=date(2020, 1, 1), cause=make_cause())
    refused(lambda: adoption_dissolve(adoption_id=adoption.id, dissolved_on=date(2021, 1, 1), cause=make_cause()),
            "adoption_id")


# ---------------------------------------------------------------- name change


def test_a_change_of_name_keeps_the_old_name_as_of_earlier_dates() -> None:
    person = make_resident(name_ko="김개똥", name_en="KIM GAETTONG", birth_date=date(1990, 1, 1))
    name_change(resident_id=person.id, name_ko="김지호", name_en="KIM JIHO", effective_on=date(2019, 4, 1),
                cause=make_cause())
    person.refresh_from_db()
    assert (person.name_ko, person.name_en) == ("김지호", "KIM JIHO")
    assert history.state_as_of(person, date(2019, 3, 31))["name_ko"] == "김개똥"
    assert history.state_as_of(person, date(2019, 4, 1))["name_ko"] == "김지호"
    event = RegistryEvent.objects.get(entity_id=person.id, kind="family.name_change")
    assert event.registry == "family"


@pytest.mark.parametrize(
    ("name_ko", "effective_on", "field"),
    [("", date(2019, 4, 1), "name_ko"), ("홍길동", date(2019, 4, 1), "name_ko"),
     ("김지호", date(1989, 1, 1), "effective_on"), ("김지호", date(2999, 1, 1), "effective_on"),
     ("가" * 61, date(2019, 4, 1), "name_ko")],
    ids=["empty", "same name", "before birth", "future", "too long"],
)
def test_a_bad_change_of_name_is_refused(name_ko: str, effective_on: date, field: str) -> None:
    person = make_resident(name_ko="홍길동", birth_date=date(1990, 1, 1))
    error = refused(lambda: name_change(resident_id=person.id, name_ko=name_ko, effective_on=effective_on,
                                        cause=make_cause()), field)
    assert "홍길동" in error.message

"""The data of the five family relation certificates, as of past dates, and who may have them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from egov.core.errors import NotFound, ValidationError
from egov.registries.family_certificates import (
    FamilyCertificate,
    family_certificate_data,
    family_certificate_entitled,
)
from egov.registries.models import Marriage, RegistryEvent, Resident
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


def born(name: str, on: date, *, sex: str, household: Any, father: Resident | None, mother: Resident | None) -> Resident:
    return birth_register(
        identifier=make_person_number(birth_date=on, sex=sex), identifier_issued_on=on, name_ko=name, birth_date=on,
        sex=sex, father_id=father.id if father else None, mother_id=mother.id if mother else None,
        household_id=household.id, cause=make_cause(),
    )


@pytest.fixture
def family() -> dict[str, Any]:
    """김민수: married 이지은 (2005), a son (2007), divorced (2012), renamed 김민준 (2014),
    married 최수정 (2015), a daughter (2016), a son who died as a baby (2017-2018).
    이지은 changed her name to 이지안 in 2013."""
    grandpa = make_resident(name_ko="김할배", birth_date=date(1925, 1, 1), status="deceased", died_on=date(1990, 1, 1))
    father = make_resident(name_ko="김아버", birth_date=date(1950, 4, 4), father=grandpa)
    mother = make_resident(name_ko="박어머", sex="F", birth_date=date(1952, 5, 5))
    brother = make_resident(name_ko="김형제", birth_date=date(1978, 1, 1), father=father, mother=mother)
    subject = make_resident(name_ko="김민수", name_en="KIM MINSU", birth_date=date(1980, 2, 2), father=father,
                            mother=mother, moved_in_on=date(2000, 1, 1))
    first = make_resident(name_ko="이지은", sex="F", birth_date=date(1981, 3, 3), household=subject.household,
                          household_relation="spouse", moved_in_on=date(2005, 3, 1))
    second = make_resident(name_ko="최수정", sex="F", birth_date=date(1984, 8, 8))
    m1 = marriage_register(spouse_a_id=subject.id, spouse_b_id=first.id, married_on=date(2005, 3, 1), cause=make_cause())
    son = born("김첫째", date(2007, 7, 7), sex="M", household=subject.household, father=subject, mother=first)
    divorce_register(marriage_id=m1.id, divorced_on=date(2012, 6, 30), cause=make_cause())
    name_change(resident_id=first.id, name_ko="이지안", effective_on=date(2013, 2, 2), cause=make_cause())
    name_change(resident_id=subject.id, name_ko="김민준", name_en="KIM MINJUN", effective_on=date(2014, 1, 10),
                cause=make_cause())
    marriage_register(spouse_a_id=second.id, spouse_b_id=subject.id, married_on=date(2015, 5, 5), cause=make_cause())
    daughter = born("김둘째", date(2016, 9, 9), sex="F", household=subject.household, father=subject, mother=second)
    baby = born("김셋째", date(2017, 10, 10), sex="M", household=subject.household, father=subject, mother=second)
    death_register(resident_id=baby.id, died_on=date(2018, 1, 1), cause=make_cause())
    return {"grandpa": grandpa, "father": father, "mother": mother, "brother": brother, "subject": subject,
            "first": first, "second": second, "son": son, "daughter": daughter, "baby": baby}


def names(cert: FamilyCertificate, *relations: str) -> list[str]:
    return [p.name_ko for p in cert.people_of(*relations)]


def event_list(cert: FamilyCertificate) -> list[tuple[str, date, str]]:
    return [(e.kind, e.on, e.counterpart_name) for e in cert.events]


def data(family: dict[str, Any], kind: str, level: str, on: date, **kwargs: Any) -> FamilyCertificate:
    return family_certificate_data(subject_id=family["subject"].id, kind=kind, level=level, as_of=on, **kwargs)


# ---------------------------------------------------------------- as of past dates


def test_in_2006_the_subject_is_married_to_his_first_wife_under_his_old_name(family: dict[str, Any]) -> None:
    on = date(2006, 1, 1)
    cert = data(family, "family", "general", on)
    assert cert.subject.name_ko == "김민수" and cert.subject.name_en == "KIM MINSU"
    assert names(cert, "father", "mother") == ["김아버", "박어머"]
    assert names(cert, "spouse") == ["이지은"]
    assert names(cert, "child") == []
    assert event_list(data(family, "marriage", "general", on)) == [("marriage", date(2005, 3, 1), "이지은")]
    assert event_list(data(family, "basic", "detailed", on)) == [("birth", date(1980, 2, 2), "")]


def test_in_2008_the_first_son_is_on_the_family_certificate(family: dict[str, Any]) -> None:
    cert = data(family, "family", "general", date(2008, 1, 1))
    assert names(cert, "spouse") == ["이지은"] and names(cert, "child") == ["김첫째"]


def test_in_2013_after_the_divorce_the_general_certificates_show_no_spouse_and_no_child(family: dict[str, Any]) -> None:
    on = date(2013, 3, 1)
    general = data(family, "family", "general", on)
    assert names(general, "spouse") == [] and names(general, "child") == []
    detailed = data(family, "family", "detailed", on)
    assert names(detailed, "child") == ["김첫째"]
    assert event_list(data(family, "marriage", "general", on)) == []
    # The former wife's name is the one she bore on that date.
    assert event_list(data(family, "marriage", "detailed", on)) == [
        ("marriage", date(2005, 3, 1), "이지안"), ("divorce", date(2012, 6, 30), "이지안"),
    ]
    assert event_list(data(family, "marriage", "detailed", date(2012, 12, 31)))[0][2] == "이지은"
    assert data(family, "basic", "general", on).subject.name_ko == "김민수"


def test_in_2017_the_renamed_subject_has_a_second_wife_and_a_daughter(family: dict[str, Any]) -> None:
    on = date(2017, 1, 1)
    general = data(family, "family", "general", on)
    assert general.subject.name_ko == "김민준"
    assert names(general, "spouse") == ["최수정"] and names(general, "child") == ["김둘째"]
    assert names(data(family, "family", "detailed", on), "child") == ["김첫째", "김둘째"]
    assert event_list(data(family, "marriage", "general", on)) == [("marriage", date(2015, 5, 5), "최수정")]
    assert event_list(data(family, "marriage", "detailed", on)) == [
        ("marriage", date(2005, 3, 1), "이지안"), ("divorce", date(2012, 6, 30), "이지안"),
        ("marriage", date(2015, 5, 5), "최수정"),
    ]
    basic = data(family, "basic", "detailed", on)
    assert [(e.kind, e.detail) for e in basic.events] == [("birth", ""), ("name_change", "김민수 → 김민준")]
    assert [e.kind for e in data(family, "basic", "general", on).events] == ["birth"]


def test_a_child_who_died_is_only_on_the_detailed_certificate_with_the_death_mark(family: dict[str, Any]) -> None:
    before = data(family, "family", "general", date(2017, 12, 31))
    assert names(before, "child") == ["김둘째", "김셋째"]
    after = data(family, "family", "general", date(2018, 1, 2))
    assert names(after, "child") == ["김둘째"]
    detailed = data(family, "family", "detailed", date(2018, 1, 2))
    marks = {p.name_ko: (p.deceased, p.died_on) for p in detailed.people_of("child")}
    assert marks == {"김첫째": (False, None), "김둘째": (False, None), "김셋째": (True, date(2018, 1, 1))}
    baby = family_certificate_data(subject_id=family["baby"].id, kind="basic", level="general")
    assert baby.subject.deceased and [e.kind for e in baby.events] == ["birth", "death"]


def test_the_marriage_certificate_matches_the_event_log_on_every_date(family: dict[str, Any]) -> None:
    subject = family["subject"]
    marriages = Marriage.objects.filter(spouse_a=subject) | Marriage.objects.filter(spouse_b=subject)
    ids = list(marriages.values_list("id", flat=True))
    for on in (date(2004, 1, 1), date(2005, 3, 1), date(2010, 1, 1), date(2012, 6, 30), date(2015, 5, 4),
               date(2015, 5, 5), date(2020, 1, 1)):
        logged = sorted(
            (e.effective_on, e.kind.removeprefix("family."))
            for e in RegistryEvent.objects.filter(entity_id__in=ids, effective_on__lte=on)
        )
        stated = sorted((e.on, e.kind) for e in data(family, "marriage", "detailed", on).events)
        assert stated == logged, on
        married = [e for e in logged if e[1] == "marriage"]
        ended = [e for e in logged if e[1] == "divorce"]
        assert len(data(family, "marriage", "general", on).people_of("spouse")) == len(married) - len(ended)


def test_the_father_sees_the_death_of_his_own_father_only_as_a_mark(family: dict[str, Any]) -> None:
    cert = family_certificate_data(subject_id=family["father"].id, kind="family", level="general",
                                   as_of=date(2000, 1, 1))
    (grandpa,) = cert.people_of("father")
    assert grandpa.deceased and grandpa.died_on == date(1990, 1, 1)
    assert names(cert, "child") == []  # the father has no recorded marriage; his children show in detail
    assert set(names(family_certificate_data(subject_id=family["father"].id, kind="family", level="detailed",
                                             as_of=date(2000, 1, 1)), "child")) == {"김형제", "김민수"}


# ---------------------------------------------------------------- numbers and specific certificates


def test_the_rear_digits_are_masked_unless_the_applicant_asks_for_them(family: dict[str, Any]) -> None:
    number = family["subject"].identifier
    masked = data(family, "family", "general", date(2017, 1, 1))
    assert masked.subject.identifier == f"{number[:6]}-{number[6]}******"
    assert all(p.identifier.endswith("******") for p in masked.people)
    assert not masked.rrn_rear_shown
    shown = data(family, "family", "general", date(2017, 1, 1), show_rrn_rear=True)
    assert shown.subject.identifier == f"{number[:6]}-{number[6:]}" and shown.rrn_rear_shown


def test_a_specific_certificate_shows_only_the_items_picked(family: dict[str, Any]) -> None:
    on = date(2017, 1, 1)
    cert = data(family, "family", "specific", on, items=["spouse"])
    assert [p.relation for p in cert.people] == ["subject", "spouse"] and cert.items == ("spouse",)
    children = data(family, "family", "specific", on, items=["children"])
    assert names(children, "child") == ["김첫째", "김둘째"]
    basic = data(family, "basic", "specific", on, items=["name_change"])
    assert [e.kind for e in basic.events] == ["name_change"]
    marriage = data(family, "marriage", "specific", on, items=["divorce"])
    assert [e.kind for e in marriage.events] == ["divorce"] and marriage.people_of("spouse") == ()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "death"}, "kind"),
        ({"level": "full"}, "level"),
        ({"level": "general", "items": ["spouse"]}, "items"),
        ({"level": "specific"}, "items"),
        ({"level": "specific", "items": ["birth"]}, "items"),
        ({"as_of": date(1979, 1, 1)}, "as_of"),
        ({"as_of": date(2999, 1, 1)}, "as_of"),
    ],
    ids=["unknown kind", "unknown level", "items without specific", "specific without items", "item of another kind",
         "before birth", "future"],
)
def test_a_certificate_request_that_does_not_fit_is_refused(family: dict[str, Any], kwargs: dict[str, Any],
                                                            field: str) -> None:
    values = {"kind": "family", "level": "general", "as_of": date(2017, 1, 1), **kwargs}
    with pytest.raises(ValidationError) as caught:
        family_certificate_data(subject_id=family["subject"].id, **values)
    assert field in caught.value.field_errors and "김민준" in caught.value.message


def test_an_unknown_subject_is_not_found() -> None:
    with pytest.raises(NotFound):
        family_certificate_data(subject_id="00000000-0000-0000-0000-000000000000", kind="basic", level="general")


# ---------------------------------------------------------------- adoptions


@pytest.fixture
def adoptive_couple() -> tuple[Resident, Resident]:
    husband = make_resident(name_ko="양아빠", birth_date=date(1975, 1, 1))
    wife = make_resident(name_ko="양엄마", sex="F", birth_date=date(1976, 1, 1))
    marriage_register(spouse_a_id=husband.id, spouse_b_id=wife.id, married_on=date(2005, 1, 1), cause=make_cause())
    return husband, wife


def test_an_ordinary_adoption_shows_the_adoptive_parents_and_in_detail_the_birth_parents(
    adoptive_couple: tuple[Resident, Resident],
) -> None:
    husband, wife = adoptive_couple
    birth_father = make_resident(name_ko="친아빠", birth_date=date(1970, 1, 1))
    birth_mother = make_resident(name_ko="친엄마", sex="F", birth_date=date(1972, 1, 1))
    child = make_resident(name_ko="양자", birth_date=date(1995, 1, 1), father=birth_father, mother=birth_mother)
    adoptions = adoption_register(parent_ids=[husband.id, wife.id], child_id=child.id, kind="adoption",
                                  adopted_on=date(2016, 1, 1), cause=make_cause())

    def cert(kind: str, level: str, on: date) -> FamilyCertificate:
        return family_certificate_data(subject_id=child.id, kind=kind, level=level, as_of=on)

    assert names(cert("family", "general", date(2015, 1, 1)), "father", "mother") == ["친아빠", "친엄마"]
    assert names(cert("family", "general", date(2017, 1, 1)), "father", "mother") == ["양아빠", "양엄마"]
    detailed = cert("family", "detailed", date(2017, 1, 1))
    assert [(p.relation, p.name_ko) for p in detailed.people[1:]] == [
        ("birth_father", "친아빠"), ("birth_mother", "친엄마"), ("adoptive_father", "양아빠"), ("adoptive_mother", "양엄마"),
    ]
    adoption = cert("adoption", "general", date(2017, 1, 1))
    assert names(adoption, "birth_father", "birth_mother", "adoptive_father", "adoptive_mother") == [
        "친아빠", "친엄마", "양아빠", "양엄마",
    ]
    assert [e.kind for e in adoption.events] == ["adoption", "adoption"]
    for row in adoptions:
        adoption_dissolve(adoption_id=row.id, dissolved_on=date(2020, 1, 1), cause=make_cause())
    after = cert("adoption", "general", date(2021, 1, 1))
    assert names(after, "adoptive_father", "adoptive_mother") == [] and after.events == ()
    history = cert("adoption", "detailed", date(2021, 1, 1))
    assert [p.former for p in history.people_of("adoptive_father", "adoptive_mother")] == [True, True]
    assert [e.kind for e in history.events] == ["adoption", "adoption", "adoption_dissolved", "adoption_dissolved"]
    assert names(cert("family", "general", date(2021, 1, 1)), "father", "mother") == ["친아빠", "친엄마"]
    # The adoptive father's own certificates, while the adoption was in force and after.
    father_view = family_certificate_data(subject_id=husband.id, kind="family", level="general", as_of=date(2017, 1, 1))
    assert names(father_view, "child") == ["양자"]
    assert names(family_certificate_data(subject_id=husband.id, kind="adoption", level="general",
                                         as_of=date(2017, 1, 1)), "adopted_child") == ["양자"]


def test_a_full_adoption_hides_the_birth_parents_except_in_the_detailed_full_adoption_certificate(
    adoptive_couple: tuple[Resident, Resident],
) -> None:
    husband, wife = adoptive_couple
    birth_father = make_resident(name_ko="친아빠", birth_date=date(1990, 1, 1))
    birth_mother = make_resident(name_ko="친엄마", sex="F", birth_date=date(1991, 1, 1))
    child = make_resident(name_ko="친양자", birth_date=date(2012, 1, 1), father=birth_father, mother=birth_mother)
    adoption_register(parent_ids=[husband.id, wife.id], child_id=child.id, kind="full", adopted_on=date(2014, 1, 1),
                      cause=make_cause())
    on = date(2015, 1, 1)

    def cert(kind: str, level: str) -> FamilyCertificate:
        return family_certificate_data(subject_id=child.id, kind=kind, level=level, as_of=on)

    for level in ("general", "detailed"):
        family_cert = cert("family", level)
        assert [(p.relation, p.name_ko) for p in family_cert.people[1:]] == [("father", "양아빠"), ("mother", "양엄마")]
    assert names(cert("adoption", "detailed"), "birth_father", "birth_mother") == []
    general = cert("full_adoption", "general")
    assert names(general, "birth_father", "birth_mother") == []
    assert names(general, "adoptive_father", "adoptive_mother") == ["양아빠", "양엄마"]
    assert [e.kind for e in general.events] == ["full_adoption", "full_adoption"]
    detailed = cert("full_adoption", "detailed")
    assert names(detailed, "birth_father", "birth_mother") == ["친아빠", "친엄마"]
    birth_fathers_view = family_certificate_data(subject_id=birth_father.id, kind="family", level="detailed", as_of=on)
    assert names(birth_fathers_view, "child") == []


# ---------------------------------------------------------------- entitlement


def test_the_subject_the_spouse_and_lineal_relatives_are_entitled(family: dict[str, Any]) -> None:
    subject = family["subject"]

    def entitled(who: str, on: date, kind: str = "family") -> bool:
        return family_certificate_entitled(applicant_resident_id=family[who].id, subject_id=subject.id, kind=kind,
                                           on=on)

    today = date(2020, 1, 1)
    for who in ("subject", "father", "mother", "son", "daughter", "second"):
        assert entitled(who, today), who
    assert not entitled("brother", today)  # a sibling applies at the counter
    assert not entitled("first", today)  # divorced in 2012
    assert entitled("first", date(2010, 1, 1))
    # A great-grandfather is a lineal ascendant too, and the line runs both ways.
    assert family_certificate_entitled(applicant_resident_id=family["grandpa"].id, subject_id=family["son"].id,
                                       kind="marriage", on=today)
    assert family_certificate_entitled(applicant_resident_id=family["son"].id, subject_id=family["grandpa"].id,
                                       kind="basic", on=today)
    assert not family_certificate_entitled(applicant_resident_id=family["brother"].id, subject_id=family["son"].id,
                                           kind="basic", on=today)  # an uncle is not lineal
    assert family_certificate_entitled(applicant_resident_id=family["father"].id, subject_id=family["daughter"].id,
                                       kind="basic", on=today)
    assert not entitled("father", today, kind="full_adoption")


def test_only_the_adult_subject_or_an_adoptive_parent_may_have_the_full_adoption_certificate(
    adoptive_couple: tuple[Resident, Resident],
) -> None:
    husband, wife = adoptive_couple
    birth_father = make_resident(name_ko="친아빠", birth_date=date(1980, 1, 1))
    child = make_resident(name_ko="친양자", birth_date=date(2000, 6, 1), father=birth_father)
    adoption_register(parent_ids=[husband.id, wife.id], child_id=child.id, kind="full", adopted_on=date(2009, 1, 1),
                      cause=make_cause())

    def entitled(applicant: Resident, on: date, kind: str = "full_adoption") -> bool:
        return family_certificate_entitled(applicant_resident_id=applicant.id, subject_id=child.id, kind=kind, on=on)

    assert not entitled(child, date(2019, 5, 31)) and entitled(child, date(2019, 6, 1))
    assert entitled(husband, date(2015, 1, 1)) and entitled(wife, date(2015, 1, 1))
    assert not entitled(birth_father, date(2015, 1, 1))
    assert not entitled(birth_father, date(2015, 1, 1), kind="family")  # the full adoption cut his line
    assert entitled(birth_father, date(2008, 1, 1), kind="family")
    with pytest.raises(ValidationError):
        entitled(child, date(2020, 1, 1), kind="passport")


def test_the_death_of_a_spouse_ends_the_marriage_on_the_certificate(family: dict[str, Any]) -> None:
    death_register(resident_id=family["second"].id, died_on=date(2021, 3, 3), cause=make_cause())
    cert = data(family, "marriage", "detailed", date(2022, 1, 1))
    assert cert.people_of("spouse") == ()
    assert event_list(cert)[-1] == ("marriage_ended", date(2021, 3, 3), "최수정")
    # The children of a marriage ended by death stay on the general family certificate.
    assert names(data(family, "family", "general", date(2022, 1, 1)), "child") == ["김둘째"]

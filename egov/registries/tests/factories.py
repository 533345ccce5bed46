"""Test factories for the registries: valid households, residents and registration numbers.

They write rows directly (no events), as the bulk import does, so a test can set up a
family in a few lines and then exercise one service. Every resident gets a
registration number whose birth date, century/sex digit and check digit all agree,
so the services' checks accept it. All arguments are keyword-only and their names are
kept stable: other tests import these.

The default address is 서울특별시 종로구 청운동 (legal dong 1111010100), served by the
청운효자동 office (administrative dong 1101072, the clerk persona's jurisdiction).
"""

from __future__ import annotations

import itertools
import uuid
from datetime import date
from typing import Any

from egov.core.crypto import blind_index
from egov.registries.history import Cause
from egov.registries.identifiers import person_check_digit
from egov.registries.models import Household, Resident
from egov.registries.models.residents import IDENTIFIER_INDEX_KIND

DEFAULT_LEGAL_DONG = "1111010100"  # 서울특별시 종로구 청운동
DEFAULT_ADMIN_DONG = "1101072"  # 청운효자동 (the clerk persona's office)

_serials = itertools.count(1)


def _seventh_digit(birth_date: date, sex: str, foreign: bool) -> str:
    century = birth_date.year // 100 * 100
    table = {
        (1800, "M", False): "9", (1800, "F", False): "0",
        (1900, "M", False): "1", (1900, "F", False): "2",
        (2000, "M", False): "3", (2000, "F", False): "4",
        (1900, "M", True): "5", (1900, "F", True): "6",
        (2000, "M", True): "7", (2000, "F", True): "8",
    }
    return table[(century, sex, foreign)]


def make_person_number(*, birth_date: date, sex: str = "M", foreign: bool = False) -> str:
    """A fresh 13-digit resident (or foreign) registration number valid for this birth date and sex.

    The check digit is always correct, so the number passes whether it counts as
    issued before or after October 2020; numbers already in the database are skipped.
    """
    front = birth_date.strftime("%y%m%d") + _seventh_digit(birth_date, sex, foreign)
    while True:
        serial = next(_serials)
        # Digits 8-9 are the old region code, which python-stdnum wants at most 96.
        middle = f"{serial // 1000 % 97:02d}{serial % 1000:03d}"
        first_twelve = front + middle
        number = first_twelve + person_check_digit(first_twelve)
        if not Resident.objects.filter(identifier_index=blind_index(number, kind=IDENTIFIER_INDEX_KIND)).exists():
            return number


def make_cause(
    *, kind: str = "official", ref: str = "test", official_id: uuid.UUID | None = None,
    legal_basis: str = "주민등록법", reason: str = "",
) -> Cause:
    """A cause for a service call in a test (an official's act by default)."""
    return Cause(kind=kind, ref=ref, official_id=official_id, legal_basis=legal_basis, reason=reason)


def make_household(
    *,
    sido: str = "서울특별시",
    sigungu: str = "종로구",
    road: str = "자하문로",
    building_number: str = "1",
    detail: str = "",
    postcode: str = "03047",
    legal_dong_code: str = DEFAULT_LEGAL_DONG,
    admin_dong_code: str = DEFAULT_ADMIN_DONG,
    established_on: date = date(2000, 1, 1),
    head: Resident | None = None,
) -> Household:
    """A household at a valid road-name address (by default in 청운효자동), optionally with its head."""
    household = Household.objects.create(
        sido=sido, sigungu=sigungu, road=road, building_number=building_number, detail=detail,
        postcode=postcode, legal_dong_code=legal_dong_code, admin_dong_code=admin_dong_code,
        established_on=established_on, head=head,
    )
    if head is not None and head.household_id != household.id:
        head.household = household
        head.household_relation = "head"
        head.moved_in_on = head.moved_in_on or established_on
        head.save(update_fields=["household", "household_relation", "moved_in_on"])
    return household


_NEW_HOUSEHOLD: Any = object()


def make_resident(
    *,
    name_ko: str = "홍길동",
    name_en: str = "HONG GILDONG",
    birth_date: date = date(1990, 1, 1),
    sex: str = "M",
    nationality: str | None = None,
    foreign: bool = False,
    identifier: str | None = None,
    identifier_issued_on: date | None = None,
    household: Household | None = _NEW_HOUSEHOLD,
    household_relation: str | None = None,
    moved_in_on: date | None = None,
    registration_base: str = "서울특별시 종로구 청운동 1",
    father: Resident | None = None,
    mother: Resident | None = None,
    phone: str = "",
    email: str = "",
    status: str = "living",
    died_on: date | None = None,
    registered_on: date | None = None,
) -> Resident:
    """A resident with a valid registration number.

    With no ``household`` argument the resident heads a new household of their own;
    ``household=None`` leaves them without one. Joining a household that has no head
    makes them its head unless ``household_relation`` says otherwise; otherwise the
    relation defaults to "other".
    """
    new_household = household is _NEW_HOUSEHOLD
    if new_household:
        household = make_household(established_on=moved_in_on or birth_date)
    if household_relation is None:
        household_relation = "head" if household is not None and household.head_id is None else (
            "other" if household is not None else ""
        )
    number = identifier or make_person_number(birth_date=birth_date, sex=sex, foreign=foreign)
    resident = Resident.objects.create(
        identifier_type="frn" if foreign else "rrn",
        identifier=number,
        identifier_index=blind_index(number, kind=IDENTIFIER_INDEX_KIND),
        identifier_issued_on=identifier_issued_on or birth_date,
        name_ko=name_ko,
        name_en=name_en,
        birth_date=birth_date,
        sex=sex,
        nationality=nationality or ("USA" if foreign else "KOR"),
        status=status,
        died_on=died_on,
        household=household,
        household_relation=household_relation,
        moved_in_on=(moved_in_on or birth_date) if household is not None else None,
        registration_base=registration_base,
        father=father,
        mother=mother,
        phone=phone,
        email=email,
        registered_on=registered_on or birth_date,
    )
    if household is not None and household_relation == "head" and household.head_id is None:
        household.head = resident
        household.save(update_fields=["head"])
    return resident

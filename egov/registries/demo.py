"""The demonstration population of ``make demo``: a small generated country and the demo citizen's family.

``egov demo`` runs :func:`ensure_demo_population` after creating the demo accounts
(``settings.EGOV_DEMO_STEPS``). The first time, it generates a few thousand residents
with their households, families, vehicles, land and businesses and loads them through
the bulk importer, exactly as an operator would load a real register. It then
registers the demo citizen's own household through the registry services — her,
her husband and their daughter in 청운효자동 (the demo clerk's dong), with a car —
and links her account to her record, as identity proofing would. Running it again
changes nothing.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from egov.accounts import public as accounts
from egov.core.crypto import blind_index
from egov.registries.history import Cause
from egov.registries.identifiers import person_check_digit
from egov.registries.models import Resident, Vehicle
from egov.registries.models.residents import IDENTIFIER_INDEX_KIND

DEMO_RESIDENTS = 3000
DEMO_SEED = 2026
DEMO_CITIZEN = "alice"
_CAUSE = Cause(kind="system", ref="egov demo", legal_basis="Resident Registration Act, Article 8",
               reason="Demonstration data")


def _number(birth: date, seventh: str) -> str:
    """The first valid, unused registration number for this birth date and seventh digit."""
    front = birth.strftime("%y%m%d") + seventh
    for serial in range(1, 10000):
        # Digits 8-9 were a region code (at most 96), 10-12 a serial, before October 2020.
        first_twelve = f"{front}{serial // 1000 % 97:02d}{serial % 1000:03d}"
        number = first_twelve + person_check_digit(first_twelve)
        if not Resident.objects.filter(identifier_index=blind_index(number, kind=IDENTIFIER_INDEX_KIND)).exists():
            return number
    raise RuntimeError("no free demo registration number")


def _load_generated(residents: int, seed: int) -> None:
    from egov.registries.generate import generate_country
    from egov.registries.importer import registries_import

    scratch = Path(settings.VAR_DIR) / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix="demo-registries-", dir=scratch))
    try:
        generate_country(residents=residents, seed=seed, out=directory)
        registries_import(directory=directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@transaction.atomic
def _register_demo_family() -> Resident:
    from egov.registries.services.family import birth_register, marriage_register
    from egov.registries.services.households import household_create
    from egov.registries.services.residents import resident_register
    from egov.registries.services.vehicles import vehicle_register

    household = household_create(
        sido="서울특별시", sigungu="종로구", road="자하문로", building_number="36", detail="2층",
        postcode="03045", legal_dong_code="1111010100", admin_dong_code="1101072",
        established_on=date(2016, 5, 2), cause=_CAUSE,
    )
    base = "서울특별시 종로구 자하문로 36"
    her = resident_register(
        identifier=_number(date(1988, 4, 12), "2"), identifier_issued_on=date(1988, 4, 20), name_ko="김하늘",
        name_en="KIM HANEUL", birth_date=date(1988, 4, 12), sex="F", household_id=household.id,
        household_relation="head", moved_in_on=date(2016, 5, 2), registration_base=base,
        phone="010-0000-0001", email="alice@example.invalid", cause=_CAUSE,
    )
    him = resident_register(
        identifier=_number(date(1986, 9, 3), "1"), identifier_issued_on=date(1986, 9, 10), name_ko="이준호",
        name_en="LEE JUNHO", birth_date=date(1986, 9, 3), sex="M", household_id=household.id,
        household_relation="spouse", moved_in_on=date(2016, 5, 2), registration_base=base, cause=_CAUSE,
    )
    marriage_register(spouse_a_id=her.id, spouse_b_id=him.id, married_on=date(2016, 4, 23), cause=_CAUSE)
    birth_register(
        identifier=_number(date(2019, 7, 15), "4"), identifier_issued_on=date(2019, 7, 22), name_ko="이서윤",
        name_en="LEE SEOYUN", birth_date=date(2019, 7, 15), sex="F", father_id=him.id, mother_id=her.id,
        household_id=household.id, registration_base=base, cause=_CAUSE,
    )
    for index, plate in enumerate(("12가3456", "34나5678", "56다7890"), start=1):
        vin = f"KMHD341CBNU{index:06d}"
        if not Vehicle.objects.filter(Q(plate_number=plate, status="registered") | Q(vin=vin)).exists():
            vehicle_register(
                plate_number=plate, vin=vin, make="현대", model="아반떼", model_year=2022,
                fuel="hybrid", owner_resident_id=her.id, registered_on=date(2022, 3, 14),
                inspection_due_on=date(2026, 3, 13), cause=_CAUSE,
            )
            break
    return her


def ensure_demo_population(residents: int = DEMO_RESIDENTS, seed: int = DEMO_SEED) -> list[str]:
    """Load the demo population once and link the demo citizen; return lines for ``egov demo`` to print.

    The lines describe the state, not what this run did, so that the demo prints the
    same thing every time it starts.
    """
    if not Resident.objects.exists():
        _load_generated(residents, seed)
    user = get_user_model().objects.filter(username=DEMO_CITIZEN).first()
    if user is not None and user.resident_id is None:
        her = _register_demo_family()
        accounts.user_link_resident(user_id=user.pk, resident_id=her.id, by="system:demo")
        user.refresh_from_db(fields=["resident_id"])
    lines = [f"Registries: {Resident.objects.count()} residents (a generated population, seed {seed})."]
    if user is not None and user.resident_id is not None:
        name = Resident.objects.filter(pk=user.resident_id).values_list("name_ko", flat=True).first()
        lines.append(f"The demo citizen {DEMO_CITIZEN} is linked to the resident record of {name} (identity proofed).")
    return lines

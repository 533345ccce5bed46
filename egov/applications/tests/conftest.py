"""Fixtures of the applications tests: the kr pack's services and data products, offices, Alice on the register.

Alice lives in 청운효자동 (the clerk persona's office); 사직동 is the office of the
address she moves to. Tests read messages in English.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import translation

NEW_ADDRESS = {
    "sido": "서울특별시", "sigungu": "종로구", "road": "사직로", "building_number": "161", "detail": "",
    "postcode": "03045", "legal_dong_code": "1111011900", "admin_dong_code": "1101053",
}


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(scope="session")
def _pack_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the kr pack for the run, as the tests use it (see ``service_pack``); nothing writes to it."""
    source = Path(django_settings.EGOV_COUNTRY_DIR)
    target = tmp_path_factory.mktemp("kr") / "pack"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("tools", "*.py"))
    move_in = target / "services" / "move-in-report.yaml"
    move_in.write_text(move_in.read_text(encoding="utf-8").replace("== 'registered'", "== 'living'"),
                       encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def _service_pack_loaded(django_db_setup: None, django_db_blocker: Any, _pack_directory: Path) -> Iterator[None]:
    """The catalogue and the gate's pack stored once per test module, and rolled back at its end.

    Loading them is the same work for every test (about a second); each test's own
    changes still roll back to the savepoint ``db`` takes inside this transaction.
    """
    from django.db import transaction
    from django.test import override_settings

    from egov.catalogue.public import load_catalogue
    from egov.exchange.public import load_exchange_pack

    with django_db_blocker.unblock(), override_settings(EGOV_COUNTRY_DIR=_pack_directory), transaction.atomic():
        load_catalogue()
        load_exchange_pack()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def service_pack(_service_pack_loaded: None, db: None, settings: Any, _pack_directory: Path) -> None:
    """The kr pack's service definitions stored, and the gate's products, purposes and rights seeded from them.

    The pack is used as it is, except that the move-in report's eligibility rule reads
    the resident's status as the register spells it ('living'); see docs/applications.md.
    A test that changes the pack's files asks for ``private_pack`` as well.
    """
    settings.EGOV_COUNTRY_DIR = _pack_directory


@pytest.fixture
def private_pack(service_pack: None, tmp_path: Path, settings: Any) -> Path:
    """A copy of the test's own of the pack ``service_pack`` loaded, for a test that writes to it."""
    target = tmp_path / "pack"
    shutil.copytree(settings.EGOV_COUNTRY_DIR, target)
    settings.EGOV_COUNTRY_DIR = target
    return target


def make_dong_office(code: str, name: str) -> Any:
    """A dong office of 종로구 with its one administrative dong (the accounts fixtures know only 청운효자동)."""
    from django.apps import apps

    from egov.accounts.fixtures import make_organisation

    organisation_model = apps.get_model("accounts", "Organisation")
    admin_dong_model = apps.get_model("accounts", "AdminDong")
    parent = make_organisation("sgg-11110")
    office, _created = organisation_model.objects.get_or_create(
        code=f"adm-{code}", defaults={"name": name, "tree": "local", "kind": "dong", "region_code": code,
                                      "parent": parent})
    dong, _created = admin_dong_model.objects.get_or_create(code=code, defaults={"name": name, "sigungu_code": "11110"})
    office.jurisdiction.add(dong)
    return office


@pytest.fixture
def offices(service_pack: None, clerk: Any) -> dict[str, Any]:
    """청운효자동 (Clerk's office) and 사직동 with its own clerk, Sam."""
    from django.apps import apps

    from egov.accounts.fixtures import persona_password_hash

    sajik = make_dong_office("1101053", "사직동")
    user_model = apps.get_model("accounts", "User")
    sam = user_model.objects.create(username="sam", display_name="Sam Sajik", kind="official",
                                    password=persona_password_hash())
    official = apps.get_model("accounts", "Official").objects.create(user=sam, organisation=sajik)
    apps.get_model("accounts", "RoleAssignment").objects.create(official=official, role="clerk")
    return {"cheongun": clerk.official.organisation, "sajik": sajik, "sam": sam}


@pytest.fixture
def alice_resident(alice: Any) -> Any:
    """Alice's resident record (김하늘, head of her own household in 청운효자동), linked to her account."""
    from egov.registries.tests.factories import make_resident

    resident = make_resident(name_ko="김하늘", name_en="KIM HANEUL")
    alice.resident_id = resident.id
    alice.save(update_fields=["resident_id"])
    return resident


@pytest.fixture
def late_father(alice_resident: Any) -> Any:
    """Alice's father (김철수), recorded as deceased: the person of her safe-inheritance inquiries (``INHERITANCE``).

    The inquiries read the deceased's records, found by the number on the form, and only
    for an heir the family register names (docs/catalogue.md, "Evidence").
    """
    from datetime import date

    from egov.registries.tests.factories import make_resident

    father = make_resident(name_ko="김철수", name_en="KIM CHEOLSU", birth_date=date(1950, 1, 1),
                           identifier="5001011234567", status="deceased", died_on=date(2026, 10, 2))
    alice_resident.father = father
    alice_resident.save(update_fields=["father"])
    return father


@pytest.fixture
def submit(alice: Any) -> Callable[..., Any]:
    """``submit(service_id, data, key=...)``: Alice files online."""
    from egov.applications.services import application_submit

    def make(service_id: str, data: dict[str, Any], *, key: str = "key-1", applicant: Any = None,
             **kwargs: Any) -> Any:
        person = applicant or alice
        kwargs.setdefault("by", person)
        return application_submit(applicant=person, service_id=service_id, data=data, idempotency_key=key, **kwargs)

    return make

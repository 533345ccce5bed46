"""The rear digits of registration numbers on the resident registration abstract and copy (issue 6).

Alice (김하늘) heads a household with her son 김아들. She asks for her abstract (초본) with
the rear digits of her number shown, and once without; for her household's copy (등본)
with every member's number in full, as a member of that household may. The document
prints what she chose, the verification page shows no number, and her "Who viewed my
data" says the full number was released. An office reading on its own basis, or for an
applicant whose record it is not, never gets a full number.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.apps import apps

from egov.core.access_log import entries_about
from egov.exchange import public as exchange
from egov.registries.tests.factories import make_resident

pytestmark = pytest.mark.django_db

ARTICLE = "Resident Registration Act, Article 30"


def _printed(application: Any) -> tuple[dict[str, Any], list[Any]]:
    """What the application's document prints (every fact) and what its verification page shows (the public ones)."""
    document = apps.get_model("certificates", "IssuedDocument").objects.get(application_id=application.id)
    rows = json.loads(apps.get_model("certificates", "DocumentFacts").objects.get(document=document).rows)
    return {row["name"]: row["value"] for row in rows}, document.public_facts


def _full(number: str) -> str:
    return f"{number[:6]}-{number[6:]}"


def _masked(number: str) -> str:
    return f"{number[:6]}-{number[6]}******"


def test_her_abstract_prints_her_full_number_only_when_she_asks(
    offices: Any, alice_resident: Any, submit: Callable[..., Any], django_capture_on_commit_callbacks: Any,
) -> None:
    number = alice_resident.identifier
    with django_capture_on_commit_callbacks(execute=True):
        shown = submit("resident-registration-extract", {"copies": 1, "show_rear": True})
        masked = submit("resident-registration-extract", {"copies": 1}, key="key-2")

    printed, public = _printed(shown)
    assert printed["number"] == _full(number)
    assert number[6:] not in json.dumps(public, ensure_ascii=False)  # the verification page shows no number
    printed, _public = _printed(masked)
    assert printed["number"] == _masked(number) and masked.facts["resident"]["number"] == ""

    reads = [e for e in entries_about([f"resident:{alice_resident.id}"]) if e.action == "person.read"
             and e.object_ref == "registries:resident"]
    assert [e.detail.get("rear_digits", False) for e in reads] == [False, True]  # newest first


def test_her_household_copy_prints_every_members_full_number_when_she_asks(
    offices: Any, alice_resident: Any, submit: Callable[..., Any], django_capture_on_commit_callbacks: Any,
) -> None:
    son = make_resident(name_ko="김아들", birth_date=date(2015, 5, 5), household=alice_resident.household,
                        household_relation="child")
    with django_capture_on_commit_callbacks(execute=True):
        application = submit("resident-registration-copy", {"copies": 1, "show_rear": True})

    members = {m["name_ko"]: m["identifier"] for m in application.facts["household"]["members"]}
    assert members == {"김하늘": _full(alice_resident.identifier), "김아들": _full(son.identifier)}
    printed, public = _printed(application)
    assert _full(son.identifier) in printed["members"]
    assert son.identifier[6:] not in json.dumps(public, ensure_ascii=False)
    read = next(e for e in entries_about([f"resident:{alice_resident.id}"])
                if e.object_ref == "registries:household")
    assert read.detail["rear_digits"] is True and read.detail["members"] == 2

    plain = submit("resident-registration-copy", {"copies": 1}, key="key-2")
    assert sorted(m["identifier"] for m in plain.facts["household"]["members"]) == sorted(
        [_masked(alice_resident.identifier), _masked(son.identifier)])


@pytest.fixture
def dong(offices: Any) -> exchange.Requester:
    """Alice's dong office, reading the resident register through the gate."""
    return exchange.system_requester(organisation_code=offices["cheongun"].code, name="applications",
                                     label="청운효자동 · 민원")


def _abstract(dong: exchange.Requester, subject: Any, applicant: Any = None) -> Any:
    return exchange.fetch(requester=dong, product="resident-registration-extract", purpose="civil_application",
                          service="tests", subject_resident_id=subject.id, legal_basis=ARTICLE,
                          params={"show_rear": True}, applicant_resident_id=applicant.id if applicant else None)


def test_an_office_reading_on_its_own_basis_cannot_ask_for_the_full_number(
    dong: exchange.Requester, alice_resident: Any,
) -> None:
    with pytest.raises(exchange.Refused) as refused:
        _abstract(dong, alice_resident)
    assert refused.value.reason == "invalid_parameters" and set(refused.value.field_errors) == {"show_rear"}
    assert not [e for e in entries_about([f"resident:{alice_resident.id}"]) if e.action == "person.read"]


def test_the_full_numbers_are_refused_for_someone_elses_record_or_household(
    dong: exchange.Requester, alice: Any, alice_resident: Any,
) -> None:
    stranger = make_resident(name_ko="남남", birth_date=date(1991, 1, 1))
    with pytest.raises(exchange.Refused) as refused:
        _abstract(dong, alice_resident, applicant=stranger)
    assert refused.value.reason == "not_entitled" and "person it belongs to" in refused.value.message

    # The copy is read under Alice's consent; a stranger is no member of her household.
    consent = exchange.consent_grant(user=alice, product_code="resident-registration-copy",
                                     purpose="civil_application", recipient=dong.organisation_code, days=1,
                                     channel="application", application_ref="tests", source_ip=None)
    with pytest.raises(exchange.Refused) as refused:
        exchange.fetch(requester=dong, product="resident-registration-copy", purpose="civil_application",
                       service="tests", subject_resident_id=alice_resident.id, consent_id=consent,
                       params={"show_rear": True}, applicant_resident_id=stranger.id)
    assert refused.value.reason == "not_entitled" and "member of the household" in refused.value.message
    assert not [e for e in entries_about([f"resident:{alice_resident.id}"]) if e.action == "person.read"]

"""Fixtures of the certificates tests: a resident registration abstract issued to Alice.

The document is issued through the service with the facts an approved application
would hold (the name, the masked number, the address); the approval path itself is
exercised end to end in tests/browser/test_verify_journey.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import translation

FACTS = {
    "resident": {
        "name_ko": "김하늘",
        "number_masked": "900101-2******",
        "birth_date": "1990-01-01",
        "address": {"sido": "서울특별시", "sigungu": "종로구", "road": "자하문로", "building_number": "1"},
        "moved_in_on": "2020-03-02",
    },
}


@pytest.fixture(autouse=True)
def _english_and_a_fresh_rate_limit() -> Iterator[None]:
    cache.clear()
    with translation.override("en"):
        yield
    cache.clear()


@pytest.fixture
def issue(alice: Any) -> Any:
    """``issue(**overrides)``: a resident registration abstract for Alice."""
    from egov.certificates import services

    def make(**overrides: Any) -> Any:
        arguments: dict[str, Any] = {
            "document_type": "resident-registration-extract",
            "holder_id": alice.pk,
            "subject_resident_ids": [uuid.uuid4()],
            "case_reference": "2026-000001",
            "application_id": uuid.uuid4(),
            "values": {"facts": FACTS, "form": {}, "applicant": {"name": "김하늘"}, "case": {}},
            "authority": "서울특별시 종로구 청운효자동",
            "by": "system:applications",
        }
        arguments.update(overrides)
        return services.document_issue(**arguments)

    return make


@pytest.fixture
def client() -> Any:
    """A browser that asks for English pages (the deployment's default is Korean)."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def english(citizen_client: Any) -> None:
    """Alice's browser asks for English pages (the deployment's default is Korean)."""
    citizen_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def document(alice: Any) -> Any:
    """Alice's abstract issued as the approval path issues it: the PDF and every fact kept for the VC."""
    from egov.certificates import services

    return services.document_issue_with_facts(
        document_type="resident-registration-extract",
        holder_id=alice.pk,
        subject_resident_ids=[uuid.uuid4()],
        case_reference="2026-000001",
        application_id=uuid.uuid4(),
        values={"facts": FACTS, "form": {}, "applicant": {"name": "김하늘"}, "case": {}},
        authority="서울특별시 종로구 청운효자동",
        by="system:applications",
    )

"""Fixtures of the gate's tests: the pack's products and purposes, a person on the register, a consent.

Tests read messages in English (the services translate when they raise).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def exchange_pack(db: None) -> dict[str, int]:
    """Purposes, data products and the access rights seeded from the pack's service definitions."""
    from egov.exchange.services import exchange_pack_load

    return exchange_pack_load()


@pytest.fixture
def alice_resident(alice: Any) -> Any:
    """Alice's resident record (김하늘, with a car), linked to her account as identity proofing would."""
    from egov.registries.tests.factories import make_resident

    resident = make_resident(name_ko="김하늘", name_en="KIM HANEUL")
    alice.resident_id = resident.id
    alice.save(update_fields=["resident_id"])
    return resident

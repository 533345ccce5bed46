"""A small generated register with the kr pack's services and data products, for the KPI and simulation tests."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def kr_pack(db: None) -> None:
    from egov.accounts.public import load_country_pack
    from egov.catalogue.public import load_catalogue
    from egov.exchange import public as exchange

    load_country_pack()
    load_catalogue()
    exchange.load_exchange_pack()


@pytest.fixture
def register(kr_pack: None) -> None:
    """Twenty generated residents (seed 7) as of the end of 2025."""
    call_command("registries", "generate", "--residents", "20", "--seed", "7", "--as-of", "2025-12-31",
                 stdout=io.StringIO(), stderr=io.StringIO())


@pytest.fixture
def people(register: None) -> list[Any]:
    """Accounts (user ids) for the living residents of the register, linked to their records."""
    from datetime import date

    from egov.accounts import public as accounts
    from egov.exchange import public as exchange

    ids = exchange.resident_ids_for_simulation(on=date(2026, 1, 1), limit=20)
    linked = accounts.simulated_citizens(resident_ids=ids, prefix="t-")
    return [linked[i] for i in ids]

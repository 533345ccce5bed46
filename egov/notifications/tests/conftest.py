"""Clients for the shared personas (``egov.accounts.fixtures``): Alice and Bob are citizens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def alice_client(client_for: Callable[[Any], Client], alice: Any) -> Client:
    return client_for(alice)


@pytest.fixture
def bob_client(client_for: Callable[[Any], Client], bob: Any) -> Client:
    return client_for(bob)


@pytest.fixture
def alice_with_email(alice: Any) -> Any:
    """Alice, who gave an e-mail address (the outbox addresses messages to it)."""
    alice.email = "alice@example.org"
    alice.save(update_fields=["email"])
    return alice


@pytest.fixture
def notices_pack(db: None) -> None:
    """The kr pack's message categories and first template versions, as the bootstrap stores them."""
    from egov.notifications.public import load_notices_pack

    load_notices_pack()


@pytest.fixture
def head_client(client_for: Callable[[Any], Client], head: Any) -> Client:
    """Harper, head of an agency: she manages her organisation, and with it the message templates."""
    return client_for(head)

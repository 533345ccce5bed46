"""Personas of the portal tests: Alice is a citizen with an account; visitors are anonymous."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client


@pytest.fixture
def alice(db: None) -> Any:
    return get_user_model().objects.create_user(
        username="alice", password="correct horse battery staple", email="alice@example.org", display_name="Alice Kim"
    )


@pytest.fixture
def alice_client(alice: Any) -> Client:
    client = Client()
    client.force_login(alice)
    return client

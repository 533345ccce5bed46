"""Shared steps of the browser tests: Alice the citizen in the served database, browser contexts.

Alice is created before the browser starts (``new_context`` depends on her): no test talks
to the database while Playwright runs (see ``egov.portal.fixtures``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest


@dataclass(frozen=True)
class Person:
    username: str
    password: str
    display_name: str


@pytest.fixture
def alice_account(committed_db: str) -> Person:
    """Alice, a citizen, committed to the database the ``live_url`` server reads."""
    from django.contrib.auth import get_user_model

    alice = Person("alice", "correct horse battery staple", "Alice Kim")
    get_user_model().objects.create_user(
        username=alice.username, password=alice.password, display_name=alice.display_name, email="alice@example.org"
    )
    return alice


@pytest.fixture
def new_context(alice_account: Person, chromium_browser: Any, live_url: str) -> Any:
    """Open browser contexts on the served platform; all are closed after the test."""
    contexts: list[Any] = []

    def open_context(*, viewport: dict[str, int] | None = None, language: str = "ko", **options: Any) -> Any:
        from egov.portal.browser import DESKTOP, set_language

        context = chromium_browser.new_context(viewport=viewport or DESKTOP, **options)
        context.set_default_timeout(15_000)
        set_language(context, live_url, language)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()

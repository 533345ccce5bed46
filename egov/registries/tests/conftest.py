"""The registries' tests read messages in English unless a test asks for Korean.

The platform's default language is Korean, and the services' messages are translated
when they are raised, so a test that checks the wording of a refusal runs in English.
Tests of Korean pages switch language themselves (the Accept-Language header).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    with translation.override("en"):
        yield

"""Browser fixtures, plugged in by the root conftest: the system Chromium driven by Playwright.

``chromium_browser`` is a headless Chromium from Debian's package (never Playwright's
download), started for one test after the platform is served (``live_url``): skipped
with a reason outside CI when Chromium is missing, failed under ``CI=true``.

Why per test and only after the database work: Playwright's sync API runs an asyncio
loop in the test's thread, and while it runs Django hands out database connections per
async context (``asgiref.local.Local``). A clone made or dropped then would use a second
connection while the first still holds the template open. So every ORM step of a browser
test — cloning, creating its people — happens before the browser starts, and the browser
is closed before the clone is dropped.

``axe_js`` is axe-core's source from ``node_modules``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from egov.portal.browser import axe_source, launch


@pytest.fixture
def chromium_browser(live_url: str) -> Iterator[Any]:
    from conftest import require_chromium  # the root conftest: skip, or fail under CI=true

    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright, executable)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def axe_js() -> str:
    return axe_source()

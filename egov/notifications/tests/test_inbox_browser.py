"""The inbox in a real browser: no WCAG 2.1 A/AA violations, no sideways scrolling at 360 px,
and marking a message read works with JavaScript switched off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from egov.notifications import public

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def _session_cookie(user: Any, base: str) -> dict[str, Any]:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": base}


def _violations(page: Any, axe_js: str) -> list[str]:
    page.evaluate(axe_js)
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".map(v => v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target).join(', '))",
        AXE_TAGS,
    )
    return list(found)


@pytest.mark.browser
@pytest.mark.committed
def test_the_inbox_is_accessible_fits_a_phone_and_works_without_javascript(live_url: str) -> None:
    from conftest import require_chromium

    chromium = require_chromium()
    erin = get_user_model().objects.create_user(username="erin", password="correct horse battery staple")
    public.send(recipient_user_id=erin.pk, subject="Your passport is ready", body="Collect it at the counter.")
    public.send(recipient_user_id=erin.pk, subject="Fee received", body="Thank you.")
    cookie = _session_cookie(erin, live_url)
    axe_js = (Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")

    # The browser starts only now: the database work above must not run under Playwright's event loop.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        for language in ("ko", "en"):
            for viewport in ({"width": 1280, "height": 800}, {"width": 360, "height": 740}):
                context = browser.new_context(viewport=viewport)
                context.add_cookies([cookie, {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_url}])
                page = context.new_page()
                page.goto(f"{live_url}/notifications/inbox/")
                where = f"{language} at {viewport['width']} px"
                assert page.locator("h1").inner_text() == ("내 메시지" if language == "ko" else "My messages"), where
                assert _violations(page, axe_js) == [], where
                assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], f"{where}: scrolls sideways"
                context.close()

        context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
        context.add_cookies([cookie, {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_url}])
        page = context.new_page()
        page.goto(f"{live_url}/notifications/inbox/")
        # The button names its message for screen readers ("Mark as read: Fee received").
        page.get_by_role("button", name="Fee received").click()
        page.wait_for_load_state()
        shown = page.content()
        context.close()
        browser.close()

    assert "You have 1 unread message." in shown
    assert public.inbox_unread_count(erin.pk) == 1

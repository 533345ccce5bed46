"""The officials' template pages in a real browser: no WCAG 2.1 A/AA violation and nothing wider than a phone,
in Korean and English, including the page that refuses an unknown placeholder."""

from __future__ import annotations

from typing import Any

import pytest

from egov.portal.browser import PHONE, axe_violations, horizontal_overflow, set_language

pytestmark = [pytest.mark.browser, pytest.mark.committed]


@pytest.fixture
def head_cookie(committed_db: str) -> dict[str, Any]:
    """Harper, head of an agency, signed in with her second factor; the pack's templates stored."""
    from django.conf import settings
    from django.test import Client

    from egov.accounts.fixtures import make_official, sign_in_client
    from egov.notifications.public import load_notices_pack

    load_notices_pack()
    client = sign_in_client(Client(), make_official("head", "Harper Head", "cen-pps", ["head"]))
    return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}


def test_the_template_pages_are_accessible_and_fit_a_phone(
    head_cookie: dict[str, Any], live_url: str, chromium_browser: Any, axe_js: str,
) -> None:
    problems: list[str] = []
    context = chromium_browser.new_context(viewport=PHONE)
    context.set_default_timeout(15_000)
    context.add_cookies([{**head_cookie, "url": live_url}])
    page = context.new_page()
    for language in ("ko", "en"):
        set_language(context, live_url, language)
        for path in ("/notifications/templates/", "/notifications/templates/vehicle-inspection-due/",
                     "/notifications/templates/new/"):
            page.goto(f"{live_url}{path}")
            problems += [f"{path} ({language}): {v}" for v in axe_violations(page, axe_js)]
            if (overflow := horizontal_overflow(page)) > 0:
                problems.append(f"{path} ({language}): {overflow}px wider than the screen")
        page.goto(f"{live_url}/notifications/templates/vehicle-inspection-due/")
        page.fill("#id_body_en", "${nmae}, your inspection is due by ${due_date}.")
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("#id_body_en_error").is_visible()
        assert "${nmae}" in page.locator("#id_body_en_error").inner_text()
        problems += [f"refusal ({language}): {v}" for v in axe_violations(page, axe_js)]
    context.close()

    assert not problems, "\n".join(problems)

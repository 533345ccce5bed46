"""Every page, in both languages, at desktop and phone width: no WCAG 2.1 A/AA violation (axe-core),
nothing wider than a 360 px screen, nothing the CSP had to block, KRDS styling and its typeface."""

from __future__ import annotations

from typing import Any

import pytest

from egov.portal.browser import WIDTHS, axe_violations, horizontal_overflow, sign_in

pytestmark = pytest.mark.browser

PUBLIC_PAGES = [
    "/",
    "/search/?q=passport",
    "/search/?q=" + "x" * 101,
    "/services/",
    "/contact/",
    "/privacy/",
    "/accessibility/",
    "/terms/",
    "/organisations/",
    "/no-such-page/",
    "/accounts/login/",
    "/accounts/signup/",
]
CITIZEN_PAGES = [
    "/my/",
    "/accounts/",
    "/accounts/password/",
    "/accounts/two-factor/",
    "/accounts/tokens/",
    "/notifications/inbox/",
]


class BlockedByCsp:
    """Collects what the browser refused under the page's CSP while armed (axe's own probes are not counted)."""

    def __init__(self, page: Any) -> None:
        self.messages: list[str] = []
        self.armed = False
        page.on("console", self._seen)

    def _seen(self, message: Any) -> None:
        if self.armed and "Content Security Policy" in message.text:
            self.messages.append(message.text)


def _check(page: Any, watch: BlockedByCsp, base: str, path: str, width: str, axe_js: str, problems: list[str]) -> None:
    watch.messages.clear()
    watch.armed = True
    page.goto(base + path)
    page.wait_for_load_state("load")
    page.evaluate("() => document.fonts.ready")
    watch.armed = False
    problems += [f"{path}: the CSP blocked {text}" for text in watch.messages]
    if width == "phone" and (overflow := horizontal_overflow(page)) > 0:
        problems.append(f"{path}: {overflow}px wider than the 360px screen")
    problems += [f"{path}: {violation}" for violation in axe_violations(page, axe_js)]


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("language", ["ko", "en"])
def test_every_page_passes_axe_and_fits_the_screen(
    new_context: Any, live_url: str, alice_account: Any, axe_js: str, language: str, width: str
) -> None:
    problems: list[str] = []
    context = new_context(viewport=WIDTHS[width], language=language)
    page = context.new_page()
    watch = BlockedByCsp(page)
    for path in PUBLIC_PAGES:
        _check(page, watch, live_url, path, width, axe_js, problems)
    sign_in(page, live_url, alice_account.username, alice_account.password)
    for path in CITIZEN_PAGES:
        _check(page, watch, live_url, path, width, axe_js, problems)
    assert not problems, "\n".join(problems)


def test_pages_are_styled_by_krds_and_set_in_pretendard_gov(new_context: Any, live_url: str) -> None:
    page = new_context().new_page()
    page.goto(live_url + "/")
    page.evaluate("() => document.fonts.ready")
    assert page.evaluate("() => document.fonts.check('16px \"Pretendard GOV\"', '정부')")
    assert page.evaluate("() => getComputedStyle(document.body).fontFamily").startswith('"Pretendard GOV"')
    assert page.evaluate("() => getComputedStyle(document.getElementById('krds-header')).position") == "sticky"
    assert page.evaluate("() => [...document.fonts].some(f => f.family.includes('Pretendard GOV') && f.status === 'loaded')")


def test_the_csp_watch_would_notice_an_inline_style(new_context: Any, live_url: str) -> None:
    page = new_context().new_page()
    watch = BlockedByCsp(page)
    page.goto(live_url + "/")
    watch.armed = True
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate("() => { const s = document.createElement('style'); s.textContent = 'body{color:red}'; document.head.append(s); }")
    assert watch.messages, "an inline <style> must be refused by the CSP, and the watch must see it"
    assert page.evaluate("() => getComputedStyle(document.body).color") != "rgb(255, 0, 0)"

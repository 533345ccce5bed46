"""The statistics, the definitions and the committee's dashboard in a real browser, after a small simulated year.

Korean and English, desktop and a 360 px phone: no WCAG 2.1 A/AA violation (axe-core),
nothing wider than the screen, and the charts readable without JavaScript (an SVG with
its title, and the figures as a table). With ``EGOV_JOURNEY_SCREENSHOTS=<dir>`` each page
is also saved there (docs/screenshots/ holds the committee's dashboard).
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

pytestmark = [pytest.mark.browser, pytest.mark.committed]

# As egov.portal.browser has them (import-linter keeps the metrics app from importing the portal's modules).
WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Any, axe_js: str) -> list[str]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_js)
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".map(v => v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target).join(', '))",
        AXE_TAGS,
    )
    return list(found)


def horizontal_overflow(page: Any) -> int:
    return int(page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def set_language(context: Any, base_url: str, language: str) -> None:
    from django.conf import settings

    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}])


@pytest.fixture
def simulated_year(committed_db: str) -> dict[str, str]:
    """A year of six residents through the services, and a head of organisation's session (the committee)."""
    from django.conf import settings
    from django.core.management import call_command

    from egov.accounts.fixtures import make_official, sign_in_client
    from egov.catalogue.public import load_catalogue
    from egov.exchange import public as exchange

    load_catalogue()
    exchange.load_exchange_pack()
    call_command("simulate", "--residents", "6", "--year", "2026", "--seed", "3", stdout=io.StringIO(),
                 stderr=io.StringIO())
    head = make_official("headofsgg", "Hana Head", "sgg-11110", ["head"])
    client = sign_in_client(Client(), head)
    return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_statistics_and_the_dashboard_pass_axe_and_fit_the_screen(
    simulated_year: dict[str, str], live_url: str, chromium_browser: Any, axe_js: str, width: str
) -> None:
    problems: list[str] = []
    context = chromium_browser.new_context(viewport=WIDTHS[width], java_script_enabled=True)
    context.set_default_timeout(15_000)
    context.add_cookies([{**simulated_year, "url": live_url}])
    page = context.new_page()
    shots = os.environ.get("EGOV_JOURNEY_SCREENSHOTS", "")
    for language in ("ko", "en"):
        set_language(context, live_url, language)
        for name, path in (("statistics", "/metrics/statistics/?year=2026"), ("definitions", "/metrics/definitions/"),
                           ("dashboard", "/metrics/dashboard/?year=2026"),
                           ("dashboard-refused", "/metrics/dashboard/?year=2026&region=x")):
            page.goto(live_url + path)
            page.wait_for_load_state("load")
            where = f"{path} ({language}, {width})"
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(shots) / f"metrics-{name}-{language}-{width}.png"), full_page=True)
            if width == "phone" and (overflow := horizontal_overflow(page)) > 0:
                problems.append(f"{where}: {overflow}px wider than the 360px screen")
            problems += [f"{where}: {violation}" for violation in axe_violations(page, axe_js)]
        page.goto(f"{live_url}/metrics/dashboard/?year=2026")
        assert page.locator("svg.egov-chart title").count() == 4
        heading = page.locator("h1").inner_text()
        assert heading == ("Programme dashboard" if language == "en" else "전자정부 성과 대시보드"), heading
    # The footer of every page links to the public statistics.
    page.goto(live_url + "/")
    assert page.locator("footer a[href='/metrics/statistics/']").count() == 1
    assert not problems, "\n".join(problems)

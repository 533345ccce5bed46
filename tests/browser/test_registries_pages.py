"""The registries' back office and My Gov's records in a real browser: no WCAG 2.1 A/AA violation
(axe-core) and nothing wider than a 360 px screen, in Korean and in English.

김민지 lives in 청운효자동 with her husband and their son; she owns a car, half of a parcel
and a flower shop. Casey, the clerk of the 청운효자동 office, opens her record and tries a
correction without a reason; Riley, the 종로구 reviewer, looks up her car, her parcel
and her shop. Alice's account is linked to 김민지's record; Bob's is not.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from egov.portal.browser import WIDTHS, axe_violations, horizontal_overflow, set_language, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.committed]


@pytest.fixture
def registers(committed_db: str) -> dict[str, Any]:
    """The family and its assets, the officials' sessions and the citizens, committed before the browser starts."""
    from django.conf import settings

    from egov.accounts.fixtures import PASSWORD, make_citizen, make_official, sign_in_client
    from egov.registries.tests.test_public import given_car, given_family, given_parcel, given_shop

    family = given_family()
    given_car(family["mother"], plate="12가3456")
    given_parcel(family["mother"], family["father"])
    given_shop(family["mother"])
    alice = make_citizen("alice", "Alice Citizen")
    alice.resident_id = family["mother"].pk
    alice.save(update_fields=["resident_id"])
    make_citizen("bob", "Bob Citizen")

    def session(user: Any) -> dict[str, str]:
        client = sign_in_client(Client(), user)
        return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}

    return {
        "family": family,
        "password": PASSWORD,
        "clerk": session(make_official("clerk", "Casey Clerk", "adm-1101072", ["clerk"])),
        "reviewer": session(make_official("reviewer", "Riley Reviewer", "sgg-11110", ["reviewer"])),
    }


class Findings:
    """What went wrong on the pages visited, gathered so the test reports every page at once."""

    def __init__(self, axe_js: str, width: str) -> None:
        self.axe_js = axe_js
        self.width = width
        self.problems: list[str] = []

    def check(self, page: Any, where: str) -> None:
        page.wait_for_load_state("load")
        if self.width == "phone" and (overflow := horizontal_overflow(page)) > 0:
            self.problems.append(f"{where}: {overflow}px wider than the 360px screen")
        self.problems.extend(f"{where}: {violation}" for violation in axe_violations(page, self.axe_js))


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_back_office_registry_pages_pass_axe_and_fit_the_screen(
    registers: dict[str, Any], live_url: str, chromium_browser: Any, axe_js: str, width: str
) -> None:
    mother = registers["family"]["mother"]
    record = f"/back-office/registries/residents/{mother.pk}/"
    pages = {
        "clerk": [
            "/back-office/",
            "/back-office/registries/",
            "/back-office/registries/residents/",
            "/back-office/registries/residents/?by=name&q=이준&purpose=residence_check",
            "/back-office/registries/residents/?by=number&q=123&purpose=",
            record,
            f"{record}?purpose=report_check",
            f"{record}correct/",
        ],
        "reviewer": [
            "/back-office/registries/vehicles/?plate=12가3456&purpose=civil_application",
            "/back-office/registries/vehicles/?plate=99&purpose=",
            "/back-office/registries/property/?pnu=1111010100100120000&purpose=civil_application",
            "/back-office/registries/businesses/?number=1018212348&purpose=civil_application",
        ],
    }
    findings = Findings(axe_js, width)
    texts: dict[str, str] = {}
    for official, paths in pages.items():
        context = chromium_browser.new_context(viewport=WIDTHS[width])
        context.set_default_timeout(15_000)
        context.add_cookies([{**registers[official], "url": live_url}])
        page = context.new_page()
        for language in ("ko", "en"):
            set_language(context, live_url, language)
            for path in paths:
                page.goto(live_url + path)
                findings.check(page, f"{path} ({language}, {width})")
                texts[f"{path} {language}"] = page.locator("main").inner_text()
            if official == "clerk":
                # A correction sent without a reason: refused, the message under the reason field.
                page.goto(f"{live_url}{record}correct/")
                page.fill("input[name=name_en]", "KIM MIN-JI")
                page.locator("main form button[type=submit]").click()
                page.wait_for_load_state()
                assert page.locator("#id_reason_error").is_visible()
                findings.check(page, f"correction refused ({language}, {width})")
        context.close()

    assert not findings.problems, "\n".join(findings.problems)
    shown = texts[f"{record}?purpose=report_check en"]
    assert "김민지" in shown and "이서준" in shown
    assert mother.identifier not in shown
    assert "아반떼" in texts["/back-office/registries/vehicles/?plate=12가3456&purpose=civil_application en"]


@pytest.mark.parametrize("width", list(WIDTHS))
def test_my_records_on_my_gov_pass_axe_and_fit_the_screen(
    registers: dict[str, Any], live_url: str, chromium_browser: Any, axe_js: str, width: str
) -> None:
    findings = Findings(axe_js, width)
    texts: dict[str, str] = {}
    for username in ("alice", "bob"):
        context = chromium_browser.new_context(viewport=WIDTHS[width])
        context.set_default_timeout(15_000)
        page = context.new_page()
        sign_in(page, live_url, username, registers["password"])
        for language in ("ko", "en"):
            set_language(context, live_url, language)
            page.goto(f"{live_url}/my/")
            findings.check(page, f"My Gov of {username} ({language}, {width})")
            texts[f"{username} {language}"] = page.locator("main").inner_text()
        context.close()

    assert not findings.problems, "\n".join(findings.problems)
    for expected in ("김민지", "이준호", "이서준", "12가3456", "민지네 꽃집"):
        assert expected in texts["alice en"]
    assert "Prove your identity" in texts["bob en"]

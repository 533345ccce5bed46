"""Issue 4's "Must show", in a real browser, as a new citizen would: give a consent on My Gov, see an
agency's access under "Who viewed my data" with its purpose, revoke the consent and see the next
request refused.

Alice's account is linked to her resident record (김하늘). The 청운효자동 office, where Casey
is the clerk, checks family relations for a child allowance and asks Alice for her
consent, giving her its code. The office's system reads through the gate
(``exchange.public.fetch``) in the test process, against the same database as the
server. The consent page and My Gov are checked in Korean and in English at 360 and
1280 px: no WCAG 2.1 A/AA violation (axe-core), nothing wider than the screen.

Set ``EGOV_JOURNEY_SCREENSHOTS`` to a directory to keep photographs of both pages.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from egov.portal.browser import PHONE, WIDTHS, axe_violations, horizontal_overflow, set_language, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.committed]

OFFICE = "adm-1101072"
PRODUCT = "family-relations"
PURPOSE = "benefit_eligibility"


@dataclass(frozen=True)
class Parties:
    password: str
    resident_id: Any
    clerk: Any


@pytest.fixture
def parties(committed_db: str) -> Parties:
    """The pack's data products and rights, Alice linked to her record, the office's clerk, committed first."""
    from egov.accounts.fixtures import PASSWORD, make_citizen, make_official
    from egov.exchange import public as exchange
    from egov.registries.tests.factories import make_resident

    exchange.load_exchange_pack()
    resident = make_resident(name_ko="김하늘", name_en="KIM HANEUL")
    alice = make_citizen("alice", "Alice Citizen")
    alice.resident_id = resident.id
    alice.save(update_fields=["resident_id"])
    clerk = make_official("clerk", "Casey Clerk", OFFICE, ["clerk"])
    return Parties(PASSWORD, resident.id, clerk)


def _office_reads(parties: Parties) -> Any:
    """The office's read of Alice's family relations, citing her newest consent; a refusal is returned, not raised.

    It runs in a thread of its own: Playwright's sync API keeps an event loop in the
    test's thread, where Django refuses database calls.
    """

    def read() -> Any:
        from django.db import connections

        from egov.exchange import public as exchange

        try:
            [consent] = [c for c in exchange.consents_of(resident_id=parties.resident_id)
                         if c.product_code == PRODUCT][:1]
            return exchange.fetch(requester=exchange.requester_for_user(parties.clerk), product=PRODUCT,
                                  purpose=PURPOSE, service="child-allowance",
                                  subject_resident_id=parties.resident_id, consent_id=consent.id)
        except exchange.Refused as refused:
            return refused
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(read).result()


def _photograph(page: Any, path: Path, name: str) -> None:
    """The whole consent page; of My Gov, the lines from the refusal down to the consent (her own reads between)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => window.scrollTo(0, 0)")
    if name == "consents":
        page.screenshot(path=str(path), full_page=True)
        return
    top = page.locator("#viewed-records > li[data-action='exchange.refused']").bounding_box()
    bottom = page.locator("#viewed-records > li[data-action='consent.granted']").last.bounding_box()
    width = page.viewport_size["width"]
    page.screenshot(path=str(path), full_page=True,
                    clip={"x": 0, "y": top["y"] - 16, "width": width, "height": bottom["y"] + bottom["height"] - top["y"] + 32})


def _problems(page: Any, axe_js: str, where: str, phone: bool) -> list[str]:
    page.wait_for_load_state("load")
    found = [f"{where}: {violation}" for violation in axe_violations(page, axe_js)]
    if phone and (overflow := horizontal_overflow(page)) > 0:
        found.append(f"{where}: {overflow}px wider than the 360px screen")
    return found


def test_alice_consents_sees_the_office_read_revokes_and_sees_the_next_request_refused(
    parties: Parties, live_url: str, chromium_browser: Any, axe_js: str,
) -> None:
    problems: list[str] = []
    context = chromium_browser.new_context(viewport=PHONE)
    context.set_default_timeout(15_000)
    set_language(context, live_url, "en")
    page = context.new_page()
    sign_in(page, live_url, "alice", parties.password)

    # From My Gov to her consents; a form sent half-filled is explained field by field.
    page.goto(f"{live_url}/my/")
    page.locator("main a[href='/my/consents/']").click()
    page.wait_for_url(f"{live_url}/my/consents/")
    assert "You have not given any consent." in page.locator("main").inner_text()
    page.locator("main form[action='/my/consents/'] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#id_product_error").is_visible() and page.locator("#id_recipient_error").is_visible()
    problems += _problems(page, axe_js, "consent form with errors (en, phone)", phone=True)

    # She gives the consent the office asked for: family relations, for a welfare benefit, 30 days.
    page.select_option("#id_product", PRODUCT)
    page.select_option("#id_purpose", PURPOSE)
    page.fill("#id_recipient_code", OFFICE)
    page.fill("#id_days", "30")
    page.locator("main form[action='/my/consents/'] button[type=submit]").click()
    page.wait_for_url(f"{live_url}/my/consents/")
    listed = page.locator("#consent-list").inner_text()
    assert "Family relations" in listed and "청운효자동" in listed and "Active" in listed

    # The office reads with it, and Alice sees who, which data, for what and under which consent.
    release = _office_reads(parties)
    assert not isinstance(release, Exception) and release.product == PRODUCT
    page.goto(f"{live_url}/my/")  # opening My Gov reads her records too: that line comes first
    office = page.locator("#viewed-records > li", has_text="Casey Clerk")
    assert office.count() == 1
    line = office.inner_text()
    assert "청운효자동 · Casey Clerk" in line
    assert "Family relations" in line
    assert "Checking eligibility for a welfare benefit" in line
    assert "Your consent" in line and "Completed" in line

    # She revokes it; the office's next request is refused, and she sees the refusal too.
    page.goto(f"{live_url}/my/consents/")
    page.locator("#consent-list form button[type=submit]").first.click()
    page.wait_for_url(f"{live_url}/my/consents/")
    assert "Revoked" in page.locator("#consent-list").inner_text()
    assert page.locator("#consent-list form").count() == 0
    refused = _office_reads(parties)
    assert isinstance(refused, Exception) and getattr(refused, "reason", "") == "consent_revoked"
    page.goto(f"{live_url}/my/")
    refusal = page.locator("#viewed-records > li", has_text="Request for your data refused")
    assert refusal.count() == 1
    line = refusal.inner_text()
    assert "Casey Clerk" in line
    assert "Refused: you had revoked your consent" in line
    assert "Family relations" in line and "Checking eligibility for a welfare benefit" in line

    # Later the office sends her a link to a filled-in form for another document; she reads it and agrees.
    page.goto(f"{live_url}/my/consents/?product=resident-registration-copy&purpose={PURPOSE}&recipient={OFFICE}")
    assert page.locator("#id_recipient").input_value() == OFFICE
    page.locator("main form[action='/my/consents/'] button[type=submit]").click()
    page.wait_for_url(f"{live_url}/my/consents/")
    assert page.locator("#consent-list form").count() == 1
    context.close()

    # Both pages, in both languages, at both widths.
    shots = os.environ.get("EGOV_JOURNEY_SCREENSHOTS", "")
    texts: dict[str, str] = {}
    for width, viewport in WIDTHS.items():
        context = chromium_browser.new_context(viewport=viewport, device_scale_factor=1)
        context.set_default_timeout(15_000)
        page = context.new_page()
        sign_in(page, live_url, "alice", parties.password)
        for language in ("ko", "en"):
            set_language(context, live_url, language)
            for name, path in (("consents", "/my/consents/"), ("who-viewed", "/my/#viewed")):
                page.goto(f"{live_url}{path}")
                where = f"{name} ({language}, {width})"
                problems += _problems(page, axe_js, where, phone=width == "phone")
                texts[f"{name} {language}"] = page.locator("main").inner_text()
                if shots:
                    _photograph(page, Path(shots) / f"my-gov-{name}-{language}-{viewport['width']}.png", name)
        context.close()

    assert not problems, "\n".join(problems)
    assert "복지급여 수급 자격 확인" in texts["who-viewed ko"] and "가족관계 정보" in texts["who-viewed ko"]
    assert "동의를 철회함" in texts["who-viewed ko"]
    assert "철회됨" in texts["consents ko"]


@pytest.fixture
def operator_session(parties: Parties) -> dict[str, str]:
    """Olivia the operator's signed-in session, and one released and one refused request in the exchange log."""
    from django.conf import settings
    from django.test import Client

    from egov.accounts.fixtures import make_official, sign_in_client
    from egov.exchange import public as exchange

    requester = exchange.requester_for_user(parties.clerk)
    exchange.fetch(requester=requester, product="resident-registration-extract", purpose="civil_application",
                   service="move-in-report", subject_resident_id=parties.resident_id,
                   legal_basis="Resident Registration Act, Article 30")
    with pytest.raises(exchange.Refused):
        exchange.fetch(requester=requester, product=PRODUCT, purpose=PURPOSE, service="child-allowance",
                       subject_resident_id=parties.resident_id)
    client = sign_in_client(Client(), make_official("olivia", "Olivia Operator", "cen-mois", ["operator"]))
    return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_back_office_pages_pass_axe_and_fit_the_screen(
    operator_session: dict[str, str], live_url: str, chromium_browser: Any, axe_js: str, width: str,
) -> None:
    problems: list[str] = []
    context = chromium_browser.new_context(viewport=WIDTHS[width])
    context.set_default_timeout(15_000)
    context.add_cookies([{**operator_session, "url": live_url}])
    page = context.new_page()
    texts: dict[str, str] = {}
    for language in ("ko", "en"):
        set_language(context, live_url, language)
        for path in ("/back-office/", "/back-office/exchange/", "/back-office/exchange/rights/",
                     "/back-office/exchange/rights/?revoked=1", "/back-office/exchange/log/"):
            page.goto(f"{live_url}{path}")
            problems += _problems(page, axe_js, f"{path} ({language}, {width})", phone=width == "phone")
            texts[f"{path} {language}"] = page.locator("main").inner_text()
        # A grant with an unknown consumer: refused, the message under the field.
        page.goto(f"{live_url}/back-office/exchange/rights/")
        page.fill("#id_consumer", "no-such-org")
        page.select_option("#id_product_code", PRODUCT)
        page.select_option("#id_purpose", PURPOSE)
        page.locator("main form[action='/back-office/exchange/rights/grant/'] button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("#id_consumer_error").is_visible()
        problems += _problems(page, axe_js, f"grant refused ({language}, {width})", phone=width == "phone")
    context.close()

    assert not problems, "\n".join(problems)
    log = texts["/back-office/exchange/log/ en"]
    assert "Released" in log and "Refused" in log and "no_consent_or_basis" in log
    assert "Family relations" in texts["/back-office/exchange/ en"]
    assert "Information sharing: data products, access rights, exchange log" in texts["/back-office/ en"]

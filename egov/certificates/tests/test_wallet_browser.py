"""The wallet and a share link in Chromium: Alice shares her name with a bank on her phone, the bank opens it once.

Checked in Korean and English at 360 and 1280 px (axe-core: no WCAG 2.1 A/AA violation,
nothing wider than the phone's screen); the visitor's browser has JavaScript switched off.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.committed]

# The portal's browser helpers are the portal's own (apps reach it only through its public
# interface), so the few steps needed are written here, as the notifications' test does.
PHONE = {"width": 360, "height": 740}
WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": PHONE}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Any, source: str) -> list[str]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(source)
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


def sign_in(page: Any, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()

FACTS = {
    "resident": {
        "name_ko": "김하늘",
        "number_masked": "900101-2******",
        "birth_date": "1990-01-01",
        "address": {"sido": "서울특별시", "sigungu": "종로구", "road": "자하문로", "building_number": "1"},
        "moved_in_on": "2020-03-02",
    },
}


@pytest.fixture
def alice_with_a_document(committed_db: str) -> str:
    """Alice and her resident registration abstract, committed before the browser starts."""
    from egov.accounts.fixtures import PASSWORD, make_citizen
    from egov.certificates import public

    alice = make_citizen("alice", "Alice Citizen")
    public.issue_document(
        document_type="resident-registration-extract",
        holder_id=alice.pk,
        subject_resident_ids=[uuid.uuid4()],
        case_reference="2026-000001",
        application_id=uuid.uuid4(),
        values={"facts": FACTS, "form": {}, "applicant": {"name": "김하늘"}, "case": {}},
        authority="서울특별시 종로구 청운효자동",
        by="system:applications",
    )
    return str(PASSWORD)


def _problems(page: Any, axe_js: str, where: str, *, phone: bool) -> list[str]:
    page.wait_for_load_state("load")
    found = [f"{where}: {violation}" for violation in axe_violations(page, axe_js)]
    if phone and (overflow := horizontal_overflow(page)) > 0:
        found.append(f"{where}: {overflow}px wider than the 360px screen")
    return found


def test_alice_shares_chosen_facts_and_the_bank_opens_the_link_once(
    alice_with_a_document: str, live_url: str, chromium_browser: Any, axe_js: str
) -> None:
    problems: list[str] = []

    for width, viewport in WIDTHS.items():
        for language in ("ko", "en"):
            context = chromium_browser.new_context(viewport=viewport)
            context.set_default_timeout(15_000)
            set_language(context, live_url, language)
            page = context.new_page()
            sign_in(page, live_url, "alice", alice_with_a_document)
            page.goto(f"{live_url}/certificates/wallet/")
            assert page.locator("[data-status]").first.get_attribute("data-status") == "valid"
            problems += _problems(page, axe_js, f"wallet ({language}, {width})", phone=width == "phone")
            page.locator("a.egov-share").first.click()
            problems += _problems(page, axe_js, f"share form ({language}, {width})", phone=width == "phone")
            context.close()

    # On her phone, in English: she shares her name and date of birth, once, with her bank.
    context = chromium_browser.new_context(viewport=PHONE)
    context.set_default_timeout(15_000)
    set_language(context, live_url, "en")
    page = context.new_page()
    sign_in(page, live_url, "alice", alice_with_a_document)
    page.goto(f"{live_url}/certificates/wallet/")
    page.locator("a.egov-share").first.click()
    page.locator("#create-share").click()  # nothing ticked: the form says what to do
    page.wait_for_load_state()
    assert "Choose at least one fact to share." in page.locator("main").inner_text()
    problems += _problems(page, axe_js, "share form with an error (en, phone)", phone=True)
    page.locator("label[for=id_field_name]").click()  # KRDS draws the box over the input
    page.locator("label[for=id_field_birth_date]").click()
    page.fill("#id_recipient", "KB Bank")
    page.locator("#create-share").click()
    page.wait_for_url(f"{live_url}/certificates/wallet/*")
    link = page.locator("input.egov-share-url").first.input_value()
    assert page.locator("img[alt='QR code of the link to give']").count() == 1
    problems += _problems(page, axe_js, "wallet with a link (en, phone)", phone=True)

    # The bank's officer opens the link signed out, without JavaScript: only the two facts.
    for language in ("ko", "en"):
        visitor = chromium_browser.new_context(viewport=PHONE, java_script_enabled=False)
        visitor.set_default_timeout(15_000)
        set_language(visitor, live_url, language)
        tab = visitor.new_page()
        tab.goto(link)
        problems += _problems_without_js(tab, language)
        if language == "en":
            tab.locator("#open-share").click()
            tab.wait_for_load_state()
            assert tab.locator("#verdict").get_attribute("data-verdict") == "valid"
            shown = tab.locator("main").inner_text()
            assert "김하늘" in shown and "1990-01-01" in shown
            assert "900101" not in shown and "자하문로" not in shown
            # A second try: the one-time link is used up and shows nothing.
            tab.goto(link)
            assert tab.locator("#verdict").get_attribute("data-verdict") == "used"
            assert "김하늘" not in tab.locator("main").inner_text()
        visitor.close()

    # The same pages, checked by axe with JavaScript on.
    visitor = chromium_browser.new_context(viewport=PHONE)
    set_language(visitor, live_url, "en")
    tab = visitor.new_page()
    tab.goto(link)
    problems += _problems(tab, axe_js, "share link used up (en, phone)", phone=True)
    visitor.close()

    # Alice sees when it was opened (looking at a link without opening it is not an opening).
    page.goto(f"{live_url}/certificates/wallet/")
    openings = page.locator(".egov-openings li")
    assert openings.count() == 1 and "on the web page: shown" in openings.first.inner_text()
    assert page.locator("[data-state]").first.get_attribute("data-state") == "used"
    context.close()

    assert not problems, "\n".join(problems)


def _problems_without_js(tab: Any, language: str) -> list[str]:
    """Without JavaScript axe cannot run; the page must still offer its button."""
    if tab.locator("#open-share").count() != 1:
        return [f"share link ({language}): no button to open the shared facts"]
    return []

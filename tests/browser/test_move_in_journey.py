"""Issue 5's "Must show", in a real browser, as a new citizen would: find the move-in report by typing
이사, file it online, see it on My Gov; the clerk of the new dong approves it from the queue, the
old dong's clerk sees it among the cases the office is told about, and My Gov shows the new address.

Alice's account is linked to her resident record (김하늘, head of her own household at
자하문로 1 in 청운효자동, where Casey is the clerk). She moves to 사직로 161 in 사직동, where
Sam is the clerk; she finds 사직동 by typing its name, and the page fills in its codes: the move-in definition assigns the case to the office of the new
address and tells the office of the old one. The apply page, her applications and the
officials' queue and case pages are checked in Korean and in English at 360 and
1280 px: no WCAG 2.1 A/AA violation (axe-core), nothing wider than the phone's screen.

Set ``EGOV_JOURNEY_SCREENSHOTS`` to a directory to keep a photograph of each page checked.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from egov.portal.browser import (
    DESKTOP,
    PHONE,
    WIDTHS,
    axe_violations,
    horizontal_overflow,
    set_language,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.committed]

# What Alice types of her new address; the province, the district and the codes come from the dong she picks.
NEW_ADDRESS = {"road": "사직로", "building_number": "161", "postcode": "03045"}


@dataclass(frozen=True)
class Parties:
    password: str
    moved_on: str
    casey_cookie: dict[str, Any]
    sam_cookie: dict[str, Any]


def _cookie(user: Any) -> dict[str, Any]:
    from django.conf import settings
    from django.test import Client

    from egov.accounts.fixtures import sign_in_client

    client = sign_in_client(Client(), user)
    return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}


@pytest.fixture
def parties(committed_db: str) -> Parties:
    """The kr pack's services and data products, Alice on the register, both dong offices with their clerks."""
    from django.apps import apps

    from egov.accounts.fixtures import PASSWORD, make_citizen, make_official, persona_password_hash
    from egov.applications.tests.conftest import make_dong_office
    from egov.applications.tests.test_address_lookup import add_place
    from egov.catalogue.public import load_catalogue
    from egov.core import clock
    from egov.exchange import public as exchange
    from egov.registries.tests.factories import make_resident

    load_catalogue()
    exchange.load_exchange_pack()
    resident = make_resident(name_ko="김하늘", name_en="KIM HANEUL")
    alice = make_citizen("alice", "Alice Citizen")
    alice.resident_id = resident.id
    alice.save(update_fields=["resident_id"])
    casey = make_official("clerk", "Casey Clerk", "adm-1101072", ["clerk"])
    sajik = make_dong_office("1101053", "사직동")
    add_place("1111011500", "서울특별시 종로구 사직동", {"1101053": "사직동"})
    add_place("1168010100", "서울특별시 강남구 역삼동", {"1123064": "역삼1동", "1123065": "역삼2동"})
    sam = apps.get_model("accounts", "User").objects.create(
        username="sam", display_name="Sam Sajik", kind="official", password=persona_password_hash())
    official = apps.get_model("accounts", "Official").objects.create(user=sam, organisation=sajik)
    apps.get_model("accounts", "RoleAssignment").objects.create(official=official, role="clerk")
    moved_on = (clock.today() - timedelta(days=1)).isoformat()
    return Parties(PASSWORD, moved_on, _cookie(casey), _cookie(sam))


def _problems(page: Any, axe_js: str, where: str, phone: bool) -> list[str]:
    page.wait_for_load_state("load")
    if shots := os.environ.get("EGOV_JOURNEY_SCREENSHOTS", ""):
        name = re.sub(r"[^a-z0-9]+", "-", where.lower()).strip("-")
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"move-in-{name}.png"), full_page=True)
    found = [f"{where}: {violation}" for violation in axe_violations(page, axe_js)]
    if phone and (overflow := horizontal_overflow(page)) > 0:
        found.append(f"{where}: {overflow}px wider than the 360px screen")
    return found


def _official(chromium_browser: Any, live_url: str, cookie: dict[str, Any], *, viewport: dict[str, int],
              language: str) -> tuple[Any, Any]:
    context = chromium_browser.new_context(viewport=viewport)
    context.set_default_timeout(15_000)
    context.add_cookies([{**cookie, "url": live_url}])
    set_language(context, live_url, language)
    return context, context.new_page()


def _case_path(chromium_browser: Any, live_url: str, cookie: dict[str, Any], reference: str) -> str:
    context, tab = _official(chromium_browser, live_url, cookie, viewport=DESKTOP, language="en")
    tab.goto(f"{live_url}/back-office/cases/")
    path = str(tab.locator("#queue a", has_text=reference).get_attribute("href"))
    context.close()
    return path


def _sweep(chromium_browser: Any, live_url: str, axe_js: str, parties: Parties, *, viewport: dict[str, int],
           width: str, case_path: str) -> list[str]:
    """axe and the screen width on the citizen's and both clerks' pages, in Korean and in English."""
    problems: list[str] = []
    phone = width == "phone"
    citizen = chromium_browser.new_context(viewport=viewport)
    citizen.set_default_timeout(15_000)
    page = citizen.new_page()
    sign_in(page, live_url, "alice", parties.password)
    sam_context, desk = _official(chromium_browser, live_url, parties.sam_cookie, viewport=viewport, language="ko")
    casey_context, counter = _official(chromium_browser, live_url, parties.casey_cookie, viewport=viewport,
                                       language="ko")
    contexts = (citizen, sam_context, casey_context)
    for language in ("ko", "en"):
        for context in contexts:
            set_language(context, live_url, language)
        for path in ("/catalogue/services/move-in-report/", "/applications/apply/move-in-report/",
                     "/applications/mine/", "/my/"):
            page.goto(f"{live_url}{path}")
            problems += _problems(page, axe_js, f"{path} ({language}, {width})", phone=phone)
        page.goto(live_url + str(page.locator("#my-applications a").first.get_attribute("href")))
        problems += _problems(page, axe_js, f"application page ({language}, {width})", phone=phone)
        for who, tab in (("new dong", desk), ("old dong", counter)):
            for name, path in (("back office", "/back-office/"), ("queue", "/back-office/cases/"), ("case", case_path)):
                tab.goto(f"{live_url}{path}")
                problems += _problems(tab, axe_js, f"{name} ({who}, {language}, {width})", phone=phone)
        counter.goto(f"{live_url}/back-office/cases/counter/")
        problems += _problems(counter, axe_js, f"counter ({language}, {width})", phone=phone)
    for context in contexts:
        context.close()
    return problems


def test_alice_finds_the_move_in_report_files_it_and_sees_her_new_address_once_the_new_dong_approves(
    parties: Parties, live_url: str, chromium_browser: Any, axe_js: str,
) -> None:
    problems: list[str] = []

    # On her phone, in Korean: she types 이사 in the portal's search box and opens 전입신고.
    citizen = chromium_browser.new_context(viewport=PHONE)
    citizen.set_default_timeout(15_000)
    set_language(citizen, live_url, "ko")
    page = citizen.new_page()
    sign_in(page, live_url, "alice", parties.password)
    page.goto(f"{live_url}/")
    page.fill("#id_q", "이사")
    page.locator("form[role=search] button[type=submit]").first.click()
    page.wait_for_url(f"{live_url}/search/?q=*")
    page.locator("main a", has_text="전입신고").first.click()
    page.wait_for_url(f"{live_url}/catalogue/services/move-in-report/")

    # A certificate issued only at the counter says so, with no button; the move-in report sends her to the form.
    page.goto(f"{live_url}/catalogue/services/full-adoption-relations-certificate/")
    assert page.locator("#counter-only").is_visible() and page.locator("#apply-online").count() == 0
    page.go_back()
    page.locator("#apply-online a").click()
    page.wait_for_url(f"{live_url}/applications/apply/move-in-report/")
    problems += _problems(page, axe_js, "apply page (ko, phone)", phone=True)

    # Sent empty, the form says what is missing under each field, and nothing is filed.
    page.locator("#submit-application").click()
    page.wait_for_load_state()
    assert page.locator("#id_new_address_error").is_visible()
    assert page.locator("#id_moved_on_error").is_visible()
    problems += _problems(page, axe_js, "apply page with errors (ko, phone)", phone=True)

    # The day she moved and who moves; then she finds her new dong by its name instead of typing its codes.
    page.fill("#id_moved_on", parties.moved_on)
    page.select_option("#id_movers", "whole_household")
    page.fill("#id_new_address\\.find", "사직")
    page.locator("#finder-new_address button[name=find]").click()
    page.wait_for_load_state()
    places = page.locator("#places-new_address")
    assert "서울특별시 종로구 사직동" in places.inner_text() and "강남구" not in places.inner_text()
    problems += _problems(page, axe_js, "apply page with the dongs found (ko, phone)", phone=True)
    places.locator("label", has_text="종로구 사직동").click()
    places.locator("button[name=pick]").click()
    page.wait_for_load_state()
    # The codes and the administrative dong are filled in; her other answers are still there.
    assert page.locator("#id_new_address\\.legal_dong_code").input_value() == "1111011500"
    assert page.locator("#id_new_address\\.admin_dong_code").input_value() == "1101053"
    assert page.locator("#id_new_address\\.sigungu").input_value() == "종로구"
    assert page.locator("#id_moved_on").input_value() == parties.moved_on
    assert page.locator("#id_movers").input_value() == "whole_household"
    for part, value in NEW_ADDRESS.items():
        page.fill(f"#id_new_address\\.{part}", value)
    page.locator("label[for=id_consent]").click()
    page.locator("#submit-application").click()
    page.wait_for_url(f"{live_url}/applications/mine/*/")
    assert "접수" in page.locator("#status").inner_text()
    reference = page.locator("#status .egov-reference").inner_text().strip()
    problems += _problems(page, axe_js, "application page (ko, phone)", phone=True)

    # My Gov lists it with its state, and links to all her applications.
    page.goto(f"{live_url}/my/")
    mine = page.locator("#my-applications > li", has_text="전입신고")
    assert mine.count() == 1 and reference in mine.inner_text() and "접수" in mine.inner_text()
    page.locator("main a[href='/applications/mine/']").click()
    page.wait_for_url(f"{live_url}/applications/mine/")
    assert reference in page.locator("#application-list").inner_text()

    citizen.close()

    # Every page of the journey, while the case waits, in both languages at both widths.
    case_path = _case_path(chromium_browser, live_url, parties.sam_cookie, reference)
    for width, viewport in WIDTHS.items():
        problems += _sweep(chromium_browser, live_url, axe_js, parties, viewport=viewport, width=width,
                           case_path=case_path)

    # Sam, the clerk of 사직동 (the new dong), takes it from his queue and approves it.
    sam_context, desk = _official(chromium_browser, live_url, parties.sam_cookie, viewport=DESKTOP, language="en")
    desk.goto(f"{live_url}/back-office/")
    assert desk.locator("main a[href='/back-office/cases/counter/']").count() == 1
    desk.locator("main a[href='/back-office/cases/']").click()
    desk.wait_for_url(f"{live_url}/back-office/cases/")
    desk.locator("#queue a", has_text=reference).click()
    desk.wait_for_url(f"{live_url}{case_path}")
    answers = desk.locator("#answers + dl").inner_text()
    assert "서울특별시 종로구 사직로 161" in answers and "The whole household" in answers
    desk.locator("main form[action$='/claim/'] button[type=submit]").click()
    desk.wait_for_load_state()
    assert "In review" in desk.locator("main dl").first.inner_text()
    desk.locator("main form[action$='/approve/'] button[type=submit]").click()
    desk.wait_for_load_state()
    assert "Approved" in desk.locator("main dl").first.inner_text()
    desk.goto(f"{live_url}/back-office/cases/")
    assert desk.locator("#queue").count() == 0
    sam_context.close()

    # Casey, the clerk of 청운효자동 (the old dong), sees it among the cases her office is told about.
    casey_context, counter = _official(chromium_browser, live_url, parties.casey_cookie, viewport=DESKTOP,
                                       language="en")
    counter.goto(f"{live_url}/back-office/cases/")
    assert counter.locator("#queue").count() == 0
    told = counter.locator("#informed + ul > li", has_text=reference)
    assert told.count() == 1 and "Approved" in told.inner_text()
    told.locator("a").click()
    counter.wait_for_url(f"{live_url}{case_path}")
    assert "another office decides it" in counter.locator("main").inner_text()
    assert counter.locator("main form").count() == 0
    casey_context.close()

    # Alice's My Gov: the application approved, and her own records at the new address.
    citizen = chromium_browser.new_context(viewport=PHONE)
    citizen.set_default_timeout(15_000)
    set_language(citizen, live_url, "ko")
    page = citizen.new_page()
    sign_in(page, live_url, "alice", parties.password)
    page.goto(f"{live_url}/my/")
    assert "처리 완료" in page.locator("#my-applications > li", has_text="전입신고").inner_text()
    address = page.locator("#records ~ dl", has_text="사직로 161").first.inner_text()
    assert "자하문로" not in address
    problems += _problems(page, axe_js, "My Gov after the move (ko, phone)", phone=True)
    citizen.close()

    assert not problems, "\n".join(problems)

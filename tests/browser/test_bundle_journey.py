"""Bundled life-event services in a real browser, as a new parent and an heir would use them.

Alice (김하늘, 청운효자동) files the birth one-stop service on her phone in Korean: one form for
the birth report, the child allowance and the parental benefit, the account number asked
once; a wrong answer comes back under its field with every other answer kept; once sent,
the result page and My applications show the three cases together, each at its own
office. Then the safe-inheritance inquiry: the three inquiries complete at once. Every
page is checked in Korean and in English at 360 and 1280 px: no WCAG 2.1 A/AA violation
(axe-core), nothing wider than the phone's screen.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from egov.portal.browser import PHONE, WIDTHS, axe_violations, horizontal_overflow, set_language, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.committed]

BIRTHPLACE = {
    "sido": "서울특별시",
    "sigungu": "종로구",
    "road": "사직로",
    "building_number": "161",
    "postcode": "03045",
    "legal_dong_code": "1111011900",
    "admin_dong_code": "1101053",
}


@pytest.fixture
def parents(committed_db: str) -> dict[str, str]:
    """The kr pack's services and data products, Alice on the register, the offices that decide the members."""
    from egov.accounts.fixtures import PASSWORD, make_citizen, make_official
    from egov.applications.tests.conftest import make_dong_office
    from egov.catalogue.public import load_catalogue
    from egov.core import clock
    from egov.exchange import public as exchange
    from egov.registries.tests.factories import make_resident

    load_catalogue()
    exchange.load_exchange_pack()
    # Alice's late father: her safe-inheritance inquiry reads his records, and only because she is his child.
    father = make_resident(name_ko="김철수", name_en="KIM CHEOLSU", birth_date=date(1950, 1, 1),
                           identifier="5001011234567", status="deceased", died_on=date(2026, 10, 2))
    resident = make_resident(name_ko="김하늘", name_en="KIM HANEUL", father=father)
    alice = make_citizen("alice", "Alice Citizen")
    alice.resident_id = resident.id
    alice.save(update_fields=["resident_id"])
    make_official("clerk", "Casey Clerk", "adm-1101072", ["clerk"])
    make_official("reviewer", "Riley Reviewer", "sgg-11110", ["reviewer"])
    make_dong_office("1101053", "사직동")
    return {"password": PASSWORD, "born_on": (clock.today() - timedelta(days=2)).isoformat()}


def _problems(page: Any, axe_js: str, where: str, phone: bool) -> list[str]:
    page.wait_for_load_state("load")
    found = [f"{where}: {violation}" for violation in axe_violations(page, axe_js)]
    if phone and (overflow := horizontal_overflow(page)) > 0:
        found.append(f"{where}: {overflow}px wider than the 360px screen")
    return found


def test_alice_files_the_birth_one_stop_service_with_one_form_and_follows_its_three_cases(
    parents: dict[str, str],
    live_url: str,
    chromium_browser: Any,
    axe_js: str,
    tmp_path: Path,
) -> None:
    problems: list[str] = []
    proof = tmp_path / "birth-proof.pdf"
    proof.write_bytes(b"%PDF-1.4\n% proof of birth\n")
    citizen = chromium_browser.new_context(viewport=PHONE)
    citizen.set_default_timeout(15_000)
    set_language(citizen, live_url, "ko")
    page = citizen.new_page()
    sign_in(page, live_url, "alice", parents["password"])
    page.goto(f"{live_url}/applications/apply/birth-one-stop/")
    members = page.locator("#bundle-members").inner_text()
    assert "출생신고" in members and "아동수당 신청" in members and "부모급여 신청" in members
    # The account for the two benefits is asked once.
    assert page.locator("input[name=bank_account]").count() == 1
    problems += _problems(page, axe_js, "bundle apply page (ko, phone)", phone=True)

    # The child has no registration number yet: it is not asked, and the page says where it comes from.
    assert page.locator("#id_child_number").count() == 0
    assert "출생신고가 처리되면 아이에게 주민등록번호가 부여되어" in page.locator("#bundle-members").inner_text()
    page.fill("#id_child_name_ko", "Byeol")
    page.fill("#id_born_on", parents["born_on"])
    page.select_option("#id_sex", "female")
    for part, value in BIRTHPLACE.items():
        page.fill(f"#id_birthplace\\.{part}", value)
    page.set_input_files("#id_birth_proof", str(proof))
    page.fill("#id_bank_account", "110-123-456789")
    page.select_option("#id_childcare", "home")
    page.locator("label[for=id_consent]").click()
    page.locator("#submit-application").click()
    page.wait_for_load_state()

    # The name in Latin letters is shown wrong under its field; her other answers are still there.
    assert page.locator("#id_child_name_ko_error").is_visible()
    assert page.locator("#id_bank_account").input_value() == "110-123-456789"
    problems += _problems(page, axe_js, "bundle apply page with errors (ko, phone)", phone=True)
    page.fill("#id_child_name_ko", "김별")
    page.set_input_files("#id_birth_proof", str(proof))
    page.locator("label[for=id_consent]").click()
    page.locator("#submit-application").click()
    page.wait_for_url(f"{live_url}/applications/mine/bundles/*/")
    result_path = page.url.removeprefix(live_url)
    cases = page.locator("#bundle-applications > li")
    assert cases.count() == 3
    assert all("접수" in cases.nth(i).inner_text() for i in range(3))
    references = [cases.nth(i).locator(".egov-reference").inner_text().strip() for i in range(3)]

    # My applications shows the three together under the bundle's name.
    page.goto(f"{live_url}/applications/mine/")
    together = page.locator("#application-list > li.egov-bundle", has_text="출생 원스톱 서비스")
    assert together.count() == 1 and all(reference in together.inner_text() for reference in references)

    # The safe-inheritance inquiry: three inquiries, each completed at once.
    page.goto(f"{live_url}/applications/apply/safe-inheritance-inquiry/")
    page.fill("#id_deceased_number", "500101-1234567")
    page.select_option("#id_relation", "child")
    page.locator("#submit-application").click()
    page.wait_for_url(f"{live_url}/applications/mine/bundles/*/")
    inquiries = page.locator("#bundle-applications > li")
    assert inquiries.count() == 3 and all("처리 완료" in inquiries.nth(i).inner_text() for i in range(3))
    citizen.close()

    # Every page of the journey in both languages at both widths.
    for width, viewport in WIDTHS.items():
        context = chromium_browser.new_context(viewport=viewport)
        context.set_default_timeout(15_000)
        tab = context.new_page()
        sign_in(tab, live_url, "alice", parents["password"])
        for language in ("ko", "en"):
            set_language(context, live_url, language)
            for path in (
                "/applications/apply/birth-one-stop/",
                "/applications/apply/safe-inheritance-inquiry/",
                result_path,
                "/applications/mine/",
                "/my/",
            ):
                tab.goto(f"{live_url}{path}")
                problems += _problems(tab, axe_js, f"{path} ({language}, {width})", phone=width == "phone")
        context.close()

    assert not problems, "\n".join(problems)

"""A new citizen's first day, in a real browser: sign up, prove one's identity with a code from the
counter, and find one's household and vehicle on My Gov.

이서연 lives in 청운효자동 with her husband and their son and owns a car. She has no account
yet. Casey, the clerk of the 청운효자동 office, checks her ID card and gives her a code;
she types her resident registration number and the code on the portal. The proofing
pages are checked on the way, in Korean and in English at phone width: no WCAG 2.1 A/AA
violation and nothing wider than the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from egov.portal.browser import PHONE, axe_violations, horizontal_overflow, set_language, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.committed]

PASSWORD = "a long walk to the dong office"  # noqa: S105 - the test visitor's password


@dataclass(frozen=True)
class Household:
    number: str
    member_names: tuple[str, ...]
    plate: str
    clerk_cookie: dict[str, Any]


@pytest.fixture
def seoyeon(committed_db: str) -> Household:
    """Her household, her car and the clerk's signed-in session, committed before the browser starts."""
    from django.conf import settings
    from django.test import Client

    from egov.accounts.fixtures import make_official, sign_in_client
    from egov.registries.models import Vehicle
    from egov.registries.tests.factories import make_resident

    head = make_resident(name_ko="이서연", name_en="LEE SEOYEON", birth_date=date(1988, 4, 12), sex="F")
    home = head.household
    assert home is not None
    husband = make_resident(name_ko="박민준", name_en="PARK MINJUN", birth_date=date(1986, 9, 3), sex="M",
                            household=home, household_relation="spouse")
    son = make_resident(name_ko="박지호", name_en="PARK JIHO", birth_date=date(2019, 2, 20), sex="M",
                        household=home, household_relation="child", father=husband, mother=head)
    Vehicle.objects.create(
        plate_number="123가4567", vin="KMHD341CBMU123456", make="Hyundai", model="Avante", model_year=2021,
        fuel="gasoline", owner_resident=head, use_address=home.address_line,
        use_legal_dong_code=home.legal_dong_code, registered_on=date(2021, 5, 1),
    )
    clerk = make_official("clerk", "Casey Clerk", "adm-1101072", ["clerk"])
    client = sign_in_client(Client(), clerk)
    cookie = {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}
    return Household(head.identifier, (head.name_ko, husband.name_ko, son.name_ko), "123가4567", cookie)


def _problems(page: Any, axe_js: str, where: str) -> list[str]:
    page.wait_for_load_state("load")
    found = [f"{where}: {violation}" for violation in axe_violations(page, axe_js)]
    if (overflow := horizontal_overflow(page)) > 0:
        found.append(f"{where}: {overflow}px wider than the 360px screen")
    return found


def test_a_new_citizen_signs_up_proves_identity_at_the_counter_and_sees_household_and_vehicle(
    seoyeon: Household, live_url: str, chromium_browser: Any, axe_js: str
) -> None:
    problems: list[str] = []

    # She signs up on her phone and signs in.
    citizen = chromium_browser.new_context(viewport=PHONE)
    citizen.set_default_timeout(15_000)
    set_language(citizen, live_url, "en")
    page = citizen.new_page()
    page.goto(f"{live_url}/accounts/signup/")
    page.fill("input[name=username]", "seoyeon")
    page.fill("input[name=display_name]", "Seoyeon")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password_again]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_url}/accounts/login/")
    sign_in(page, live_url, "seoyeon", PASSWORD)

    # Her account shows no records yet; the proof page refuses a number typed without a valid code.
    for language in ("ko", "en"):
        set_language(citizen, live_url, language)
        page.goto(f"{live_url}/registries/proof/")
        problems += _problems(page, axe_js, f"proof page ({language})")
        page.fill("input[name='proof-number']", seoyeon.number)
        page.fill("input[name='proof-code']", "12345678")
        page.locator("form:has(input[name=action][value=prove]) button[type=submit]").click()
        assert page.locator("#id_proof-code_error").is_visible()
        problems += _problems(page, axe_js, f"proof page with a wrong code ({language})")
    assert page.url == f"{live_url}/registries/proof/"

    # At the counter, Casey checks her ID card, looks her up and issues a code.
    counter = chromium_browser.new_context(viewport=PHONE)
    counter.set_default_timeout(15_000)
    counter.add_cookies([{**seoyeon.clerk_cookie, "url": live_url}])
    desk = counter.new_page()
    code = ""
    for language in ("ko", "en"):
        set_language(counter, live_url, language)
        desk.goto(f"{live_url}/back-office/identity/")
        problems += _problems(desk, axe_js, f"counter ({language})")
        desk.fill("input[name=number]", seoyeon.number)
        desk.locator("form:has(input[name=action][value=lookup]) button[type=submit]").click()
        desk.wait_for_load_state()
        assert "이서연" in desk.locator("main").inner_text()
        assert seoyeon.number not in desk.content()
        problems += _problems(desk, axe_js, f"counter, record found ({language})")
        desk.locator("form:has(input[name=action][value=issue]) button[type=submit]").click()
        desk.wait_for_load_state()
        code = desk.locator("#proofing-code").inner_text()
        problems += _problems(desk, axe_js, f"counter, code issued ({language})")
    assert len(code.replace(" ", "")) == 8

    # She types her number and the code, and lands on My Gov with her household and her car.
    set_language(citizen, live_url, "en")
    page.goto(f"{live_url}/registries/proof/")
    page.fill("input[name='proof-number']", seoyeon.number)
    page.fill("input[name='proof-code']", code)
    page.locator("form:has(input[name=action][value=prove]) button[type=submit]").click()
    page.wait_for_url(f"{live_url}/my/")
    main = page.locator("main").inner_text()
    counter.close()
    citizen.close()

    assert not problems, "\n".join(problems)
    assert "Your identity is proven" in main
    for name in seoyeon.member_names:
        assert name in main, f"My Gov should list {name} of her household"
    assert seoyeon.plate in main, "My Gov should list her vehicle's plate"

"""National Secretary (국민비서) in a real browser: a citizen subscribes to notices on My Gov, the clock moves to
her car's inspection month, the daily scheduler runs in ``egov worker``, and the notice waits in her inbox with
a link straight to the service.

이서연 has just proven her identity (her account is linked to her resident record, as the
identity-proofing journey leaves it) and owns a car whose periodic inspection is due on
31 March 2030. The pages on the way are checked in Korean and English at phone width:
no WCAG 2.1 A/AA violation and nothing wider than the screen; the subscription works
without JavaScript.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from egov.portal.browser import PHONE, axe_violations, horizontal_overflow, set_language, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.committed]

PASSWORD = "a long walk to the dong office"  # noqa: S105 - the test citizen's password
PLATE = "123가4567"
# Early in the inspection month, after the notices' 08:00 run (Seoul time).
INSPECTION_MONTH = "2030-03-02T09:30:00+09:00"


@pytest.fixture
def seoyeon(committed_db: str) -> str:
    """Her account, linked to her resident record, and her car; committed before the browser starts."""
    from django.contrib.auth import get_user_model

    from egov.notifications.public import load_notices_pack
    from egov.registries.models import Vehicle
    from egov.registries.tests.factories import make_resident

    load_notices_pack()
    resident = make_resident(name_ko="이서연", name_en="LEE SEOYEON", birth_date=date(1988, 4, 12), sex="F")
    Vehicle.objects.create(plate_number=PLATE, vin="KMHD341CBMU123456", make="Hyundai", model="Avante",
                           model_year=2021, fuel="gasoline", owner_resident=resident, registered_on=date(2021, 5, 1),
                           inspection_due_on=date(2030, 3, 31))
    get_user_model().objects.create_user(username="seoyeon", password=PASSWORD, display_name="이서연",
                                         resident_id=resident.id)
    return "seoyeon"


def _problems(page: Any, axe_js: str, where: str) -> list[str]:
    page.wait_for_load_state("load")
    found = [f"{where}: {violation}" for violation in axe_violations(page, axe_js)]
    if (overflow := horizontal_overflow(page)) > 0:
        found.append(f"{where}: {overflow}px wider than the 360px screen")
    return found


def _run_scheduler(database_url: str, now: str) -> None:
    """``egov worker --batch`` with the clock moved: it starts the day's jobs, runs them and every task, then exits."""
    egov = str(Path(sys.executable).with_name("egov"))
    subprocess.run(  # noqa: S603 - our own command with fixed arguments
        [egov, "worker", "--batch", "--no-startup-delay"],
        env={**os.environ, "DATABASE_URL": database_url, "EGOV_NOW": now}, capture_output=True, timeout=180, check=True,
    )


def test_a_citizen_subscribes_and_finds_the_inspection_notice_in_the_inbox_linking_to_the_service(
    seoyeon: str, committed_db: str, live_url: str, chromium_browser: Any, axe_js: str,
) -> None:
    problems: list[str] = []
    citizen = chromium_browser.new_context(viewport=PHONE)
    citizen.set_default_timeout(15_000)
    page = citizen.new_page()
    set_language(citizen, live_url, "en")
    sign_in(page, live_url, seoyeon, PASSWORD)

    # My Gov says she subscribes to nothing yet; its link leads to the choices.
    for language in ("ko", "en"):
        set_language(citizen, live_url, language)
        page.goto(f"{live_url}/my/")
        problems += _problems(page, axe_js, f"My Gov ({language})")
        page.goto(f"{live_url}/notifications/preferences/")
        problems += _problems(page, axe_js, f"preferences ({language})")
    page.goto(f"{live_url}/my/")
    assert "None: subscribe to be told before a deadline" in page.locator("#telling").inner_text()
    page.locator("#change-telling").click()
    page.wait_for_url(f"{live_url}/notifications/preferences/")
    citizen.close()

    # She ticks the inspection notice and saves, with JavaScript off.
    plain = chromium_browser.new_context(viewport=PHONE, java_script_enabled=False)
    plain.set_default_timeout(15_000)
    set_language(plain, live_url, "en")
    page = plain.new_page()
    sign_in(page, live_url, seoyeon, PASSWORD)
    page.goto(f"{live_url}/notifications/preferences/")
    page.locator("label[for=id_notice_vehicle-inspection-due]").click()  # the KRDS label covers the box
    assert page.get_by_label("Vehicle inspection due").is_checked()
    page.get_by_role("button", name="Save my choices").click()
    page.wait_for_load_state()
    assert "Your choices are saved." in page.locator("main").inner_text()
    page.goto(f"{live_url}/my/")
    assert "Vehicle inspection due" in page.locator("#telling").inner_text()

    # The clock moves to the inspection month and the daily scheduler runs.
    _run_scheduler(committed_db, INSPECTION_MONTH)
    _run_scheduler(committed_db, INSPECTION_MONTH)  # a second run the same day sends nothing new

    # She finds it in her inbox (axe runs in a context with JavaScript, as axe itself needs it).
    checked = chromium_browser.new_context(viewport=PHONE)
    checked.set_default_timeout(15_000)
    checked.add_cookies(plain.cookies())
    for language in ("ko", "en"):
        set_language(checked, live_url, language)
        inbox = checked.new_page()
        inbox.goto(f"{live_url}/notifications/inbox/")
        problems += _problems(inbox, axe_js, f"inbox with the notice ({language})")
        inbox.close()
    checked.close()
    page.goto(f"{live_url}/notifications/inbox/")
    notices = page.locator("main li", has_text=PLATE)
    assert notices.count() == 1, "one notice, however often the scheduler runs"
    assert "2030" in notices.inner_text()
    notices.get_by_role("link", name="Go to the service").click()
    page.wait_for_load_state()
    landed = page.url
    heading = page.locator("h1").inner_text()
    plain.close()

    assert not problems, "\n".join(problems)
    assert landed == f"{live_url}/catalogue/services/vehicle-register-extract/"
    assert heading == "Vehicle register extract"

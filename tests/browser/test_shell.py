"""The shell in a real browser: signing in, switching language without JavaScript, the phone layout."""

from __future__ import annotations

from typing import Any

import pytest

from egov.portal.browser import PHONE, sign_in

pytestmark = pytest.mark.browser


def test_a_citizen_signs_in_and_lands_on_my_gov(new_context: Any, live_url: str, alice_account: Any) -> None:
    page = new_context(language="en").new_page()
    page.goto(live_url + "/")
    page.click("#krds-header a.btn-navi.login")
    page.fill("input[name=username]", alice_account.username)
    page.fill("input[name=password]", alice_account.password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(live_url + "/")
    assert page.locator("#krds-header button.btn-navi.logout").is_visible()
    page.goto(live_url + "/my/")
    assert page.locator("h1").inner_text() == "My Gov"
    assert "Hello, Alice Kim." in page.locator("main").inner_text()
    assert "Signed in" in page.locator("#viewed-records").inner_text()


def test_a_wrong_password_does_not_sign_in(new_context: Any, live_url: str, alice_account: Any) -> None:
    page = new_context(language="en").new_page()
    page.goto(live_url + "/accounts/login/")
    page.fill("input[name=username]", alice_account.username)
    page.fill("input[name=password]", "not the password")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(live_url + "/my/")
    assert page.url.startswith(live_url + "/accounts/login/")


def test_signing_out_works_without_javascript(new_context: Any, live_url: str, alice_account: Any) -> None:
    page = new_context(language="en", java_script_enabled=False).new_page()
    sign_in(page, live_url, alice_account.username, alice_account.password)
    page.goto(live_url + "/my/")
    page.click("#krds-header button.btn-navi.logout")
    page.wait_for_load_state()
    page.goto(live_url + "/my/")
    assert page.url.startswith(live_url + "/accounts/login/")


def test_the_language_switch_works_without_javascript(new_context: Any, live_url: str) -> None:
    context = new_context(language="ko", java_script_enabled=False)
    page = context.new_page()
    page.goto(live_url + "/privacy/")
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.locator("h1").inner_text() == "개인정보처리방침"
    page.click("form.egov-language button[value=en]")
    page.wait_for_url(live_url + "/privacy/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Privacy policy"
    page.click("form.egov-language button[value=ko]")
    page.wait_for_url(live_url + "/privacy/")
    assert page.locator("h1").inner_text() == "개인정보처리방침"


def test_on_a_phone_the_menu_the_account_links_and_the_switch_stay_in_reach(new_context: Any, live_url: str) -> None:
    page = new_context(viewport=PHONE, language="en", java_script_enabled=False).new_page()
    page.goto(live_url + "/")
    for selector in (
        "nav.krds-main-menu a[href='/services/']",
        "nav.krds-main-menu a[href='/my/']",
        "#krds-header a.btn-navi.login",
        "#krds-header a.btn-navi.join",
        "form.egov-language button",
    ):
        assert page.locator(selector).is_visible(), selector


def test_the_skip_link_comes_first_and_leads_to_the_main_content(new_context: Any, live_url: str) -> None:
    page = new_context(language="en").new_page()
    page.goto(live_url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to main content"
    assert page.locator("#krds-skip-link a").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#main"

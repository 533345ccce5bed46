"""The portal shell as a visitor meets it: Korean by default, English after the switch, honest pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from egov.portal.context_processors import MAIN_NAV

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["/", "/search/?q=passport", "/services/", "/contact/", "/privacy/", "/accessibility/", "/terms/"]


def test_the_home_page_answers_in_korean_by_default() -> None:
    response = Client().get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ko">' in page
    assert "정부서비스를 한곳에서" in page
    assert "Government services in one place" not in page


def test_the_language_switch_turns_the_pages_english_and_back() -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/privacy/"})
    assert response.status_code == 302
    assert response["Location"] == "/privacy/"
    page = client.get("/privacy/").content.decode()
    assert '<html lang="en">' in page
    assert "Privacy policy" in page
    client.post("/i18n/setlang/", {"language": "ko", "next": "/"})
    assert "개인정보처리방침" in client.get("/privacy/").content.decode()


def test_the_switch_offers_the_other_language_named_in_itself() -> None:
    korean = Client().get("/").content.decode()
    assert re.search(r'<button[^>]*name="language" value="en"[^>]*lang="en"[^>]*>.*English</button>', korean)
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    assert re.search(r'<button[^>]*name="language" value="ko"[^>]*lang="ko"[^>]*>.*한국어</button>', english)


def test_every_page_has_a_skip_link_to_the_main_content() -> None:
    for url in PUBLIC_PAGES:
        page = Client().get(url).content.decode()
        assert '<div id="krds-skip-link"><a href="#main">' in page, url
        assert '<main id="main"' in page, url


def test_no_page_carries_inline_styles_or_scripts_that_the_csp_would_block() -> None:
    for url in PUBLIC_PAGES:
        response = Client().get(url)
        page = response.content.decode()
        assert "default-src 'self'" in response["Content-Security-Policy"]
        assert not re.search(r"\sstyle=", page), url
        assert not re.search(r"<style", page), url
        assert not re.search(r"<script(?![^>]*\ssrc=)", page), url


def test_the_main_navigation_lists_only_the_subsystems_that_exist() -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    nav = page[page.index('<nav class="krds-main-menu'):]
    nav = nav[: nav.index("</nav>")]
    assert re.findall(r'class="gnb-main-trigger[^"]*"[^>]*>([^<]+)</a>', nav) == [
        "Services", "My Gov", "Verify a document"]
    for missing in ("Participation", "Procurement", "Information"):
        assert missing not in nav
    assert [item.url_name for item in MAIN_NAV] == ["portal:services", "portal:my_gov", "certificates:verify"]


def test_the_current_section_is_marked_in_the_navigation() -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/services/").content.decode()
    assert re.search(r'<a href="/services/" class="gnb-main-trigger is-link active" aria-current="page">', page)


def test_a_visitor_is_offered_sign_in_and_sign_up_and_a_signed_in_person_sign_out(alice_client: Client) -> None:
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    assert 'href="/accounts/login/?next=/"' in anonymous
    assert 'href="/accounts/signup/"' in anonymous
    assert "Sign out" not in anonymous
    signed_in = alice_client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'<form method="post" action="/accounts/logout/"', signed_in)
    assert "Sign in" not in signed_in


def test_the_footer_links_to_real_information_pages() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get("/").content.decode()
    footer = page[page.index('<footer id="krds-footer">'):]
    for url, heading, fact in [
        ("/contact/", "Contact", "privacy officer"),
        ("/privacy/", "Privacy policy", "Who viewed my data"),
        ("/accessibility/", "Accessibility statement", "axe-core"),
        ("/terms/", "Terms of use", "Apache License 2.0"),
        ("/organisations/", "Organisation chart", ""),
    ]:
        assert f'href="{url}"' in footer
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert f"<h1>{heading}</h1>" in body
        assert fact in body


def test_a_demonstration_installation_says_it_is_not_an_official_website(settings) -> None:  # type: ignore[no-untyped-def]
    settings.EGOV_OPERATOR_NAME = ""
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    assert "This is not an official government website" in page
    settings.EGOV_OPERATOR_NAME = "Sejong City Hall"
    settings.EGOV_CONTACT_PHONE = "044-000-0000"
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/contact/").content.decode()
    assert "This is an official e-government website of Sejong City Hall." in page
    assert "044-000-0000" in page
    assert "demonstration installation" not in page


def test_the_search_finds_the_move_in_report_by_the_everyday_word() -> None:
    korean = Client().get("/search/", {"q": "이사"}).content.decode()
    assert '<a href="/catalogue/services/move-in-report/">전입신고</a>' in korean
    spaced = Client().get("/search/", {"q": "전입 신고"}).content.decode()
    assert "/catalogue/services/move-in-report/" in spaced


def test_the_search_says_plainly_when_no_service_matches() -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/search/", {"q": "passport"}).content.decode()
    assert "No service matches “passport”." in page
    assert 'value="passport"' in page
    korean = Client().get("/search/", {"q": "여권"}).content.decode()
    assert "‘여권’에 해당하는 서비스가 없습니다." in korean


def test_the_services_page_lists_the_services_by_life_event_and_subject() -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/services/").content.decode()
    assert "By life event" in page and "By subject" in page
    assert 'href="/catalogue/task-areas/welfare/"' in page


def test_a_search_too_long_gets_a_message_on_the_field_in_the_readers_language() -> None:
    response = Client().get("/search/", {"q": "가" * 101})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'aria-invalid="true"' in page
    assert "100자 이내로 입력해 주세요" in page

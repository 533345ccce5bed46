"""Issue 6's "Must show", in a real browser, as a new citizen would: request a resident registration
abstract, download the signed PDF, open the verification link of its QR code signed out and see
"valid"; change one byte of the PDF and upload it: "not valid".

Alice's account is linked to her resident record (김하늘, in 청운효자동). The abstract is an
automatic service: the gate releases her record, the case is approved at once, and the
approval issues the document. The verification pages are checked in Korean and in English at
360 and 1280 px: no WCAG 2.1 A/AA violation (axe-core), nothing wider than the phone's screen.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from egov.portal.browser import PHONE, WIDTHS, axe_violations, horizontal_overflow, set_language, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.committed]


@pytest.fixture
def alice_on_the_register(committed_db: str) -> str:
    """The kr pack's services and data products, and Alice's account linked to her resident record."""
    from egov.accounts.fixtures import PASSWORD, make_citizen, make_official
    from egov.catalogue.public import load_catalogue
    from egov.exchange import public as exchange
    from egov.registries.tests.factories import make_resident

    load_catalogue()
    exchange.load_exchange_pack()
    resident = make_resident(name_ko="김하늘", name_en="KIM HANEUL")
    alice = make_citizen("alice", "Alice Citizen")
    alice.resident_id = resident.id
    alice.save(update_fields=["resident_id"])
    make_official("clerk", "Casey Clerk", "adm-1101072", ["clerk"])  # the office of her address
    return str(PASSWORD)


def _problems(page: Any, axe_js: str, where: str, *, phone: bool) -> list[str]:
    page.wait_for_load_state("load")
    found = [f"{where}: {violation}" for violation in axe_violations(page, axe_js)]
    if phone and (overflow := horizontal_overflow(page)) > 0:
        found.append(f"{where}: {overflow}px wider than the 360px screen")
    return found


def _verify_link(pdf: bytes) -> str:
    """The path of the verification link the document's QR code carries (its number is in the PDF's XMP)."""
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    xmp = PdfFileReader(BytesIO(pdf)).root["/Metadata"].get_object().data.decode()
    number = re.search(r"(\d{4})-(\d{4})-(\d{4})-(\d{4})", xmp)
    assert number is not None
    return f"/verify/{''.join(number.groups())}/"


def test_alice_downloads_her_abstract_and_anyone_can_verify_it_signed_out(
    alice_on_the_register: str,
    live_url: str,
    chromium_browser: Any,
    axe_js: str,
    tmp_path: Path,
) -> None:
    problems: list[str] = []

    # On her phone, in Korean: she asks for the abstract of her resident registration.
    citizen = chromium_browser.new_context(viewport=PHONE, accept_downloads=True)
    citizen.set_default_timeout(15_000)
    set_language(citizen, live_url, "ko")
    page = citizen.new_page()
    sign_in(page, live_url, "alice", alice_on_the_register)
    page.goto(f"{live_url}/applications/apply/resident-registration-extract/")
    page.fill("#id_copies", "1")
    # The law lets the office read her record without her consent (the definition cites the article).
    page.locator("#submit-application").click()
    page.wait_for_url(f"{live_url}/applications/mine/*/")
    assert "처리 완료" in page.locator("#status").inner_text()

    # The application page offers the signed PDF.
    link = page.locator("#documents + ul a")
    assert "주민등록표 초본" in link.inner_text()
    problems += _problems(page, axe_js, "application page with the document (ko, phone)", phone=True)
    with page.expect_download() as download:
        link.click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    citizen.close()

    # Signed out, someone opens the link of the QR code: valid, with her name and nothing more.
    verify_path = _verify_link(pdf)
    for width, viewport in WIDTHS.items():
        for language in ("ko", "en"):
            visitor = chromium_browser.new_context(viewport=viewport)
            visitor.set_default_timeout(15_000)
            set_language(visitor, live_url, language)
            tab = visitor.new_page()
            tab.goto(f"{live_url}{verify_path}")
            assert tab.locator("#verdict").get_attribute("data-verdict") == "valid"
            assert "김하늘" in tab.locator("main").inner_text()
            problems += _problems(tab, axe_js, f"verdict ({language}, {width})", phone=width == "phone")
            tab.goto(f"{live_url}/verify/")
            problems += _problems(tab, axe_js, f"verify page ({language}, {width})", phone=width == "phone")
            visitor.close()

    # One byte changed, the file is uploaded on the verification page: not valid, and no facts shown.
    changed = bytearray(pdf)
    changed[len(changed) // 2] ^= 0x01
    visitor = chromium_browser.new_context(viewport=PHONE)
    visitor.set_default_timeout(15_000)
    set_language(visitor, live_url, "en")
    tab = visitor.new_page()
    tab.goto(f"{live_url}/")
    tab.locator("header nav a", has_text="Verify a document").click()
    tab.wait_for_url(f"{live_url}/verify/")
    tab.set_input_files(
        "#id_file", files=[{"name": "abstract.pdf", "mimeType": "application/pdf", "buffer": bytes(changed)}]
    )
    tab.locator("form[action$='/verify/upload/'] button[type=submit]").click()
    tab.wait_for_load_state()
    assert tab.locator("#verdict").get_attribute("data-verdict") == "not_valid"
    assert (
        "Not valid" in tab.locator("#verdict").inner_text()
        and "김하늘" not in tab.locator("main").inner_text()
    )
    problems += _problems(tab, axe_js, "verdict not valid (en, phone)", phone=True)

    # The file as downloaded is valid.
    tab.goto(f"{live_url}/verify/")
    tab.set_input_files(
        "#id_file", files=[{"name": "abstract.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    tab.locator("form[action$='/verify/upload/'] button[type=submit]").click()
    tab.wait_for_load_state()
    assert tab.locator("#verdict").get_attribute("data-verdict") == "valid"
    visitor.close()

    assert not problems, "\n".join(problems)

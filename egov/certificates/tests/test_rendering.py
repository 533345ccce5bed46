"""The drawn page: the QR code a reader scans is the verification link's, module for module."""

from __future__ import annotations

import re
import zlib
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

import qrcode
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab import rl_config

from egov.certificates import rendering

LINK = "http://testserver/verify/1234567890123452/"


def _page_content() -> str:
    page = rendering.Page(
        number="1234567890123452",
        title_ko="주민등록표 초본",
        title_en="Resident registration abstract",
        rows=[("성명 (Name)", "김하늘")],
        authority="서울특별시 종로구 청운효자동",
        issued_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        verify_until="2026-05-31",
        verify_url=LINK,
    )
    contents = PdfFileReader(BytesIO(rendering.render_pdf(page))).root["/Pages"]["/Kids"][0].get_object()["/Contents"]
    stream = contents.get_object()
    assert list(stream["/Filter"]) == ["/FlateDecode"]  # Flate alone, no ASCII85 on top
    return zlib.decompress(stream.encoded_data).decode("latin-1")


def test_the_qr_code_on_the_page_is_the_verification_links_module_for_module() -> None:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, mask_pattern=2)
    code.add_data(LINK)
    code.make(fit=True)
    expected = code.get_matrix()
    modules = len(expected)
    drawn = [[False] * modules for _row in expected]
    runs = re.findall(r"^(\d+) (\d+) (\d+) 1 re$", _page_content(), flags=re.MULTILINE)
    assert runs
    for start, bottom, width in runs:
        row = modules - 1 - int(bottom)  # the page's y axis points up, the matrix's rows go down
        for column in range(int(start), int(start) + int(width)):
            assert not drawn[row][column]
            drawn[row][column] = True
    assert drawn == expected


def _abstract(name: str, number: str) -> rendering.Page:
    return rendering.Page(
        number=number,
        title_ko="주민등록표 초본",
        title_en="Resident registration abstract",
        rows=[("성명 (Name)", name), ("현 주소 (Current address)", "서울특별시 종로구 자하문로 1")],
        authority="서울특별시 종로구 청운효자동",
        issued_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        verify_until="2026-05-31",
        verify_url=f"http://testserver/verify/{number}/",
    )


def test_a_page_drawn_from_kept_font_subsets_is_byte_for_byte_the_page_drawn_afresh(monkeypatch: Any) -> None:
    # Fixed creation date and file id, so that two drawings of one page can be compared.
    monkeypatch.setattr(rl_config, "invariant", 1)
    rendering.forget_kept_work()
    afresh = rendering.render_pdf(_abstract("김하늘", "1234567890123452"))
    other = rendering.render_pdf(_abstract("이바다", "9876543210987654"))
    again = rendering.render_pdf(_abstract("김하늘", "1234567890123452"))
    assert rendering._font_subset.cache_info().hits >= 3  # the bold subset twice, the regular one once
    assert again == afresh
    assert other != afresh


def test_every_page_embeds_the_glyphs_of_its_own_values(monkeypatch: Any) -> None:
    monkeypatch.setattr(rl_config, "invariant", 1)
    for name in ("김하늘", "이바다", "김하늘"):
        pdf = PdfFileReader(BytesIO(rendering.render_pdf(_abstract(name, "1234567890123452"))))
        fonts = pdf.root["/Pages"]["/Kids"][0].get_object()["/Resources"]["/Font"]
        mapped = "".join(
            zlib.decompress(font.get_object()["/ToUnicode"].get_object().encoded_data).decode("latin-1")
            for font in fonts.values()
            if "/ToUnicode" in font.get_object()
        )
        for character in name:
            assert f"<{ord(character):04X}>" in mapped.upper()

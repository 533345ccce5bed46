"""The limit of bench-issue: the same document drawn, signed and time-stamped, with no database at all.

One process of the limit (bench_issue.py starts as many as it starts issuing processes):
the same page as a resident registration abstract (the same fields, number, QR link,
authority and dates) drawn by the same ReportLab code, with the same PDF/A metadata and
OutputIntent, signed PAdES B-T by the same pyHanko signer and time-stamped by the same
in-process TSA, with the keys parsed once — the work every issued document needs and no
issuing path can avoid. No registry read, no template look-up, no row stored, no audit
entry: what the end-to-end path adds on top is what the ratio measures.

Prints ``ready``, waits for a line on stdin, signs ``count`` documents and prints their
latencies as JSON. Run by bench_issue.py, as ``issue_limit.py <count>``.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(count: int) -> None:
    import django

    django.setup()
    from egov.certificates import numbers, rendering, signing
    from egov.core import clock

    def one() -> bytes:
        number = numbers.new_number()
        issued_at = clock.now()
        page = rendering.Page(
            number=number,
            title_ko="주민등록표 초본",
            title_en="Resident registration abstract",
            rows=[
                ("성명 (Name)", "김하늘"),
                ("주민등록번호 (Resident registration number)", "900101-2******"),
                ("생년월일 (Date of birth)", "1990-01-01"),
                ("현 주소 (Current address)", "서울특별시 종로구 자하문로 1"),
                ("전입일 (Moved in on)", "2020-03-02"),
            ],
            authority="서울특별시 종로구 청운효자동",
            issued_at=issued_at,
            verify_until=(issued_at + timedelta(days=90)).date().isoformat(),
            verify_url=f"http://127.0.0.1:8000/verify/{number}/",
        )
        drawn = rendering.render_pdf(page)
        return signing.sign_pdf(
            drawn,
            reason=page.title_ko,
            location=page.authority,
            prepare=lambda writer: rendering.prepare_pdfa(
                writer, title=page.title_ko, author=page.authority, subject=number, created=issued_at
            ),
        )

    for _warm in range(3):
        one()
    print("ready", flush=True)
    sys.stdin.readline()
    latencies = []
    began = time.perf_counter()
    for _n in range(count):
        start = time.perf_counter()
        one()
        latencies.append(time.perf_counter() - start)
    print(json.dumps({"latencies": latencies, "elapsed": time.perf_counter() - began}), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))

"""The limit of bench-issue: the issuing rounds' very documents drawn, signed and time-stamped, with no database.

One process of the limit (bench_issue.py starts as many as it starts issuing processes)
draws the pages an issuing process draws for the same residents: the rows the template
resolves from each resident's released facts (name, masked number, birth date, address,
moved-in date, with the template's labels) were resolved untimed before the rounds by
``bench_issue.py --setup rows`` (through the gate and the template code the issuing path
uses, in a transaction rolled back) and written to a JSON file. Document ``n`` of a
process is resident ``n`` of that file (modulo its length), as in an issuing process, and
the pair's limit rounds are given the offsets of the pair's issuing rounds: the limit
draws the same people, so it makes the same new font subsets where issuing makes them
(ADR 0145 keeps subsets per process and by the characters they hold; a limit drawing
one person every time took every subset from that cache and was not the same work).

Each page is built as ``certificates.services.document_issue`` builds it: the template's
title, the issuing office as the authority, the number with its verification link, the
issue time in the deployment's zone and the end of verification, drawn by the same
ReportLab code in the deployment's language, with the same PDF/A metadata and
OutputIntent, signed PAdES B-T by the same pyHanko signer (the current signing kit) and
time-stamped by the same in-process TSA. No registry read, no number looked up, no row
stored, no audit entry: what the end-to-end path adds on top is what the ratio measures.

Prints ``ready``, waits for a line on stdin, signs ``count`` documents and prints their
latencies, the elapsed time and the process's CPU time as JSON (ADR 0150). Run by bench_issue.py, as ``issue_limit.py <rows.json> <count> <offset>``.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(path: str, count: int, offset: int) -> None:
    import django

    django.setup()
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.utils import translation

    from egov.certificates import numbers, rendering, signing
    from egov.certificates.services import verify_url
    from egov.core import clock

    drawn_for: dict[str, Any] = json.loads(Path(path).read_text())
    title, authority = drawn_for["title"], drawn_for["authority"]
    residents: list[list[tuple[str, str]]] = [[(label, value) for label, value in rows]
                                              for rows in drawn_for["residents"]]
    zone = ZoneInfo(settings.TIME_ZONE)

    def one(n: int) -> bytes:
        number = numbers.new_number()
        issued_at = clock.now()
        expires_at = issued_at + timedelta(days=settings.EGOV_CERTIFICATE_VERIFY_DAYS)
        page = rendering.Page(
            number=number,
            title_ko=title["ko"],
            title_en=title["en"],
            rows=residents[n % len(residents)],
            authority=authority,
            issued_at=issued_at.astimezone(zone),
            verify_until=expires_at.astimezone(zone).date().isoformat(),
            verify_url=verify_url(number),
        )
        with translation.override(settings.LANGUAGE_CODE):
            drawn = rendering.render_pdf(page)
        return signing.sign_pdf(
            drawn,
            reason=title["ko"],
            location=authority,
            prepare=lambda writer: rendering.prepare_pdfa(
                writer, title=f"{title['ko']} ({title['en']})", author=authority,
                subject=rendering.format_number(number), created=issued_at,
            ),
            kit=signing.signing_kit(),
        )

    for n in range(3):  # warm as an issuing process does, on the residents after its own
        one(offset + count + n)
    print("ready", flush=True)
    sys.stdin.readline()
    latencies = []
    began, cpu = time.perf_counter(), time.process_time()
    for n in range(offset, offset + count):
        start = time.perf_counter()
        one(n)
        latencies.append(time.perf_counter() - start)
    print(json.dumps({"latencies": latencies, "elapsed": time.perf_counter() - began,
                      "cpu": time.process_time() - cpu}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))

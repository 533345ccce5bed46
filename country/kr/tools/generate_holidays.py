"""Generate ``country/kr/holidays.yaml``: the public holidays the SLA clocks skip.

The Civil Petitions Act counts processing periods without Saturdays, Sundays and public
holidays (the Regulation on Holidays of Government Offices, 관공서의 공휴일에 관한
규정). Lunar holidays (설날, 추석, 부처님오신날) and substitute holidays (대체공휴일)
follow rules that the ``holidays`` package implements, with ``korean-lunar-calendar``
behind its lunar dates; we take them from there rather than type them from memory.

Days the government declares case by case (temporary holidays, 임시공휴일) and
election days are also listed by hand under ``listed_by_hand``, each with its source,
so that an operator can add one the day it is declared without waiting for a package
release. This script rewrites ``generated`` and keeps ``listed_by_hand`` as it finds
it. The platform reads the YAML file (``egov.workflow.calendar``), never this script.

Run it again when the package is updated::

    .venv/bin/python country/kr/tools/generate_holidays.py
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import holidays
import yaml

OUT = Path(__file__).resolve().parent.parent / "holidays.yaml"
FIRST_YEAR = 2020
LAST_YEAR = 2035

HEADER = """\
# Public holidays of the Republic of Korea on which government offices are closed.
# The SLA clocks of the case engine (egov/workflow/calendar.py) skip these days, as
# well as Saturdays and Sundays.
#
# `generated` is written by country/kr/tools/generate_holidays.py from the `holidays`
# package (lunar and substitute holidays included): do not edit it by hand, run the
# script again. `listed_by_hand` holds the days the government declares case by case
# (temporary holidays, election days), each with its source; add a new one there, the
# script keeps that list as it is.
"""


def generated_entries(first: int, last: int) -> list[dict[str, Any]]:
    korean = holidays.country_holidays("KR", years=range(first, last + 1), language="ko")
    english = holidays.country_holidays("KR", years=range(first, last + 1), language="en_US")
    return [
        {"date": day.isoformat(), "ko": korean[day], "en": english.get(day, korean[day])}
        for day in sorted(korean)
    ]


def existing_by_hand(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries: list[dict[str, Any]] = document.get("listed_by_hand") or []
    for entry in entries:
        if isinstance(entry.get("date"), date):
            entry["date"] = entry["date"].isoformat()
        missing = {"date", "ko", "en", "source"} - set(entry)
        if missing:
            raise SystemExit(f"{path}: listed_by_hand entry {entry!r} lacks {sorted(missing)}")
    return entries


def main() -> int:
    document = {
        "source": {"package": "holidays", "version": holidays.__version__, "country": "KR"},
        "years": {"first": FIRST_YEAR, "last": LAST_YEAR},
        "generated": generated_entries(FIRST_YEAR, LAST_YEAR),
        "listed_by_hand": existing_by_hand(OUT),
    }
    body = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=140, default_flow_style=None)
    OUT.write_text(HEADER + body, encoding="utf-8")
    print(f"{OUT.name}: {len(document['generated'])} generated, {len(document['listed_by_hand'])} listed by hand")  # noqa: T201 - a tool run by hand
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The working-time calendar of the SLA clocks, as the Civil Petitions Act counts them.

The Enforcement Decree of the Civil Petitions Treatment Act (민원 처리에 관한 법률
시행령, Article 19) counts a processing period of five days or less in hours from the
moment the petition is received, eight working hours a day; a longer period in days,
the first day included. Saturdays, Sundays and public holidays count in neither. We
take the working day of a government office: 09:00 to 18:00 with a lunch hour from
12:00 to 13:00, in the deployment's time zone (Asia/Seoul for the kr pack).

Public holidays are data of the country pack (``holidays.yaml``, generated from the
``holidays`` package plus days listed by hand), read once per process. Outside the
years the file covers only weekends are skipped; ``Calendar.covers`` says which years
it knows, so an operator sees when the file needs to be generated again.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from django.conf import settings

from egov.core import yamlio

Unit = Literal["hours", "days"]

HOURS_PER_DAY = 8
WORKING_DAY = timedelta(hours=HOURS_PER_DAY)
# Periods up to this many days are counted in working hours (Decree, Article 19(1)).
DAYS_COUNTED_IN_HOURS = 5
# The office's working intervals of a day, local time.
INTERVALS: tuple[tuple[time, time], ...] = ((time(9, 0), time(12, 0)), (time(13, 0), time(18, 0)))
# Guards the loops below against a calendar that has no working day at all.
_MAX_DAYS_SCANNED = 3660


@dataclass(frozen=True)
class Holiday:
    day: date
    name_ko: str
    name_en: str
    source: str = ""


@dataclass(frozen=True)
class Calendar:
    """Working days and hours of government offices in one time zone, with its holidays."""

    zone: ZoneInfo
    holidays: frozenset[date] = field(default_factory=frozenset)
    first_year: int = 0
    last_year: int = 0

    def covers(self, year: int) -> bool:
        """Whether the holiday data covers ``year`` (outside it only weekends are skipped)."""
        return self.first_year <= year <= self.last_year

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def next_working_day(self, day: date) -> date:
        """``day`` itself if it is a working day, else the first working day after it."""
        for _ in range(_MAX_DAYS_SCANNED):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        raise RuntimeError("the calendar has no working day in ten years")

    def _intervals(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        if self.is_working_day(day):
            for start, end in INTERVALS:
                yield datetime.combine(day, start, self.zone), datetime.combine(day, end, self.zone)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """The working time from ``a`` to ``b`` (zero when ``b`` is not after ``a``)."""
        if b <= a:
            return timedelta(0)
        a_local, b_local = a.astimezone(self.zone), b.astimezone(self.zone)
        total = timedelta(0)
        day = a_local.date()
        while day <= b_local.date():
            for start, end in self._intervals(day):
                overlap = min(end, b_local) - max(start, a_local)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total

    def working_days_between(self, a: datetime, b: datetime) -> int:
        """Working days from ``a``'s date up to, not including, ``b``'s date (local dates)."""
        first, last = a.astimezone(self.zone).date(), b.astimezone(self.zone).date()
        count = 0
        day = first
        while day < last:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The moment at which ``amount`` of working time has run from ``start``.

        A period that ends exactly at the close of a working interval ends there (at
        12:00 or 18:00), not at the opening of the next one.
        """
        local = start.astimezone(self.zone)
        remaining = amount
        day = local.date()
        if remaining <= timedelta(0):
            return start
        for _ in range(_MAX_DAYS_SCANNED):
            for begin, end in self._intervals(day):
                begin = max(begin, local)
                if begin >= end:
                    continue
                available = end - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(start.tzinfo)
                remaining -= available
            day += timedelta(days=1)
        raise RuntimeError("the calendar has no working day in ten years")

    def end_of_working_day(self, start: datetime, days: int) -> datetime:
        """The close of the ``days``-th working day counting ``start``'s own day (if a working day)."""
        day = self.next_working_day(start.astimezone(self.zone).date())
        for _ in range(days - 1):
            day = self.next_working_day(day + timedelta(days=1))
        return datetime.combine(day, INTERVALS[-1][1], self.zone).astimezone(start.tzinfo)

    def due_at(self, start: datetime, value: int, unit: Unit, *, paused: timedelta = timedelta(0)) -> datetime:
        """When a period of ``value`` ``unit`` that started at ``start`` ends.

        ``paused`` is working time the clock stood still (waiting for the applicant's
        supplement); it lengthens the period. In a period counted in days it counts
        in whole working days (a partial day is not a day).
        """
        if value < 1:
            raise ValueError("an SLA period must be at least one hour or one day")
        # A receipt is stamped to the minute; counting its seconds would spill a period
        # that should end at the close of a day into the next morning.
        start = start.replace(second=0, microsecond=0)
        if unit == "hours" or value <= DAYS_COUNTED_IN_HOURS:
            hours = timedelta(hours=value) if unit == "hours" else WORKING_DAY * value
            return self.add_working_time(start, hours + paused)
        if unit != "days":
            raise ValueError(f"unknown SLA unit {unit!r}")
        return self.end_of_working_day(start, value + paused // WORKING_DAY)


def holidays_file() -> Path:
    return Path(settings.EGOV_COUNTRY_DIR) / "holidays.yaml"


def read_holidays(path: Path) -> tuple[list[Holiday], int, int]:
    """Every holiday in the file (generated and listed by hand) and the years it covers."""
    document = yamlio.safe_load(path.read_text(encoding="utf-8")) or {}
    entries: Iterable[dict[str, object]] = [*(document.get("generated") or []), *(document.get("listed_by_hand") or [])]
    result = []
    for entry in entries:
        raw = entry["date"]
        day = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
        result.append(Holiday(day, str(entry.get("ko", "")), str(entry.get("en", "")), str(entry.get("source", ""))))
    years = document.get("years") or {}
    return result, int(years.get("first", 0)), int(years.get("last", 0))


@functools.cache
def default_calendar() -> Calendar:
    """The deployment's calendar: its time zone and the country pack's holidays (read once)."""
    path = holidays_file()
    days: list[Holiday] = []
    first = last = 0
    if path.exists():
        days, first, last = read_holidays(path)
    return Calendar(ZoneInfo(settings.TIME_ZONE), frozenset(h.day for h in days), first, last)


def due_at(start: datetime, value: int, unit: Unit, *, paused: timedelta = timedelta(0)) -> datetime:
    """When an SLA of ``value`` ``unit`` started at ``start`` ends, on the deployment's calendar."""
    return default_calendar().due_at(start, value, unit, paused=paused)


def working_time_between(a: datetime, b: datetime) -> timedelta:
    """Working time between two moments on the deployment's calendar."""
    return default_calendar().working_time_between(a, b)


def working_days_between(a: datetime, b: datetime) -> int:
    return default_calendar().working_days_between(a, b)


def is_working_day(day: date) -> bool:
    return default_calendar().is_working_day(day)


__all__ = [
    "Calendar",
    "Holiday",
    "default_calendar",
    "due_at",
    "is_working_day",
    "read_holidays",
    "working_days_between",
    "working_time_between",
]

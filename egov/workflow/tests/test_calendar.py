"""The SLA clock counts as the Civil Petitions Act does, on known Korean dates."""

from __future__ import annotations

import importlib.util
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from django.conf import settings

from egov.workflow.calendar import default_calendar, due_at, is_working_day, working_time_between

SEOUL = ZoneInfo("Asia/Seoul")


def kst(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SEOUL)  # type: ignore[misc]


def test_chuseok_2026_and_the_weekend_after_it_do_not_count() -> None:
    # Received Wednesday 23 September at 10:00; 24-26 September are Chuseok, then a weekend.
    assert due_at(kst(2026, 9, 23, 10), 3, "days") == kst(2026, 9, 30, 10)


def test_a_substitute_holiday_does_not_count() -> None:
    # National Foundation Day fell on Saturday 3 October 2026; Monday 5 October replaces it.
    assert due_at(kst(2026, 10, 2, 14), 1, "days") == kst(2026, 10, 6, 14)


def test_a_one_day_period_spanning_a_weekend_counts_eight_working_hours() -> None:
    assert due_at(kst(2026, 11, 20, 16), 1, "days") == kst(2026, 11, 23, 16)


def test_the_lunch_hour_does_not_count() -> None:
    assert due_at(kst(2026, 11, 23, 11), 3, "hours") == kst(2026, 11, 23, 15)
    assert working_time_between(kst(2026, 11, 23, 11), kst(2026, 11, 23, 14)) == timedelta(hours=2)


def test_a_petition_received_on_saturday_starts_counting_on_monday_morning() -> None:
    assert due_at(kst(2026, 11, 21, 10), 8, "hours") == kst(2026, 11, 23, 18)


def test_a_period_ending_at_the_close_of_day_ends_then_not_the_next_morning() -> None:
    assert due_at(kst(2026, 11, 23, 9), 1, "days") == kst(2026, 11, 23, 18)


def test_an_election_day_does_not_count() -> None:
    # Local elections on Wednesday 3 June 2026; received at the close of Tuesday.
    assert due_at(kst(2026, 6, 2, 18), 1, "days") == kst(2026, 6, 4, 18)


def test_periods_longer_than_five_days_count_working_days_the_first_day_included() -> None:
    # 23 Sep (1), Chuseok and weekend, 28-30 Sep and 1-2 Oct (2-6), 3-5 Oct off,
    # 6-8 Oct (7-9), Hangul Day on Friday 9 Oct and the weekend, 12 Oct (10).
    assert due_at(kst(2026, 9, 23, 10), 10, "days") == kst(2026, 10, 12, 18)


def test_a_day_counted_period_received_on_a_weekend_starts_on_the_next_working_day() -> None:
    assert due_at(kst(2026, 11, 21, 10), 6, "days") == kst(2026, 11, 30, 18)


def test_time_waiting_for_a_supplement_lengthens_the_period() -> None:
    assert due_at(kst(2026, 9, 23, 10), 10, "days", paused=timedelta(hours=16)) == kst(2026, 10, 14, 18)
    assert due_at(kst(2026, 11, 23, 11), 3, "hours", paused=timedelta(hours=1)) == kst(2026, 11, 23, 16)


def test_working_time_between_skips_nights_weekends_and_holidays() -> None:
    assert working_time_between(kst(2026, 11, 20, 16), kst(2026, 11, 23, 10)) == timedelta(hours=3)
    assert working_time_between(kst(2026, 9, 23, 9), kst(2026, 9, 28, 18)) == timedelta(hours=16)
    assert working_time_between(kst(2026, 9, 28, 18), kst(2026, 9, 23, 9)) == timedelta(0)


def test_due_times_keep_the_time_zone_of_the_start() -> None:
    start = kst(2026, 11, 23, 9).astimezone(ZoneInfo("UTC"))
    assert due_at(start, 1, "days").utcoffset() == timedelta(0)


def test_lunar_and_substitute_holidays_from_2020_to_2035_are_known() -> None:
    calendar = default_calendar()
    assert calendar.covers(2020) and calendar.covers(2035)
    assert not is_working_day(date(2020, 1, 27))  # substitute for Seollal
    assert not is_working_day(date(2026, 9, 25))  # Chuseok
    assert not is_working_day(date(2035, 9, 18))  # substitute for Chuseok
    assert not is_working_day(date(2024, 10, 1))  # temporary holiday
    assert is_working_day(date(2026, 9, 23))


def test_every_day_listed_by_hand_names_its_source() -> None:
    document = yaml.safe_load((Path(settings.EGOV_COUNTRY_DIR) / "holidays.yaml").read_text(encoding="utf-8"))
    listed = document["listed_by_hand"]
    assert listed
    for entry in listed:
        assert entry["source"].strip(), entry
        assert not is_working_day(date.fromisoformat(str(entry["date"])))


def test_the_holiday_file_is_what_the_tool_generates_from_the_installed_package() -> None:
    path = Path(settings.BASE_DIR) / "country" / "kr" / "tools" / "generate_holidays.py"
    spec = importlib.util.spec_from_file_location("generate_holidays", path)
    assert spec and spec.loader
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    document = yaml.safe_load(tool.OUT.read_text(encoding="utf-8"))
    expected = tool.generated_entries(tool.FIRST_YEAR, tool.LAST_YEAR)
    assert [entry["date"] for entry in document["generated"]] == [entry["date"] for entry in expected], (
        "holidays.yaml is out of date: run country/kr/tools/generate_holidays.py"
    )


def test_a_period_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError):
        due_at(kst(2026, 11, 23, 9), 0, "days")

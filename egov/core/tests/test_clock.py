from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from egov.core import clock


def test_the_clock_is_aware_and_in_utc() -> None:
    moment = clock.now()
    assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
    assert abs(moment - datetime.now(UTC)) < timedelta(seconds=5)


def test_egov_now_moves_the_clock_and_time_keeps_flowing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EGOV_NOW", "2027-03-01T09:00:00+09:00")
    first = clock.now()
    assert first.astimezone(UTC).replace(microsecond=0) >= datetime(2027, 3, 1, 0, 0, tzinfo=UTC)
    assert first < datetime(2027, 3, 1, 0, 1, tzinfo=UTC)
    assert clock.now() >= first


def test_a_naive_egov_now_is_read_in_the_deployments_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EGOV_NOW", "2027-01-01T00:30:00")
    assert clock.today().isoformat() == "2027-01-01"
    assert clock.now().astimezone(UTC).date().isoformat() == "2026-12-31"


def test_unsetting_egov_now_returns_to_real_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EGOV_NOW", "2030-01-01T00:00:00Z")
    assert clock.now().year == 2030
    monkeypatch.delenv("EGOV_NOW")
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)

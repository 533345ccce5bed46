"""The platform's one source of time.

Deadlines, SLA timers, proactive notices and certificate expiry all read
``now()``. Setting ``EGOV_NOW`` (an ISO 8601 timestamp, with or without offset)
moves the clock for the server, the worker and the scheduler alike, so a deadline can
be demonstrated or tested without waiting for it. Time keeps flowing from that point
(the offset is fixed at process start), so ordering of events stays real.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

_offset: timedelta | None = None
_offset_source: str | None = None


def _parse(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    return moment.astimezone(UTC)


def _current_offset() -> timedelta:
    """Return the offset from the real clock that EGOV_NOW asks for (re-read when it changes)."""
    global _offset, _offset_source
    raw = os.environ.get("EGOV_NOW", "")
    if raw != _offset_source:
        _offset_source = raw
        _offset = _parse(raw) - datetime.now(UTC) if raw else timedelta(0)
    assert _offset is not None
    return _offset


def now() -> datetime:
    """The current moment, aware and in UTC."""
    offset = _current_offset()  # first: its own reading of the real clock must not come later
    return datetime.now(UTC) + offset


def local_now() -> datetime:
    """The current moment in the deployment's time zone (Asia/Seoul for the kr pack)."""
    return now().astimezone(ZoneInfo(settings.TIME_ZONE))


def today() -> date:
    """Today's date in the deployment's time zone, which is what a citizen calls today."""
    return local_now().date()

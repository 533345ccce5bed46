"""Exchange statistics for operations, computed from the exchange log itself.

Counts and latencies per direction, client member, provider member and data product
are read from :class:`~egov.exchange.models.ExchangeLog` rows at the time they are
asked for, never kept in counters beside them: a counter can drift from the record
(a crash between the write and the increment, a restored backup, several server
processes), the log cannot disagree with itself. The same figures feed ``/metrics``
(through ``exchange.public``) and the operators' JSON endpoint (:func:`stats_json`).

Latency is the gate's ``duration_us`` of every logged request of a group (released,
refused or failed alike): on the owner's side the time from receiving the request to
logging the answer, on the client's side the whole round trip. Percentiles are the
nearest-rank ones, taken by the database (one ``ORDER BY … LIMIT 1 OFFSET k`` per
group and percentile) so that a busy day's rows are never pulled into Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count

from egov.core import clock
from egov.exchange.models import ExchangeLog, LogStatus

DEFAULT_WINDOW = timedelta(hours=24)

_GROUP = ("direction", "client", "provider", "product_code")


@dataclass(frozen=True)
class ExchangeTally:
    """One direction, client, provider and data product over the window."""

    direction: str
    client: str
    provider: str
    product: str
    released: int
    refused: int
    errors: int
    refused_by_reason: tuple[tuple[str, int], ...]  # (reason code, count), by code
    latency_p50_ms: float | None  # None when the group has no request
    latency_p99_ms: float | None

    @property
    def total(self) -> int:
        return self.released + self.refused + self.errors


@dataclass(frozen=True)
class ExchangeStats:
    """The tallies of the exchange log between ``since`` (inclusive) and ``until`` (exclusive)."""

    since: datetime
    until: datetime
    tallies: tuple[ExchangeTally, ...]


def _percentile_ms(rows: Any, count: int, quantile: float) -> float | None:
    """The nearest-rank percentile of ``duration_us`` among ``rows`` (``count`` of them), in milliseconds."""
    if count == 0:
        return None
    rank = max(1, math.ceil(quantile * count))
    value: int = rows.order_by("duration_us").values_list("duration_us", flat=True)[rank - 1]
    return round(value / 1000, 3)


def exchange_stats(*, window: timedelta = DEFAULT_WINDOW, until: datetime | None = None) -> ExchangeStats:
    """Counts (released, refused by reason, error) and latency p50/p99 per group, over ``window`` up to ``until``.

    ``until`` defaults to :func:`egov.core.clock.now`, so ``EGOV_NOW`` moves the window
    as it moves everything else.
    """
    end = until or clock.now()
    start = end - window
    rows = ExchangeLog.objects.filter(at__gte=start, at__lt=end)
    counts: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for row in rows.order_by().values(*_GROUP, "status", "reason").annotate(n=Count("id")):
        key = (row["direction"], row["client"], row["provider"], row["product_code"])
        tally = counts.setdefault(key, {"released": 0, "refused": 0, "errors": 0, "reasons": {}})
        if row["status"] == LogStatus.RELEASED:
            tally["released"] += row["n"]
        elif row["status"] == LogStatus.REFUSED:
            tally["refused"] += row["n"]
            reason = row["reason"] or "unspecified"
            tally["reasons"][reason] = tally["reasons"].get(reason, 0) + row["n"]
        else:
            tally["errors"] += row["n"]
    tallies = []
    for key in sorted(counts):
        direction, client, provider, product = key
        found = counts[key]
        group = rows.filter(direction=direction, client=client, provider=provider, product_code=product)
        total = found["released"] + found["refused"] + found["errors"]
        tallies.append(ExchangeTally(
            direction=direction, client=client, provider=provider, product=product,
            released=found["released"], refused=found["refused"], errors=found["errors"],
            refused_by_reason=tuple(sorted(found["reasons"].items())),
            latency_p50_ms=_percentile_ms(group, total, 0.50), latency_p99_ms=_percentile_ms(group, total, 0.99),
        ))
    return ExchangeStats(since=start, until=end, tallies=tuple(tallies))


def stats_json(*, window: timedelta = DEFAULT_WINDOW, until: datetime | None = None) -> dict[str, Any]:
    """The statistics as the operators' JSON endpoint returns them (see :func:`exchange_stats`)."""
    stats = exchange_stats(window=window, until=until)
    return {
        "since": stats.since.isoformat(),
        "until": stats.until.isoformat(),
        "window_seconds": int(window.total_seconds()),
        "exchanges": [
            {
                "direction": t.direction,
                "client": t.client,
                "provider": t.provider,
                "product": t.product,
                "total": t.total,
                "released": t.released,
                "refused": t.refused,
                "errors": t.errors,
                "refused_by_reason": dict(t.refused_by_reason),
                "latency_ms": {"p50": t.latency_p50_ms, "p99": t.latency_p99_ms},
            }
            for t in stats.tallies
        ],
    }

"""The metrics app's interface to other apps.

Today the app serves ``/metrics`` for operations (Prometheus text: request latencies
and errors from ``egov.core.observability.REGISTRY``, plus task queue depth, worker
liveness and daily job runs computed at scrape time).

This module is where the e-government programme's KPIs come later (issue 8): other
apps will report what they count here (applications by channel, online versus counter
visits, processing times against their SLA, certificates issued and verified) through
functions taking ids and returning frozen dataclasses, as every ``public.py`` does;
the dashboard reads them back. Nothing is exported yet.
"""

from __future__ import annotations

__all__: list[str] = []

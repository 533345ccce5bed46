"""The metrics app's interface to other apps.

The app serves ``/metrics`` for operations (Prometheus text: request latencies and
errors from ``egov.core.observability.REGISTRY``; task queue, workers, exchanges,
documents issued and verified, deliveries and SLA breaches computed at scrape time)
and the programme's KPIs (``egov.metrics.kpis``, docs/metrics.md): the public
statistics, the KPI definitions and the monitoring committee's dashboard under
``/metrics/``, and ``egov simulate``.

The KPIs read the other apps through their ``public.py`` aggregate functions
(ADR 0100); no other app needs anything from this one, so nothing is exported.
"""

from __future__ import annotations

__all__: list[str] = []

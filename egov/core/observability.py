"""Prometheus instruments of the platform, in one registry that ``/metrics`` exposes.

Kept in ``core`` so that every app can count what it does without importing
``metrics``; the ``metrics`` app only renders the registry.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

REQUEST_LATENCY = Histogram(
    "egov_http_request_duration_seconds",
    "Time to answer an HTTP request, by route and method.",
    ["route", "method"],
    registry=REGISTRY,
)
REQUEST_ERRORS = Counter(
    "egov_http_errors_total",
    "HTTP responses with a 5xx status or an unhandled exception, by route.",
    ["route", "status"],
    registry=REGISTRY,
)

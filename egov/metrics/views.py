"""``/metrics`` for operations: operators only (ADR 0044)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from egov.core.access import Access, access
from egov.metrics.prometheus import exposition

# Operators in the browser; a Prometheus scraper with the bearer token EGOV_METRICS_TOKEN names.
METRICS_ACCESS = Access("operator", token_setting="EGOV_METRICS_TOKEN")  # noqa: S106 - a setting name


@access(METRICS_ACCESS)
@require_GET
def prometheus(request: HttpRequest) -> HttpResponse:
    """The Prometheus text exposition. A scraper authenticates as ADR 0044 describes."""
    response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response

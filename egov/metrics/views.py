"""``/metrics`` for operations (operators only, ADR 0044); the programme's KPIs for the committee and the public.

- ``/metrics/statistics/`` (anyone): the national KPIs of a year, with charts, their
  tables and the CSV and JSON exports — usage statistics published, as the UN survey asks;
- ``/metrics/definitions/`` (anyone): what each KPI measures, its formula, source and goal;
- ``/metrics/dashboard/`` (officials who may read audit records: heads of organisation and
  auditors, the monitoring committee's members): the same KPIs narrowed to an
  organisation or a region, per office, with its exports.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from egov.accounts import public as accounts
from egov.core import clock
from egov.core.access import PUBLIC, Access, access, official
from egov.metrics import charts, kpis
from egov.metrics.prometheus import exposition

# Operators in the browser; a Prometheus scraper with the bearer token EGOV_METRICS_TOKEN names.
METRICS_ACCESS = Access("operator", token_setting="EGOV_METRICS_TOKEN")  # noqa: S106 - a setting name
# The monitoring committee: officials holding metrics.read (heads of organisation, auditors, operators).
COMMITTEE = official("metrics.read")
CHARTED = ("online_applications", "no_visit_completion", "once_only", "sla_compliance")


@access(METRICS_ACCESS)
@require_GET
def prometheus(request: HttpRequest) -> HttpResponse:
    """The Prometheus text exposition. A scraper authenticates as ADR 0044 describes."""
    response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


def _scope(request: HttpRequest, *, drill_down: bool) -> tuple[kpis.Scope, dict[str, str], int]:
    """The year and drill-down asked for; a wrong value is said, and the default used instead."""
    errors: dict[str, str] = {}
    this_year = clock.now().year
    raw_year = request.GET.get("year", "").strip()
    year = this_year
    if raw_year:
        if raw_year.isdigit() and 2000 <= int(raw_year) <= this_year + 1:
            year = int(raw_year)
        else:
            errors["year"] = _("Choose a year between 2000 and %(last)s.") % {"last": this_year + 1}
    organisation_id: UUID | None = None
    region = ""
    if drill_down:
        code = request.GET.get("organisation", "").strip()
        if code:
            org = accounts.organisation(code=code)
            if org is None:
                errors["organisation"] = _("There is no organisation with this code.")
            else:
                organisation_id = org.id
        region = request.GET.get("region", "").strip()
        if region and not (len(region) == 2 and region.isdigit()):
            errors["region"] = _("A region is the two-digit code of a province or metropolitan city.")
            region = ""
    return kpis.year_scope(year, organisation_id=organisation_id, region=region), errors, year


def _rows(values: list[kpis.Value]) -> list[dict[str, Any]]:
    return [
        {
            "key": v.definition.key,
            "name": str(v.definition.name),
            "value": v.value,
            "numerator": v.numerator,
            "denominator": v.denominator,
            "unit": v.definition.unit,
            "goal": v.definition.goal,
            "met": v.met,
            "measured": v.definition.measured,
            "higher_is_better": v.definition.higher_is_better,
            "national": not v.definition.by_office,
        }
        for v in values
    ]


def _charts(scope: kpis.Scope) -> list[dict[str, Any]]:
    series = kpis.series_monthly(scope, CHARTED)
    out = []
    for key in CHARTED:
        definition = kpis.BY_KEY[key]
        points = series[key]
        labels = [p.month.strftime("%m") for p in points]
        goal_label = _("Goal %(goal)s%%") % {"goal": f"{definition.goal:g}"} if definition.goal is not None else ""
        known = [p for p in points if p.value is not None]
        description = _("%(name)s by month, %(year)s: %(values)s.") % {
            "name": definition.name, "year": scope.since.year,
            "values": "; ".join(f"{p.month:%m}: {p.value:g}%" for p in known) or _("no data yet"),
        }
        out.append({
            "key": key, "definition": definition, "points": points,
            "svg": charts.line_chart(chart_id=f"chart-{key}", title=str(definition.name), description=description,
                                     labels=labels, values=[p.value for p in points], goal=definition.goal,
                                     goal_label=goal_label, maximum=100.0, unit="%"),
        })
    return out


def _query(scope: kpis.Scope, year: int) -> str:
    from urllib.parse import urlencode

    params: dict[str, str] = {"year": str(year)}
    if scope.organisation_id:
        org = accounts.organisation(id=scope.organisation_id)
        if org:
            params["organisation"] = org.code
    if scope.region:
        params["region"] = scope.region
    return urlencode(params)


@access(PUBLIC)
@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    """Public statistics: the national KPIs of a year, charts with their tables, the exports."""
    scope, errors, year = _scope(request, drill_down=False)
    values = kpis.kpis_compute(scope)
    return render(request, "metrics/statistics.html", {
        "values": values, "charts": _charts(scope), "year": year, "errors": errors, "query": _query(scope, year),
        "years": range(clock.now().year, clock.now().year - 5, -1),
    }, status=400 if errors else 200)


@access(PUBLIC)
@require_GET
def definitions(request: HttpRequest) -> HttpResponse:
    """What each KPI measures, its formula, source and goal."""
    return render(request, "metrics/definitions.html", {"definitions": kpis.DEFINITIONS})


def _office_name(organisation_id: UUID | None) -> str:
    if organisation_id is None:
        return "—"
    org = accounts.organisation(id=organisation_id)
    if org is None:
        return str(organisation_id)
    return org.name_en if (get_language() or "ko").startswith("en") and org.name_en else org.name


@access(COMMITTEE)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The monitoring committee's dashboard: the KPIs narrowed to an organisation or a region, and per office."""
    scope, errors, year = _scope(request, drill_down=True)
    values = kpis.kpis_compute(scope)
    offices = []
    for row in kpis.offices_breakdown(scope)[:50]:
        org = accounts.organisation(id=row.organisation_id) if row.organisation_id else None
        offices.append({"row": row, "name": _office_name(row.organisation_id), "code": org.code if org else ""})
    return render(request, "metrics/dashboard.html", {
        "values": values, "charts": _charts(scope), "year": year, "errors": errors, "offices": offices,
        "organisation": request.GET.get("organisation", "").strip() if "organisation" not in errors else "",
        "region": scope.region, "query": _query(scope, year),
        "organisation_name": _office_name(scope.organisation_id) if scope.organisation_id else "",
    }, status=400 if errors else 200)


def _export(request: HttpRequest, fmt: str, *, drill_down: bool) -> HttpResponse:
    scope, errors, year = _scope(request, drill_down=drill_down)
    if errors:
        return JsonResponse({"errors": errors}, status=400)
    rows = _rows(kpis.kpis_compute(scope))
    series = kpis.series_monthly(scope, CHARTED)
    if fmt == "json":
        payload = {
            "year": year,
            "organisation": request.GET.get("organisation", "") if drill_down else "",
            "region": scope.region,
            "computed_at": clock.now().isoformat(),
            "kpis": rows,
            "monthly": {key: [{"month": p.month.isoformat(), "value": p.value} for p in points]
                        for key, points in series.items()},
        }
        return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["kpi", "name", "value", "numerator", "denominator", "unit", "goal", "met", "measured"])
    for row in rows:
        writer.writerow([row["key"], row["name"], "" if row["value"] is None else row["value"], row["numerator"],
                         row["denominator"], row["unit"], "" if row["goal"] is None else row["goal"],
                         "" if row["met"] is None else str(row["met"]).lower(), str(row["measured"]).lower()])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="egov-kpis-{year}.csv"'
    return response


@access(PUBLIC)
@require_GET
def statistics_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The national KPIs of a year as CSV or JSON (open data)."""
    return _export(request, fmt, drill_down=False)


@access(COMMITTEE)
@require_GET
def dashboard_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The dashboard's KPIs, narrowed as on the page, as CSV or JSON."""
    return _export(request, fmt, drill_down=True)


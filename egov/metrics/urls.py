from __future__ import annotations

from django.urls import include, path

from egov.metrics import views

app_name = "metrics"

# The KPI pages under /metrics/: the include's "/" joins them to the "metrics" mount (no slash there,
# so that /metrics itself stays Prometheus's address).
pages = [
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/kpis.csv", views.statistics_export, {"fmt": "csv"}, name="statistics_csv"),
    path("statistics/kpis.json", views.statistics_export, {"fmt": "json"}, name="statistics_json"),
    path("definitions/", views.definitions, name="definitions"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/kpis.csv", views.dashboard_export, {"fmt": "csv"}, name="dashboard_csv"),
    path("dashboard/kpis.json", views.dashboard_export, {"fmt": "json"}, name="dashboard_json"),
]

urlpatterns = [
    path("", views.prometheus, name="prometheus"),
    path("/", include(pages)),
]

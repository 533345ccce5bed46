from __future__ import annotations

from django.urls import path

from egov.applications import views

app_name = "applications_backoffice"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("counter/", views.counter, name="counter"),
    path("counter/<slug:service_id>/", views.counter_file, name="counter_file"),
    path("<uuid:case_id>/", views.case, name="case"),
    path("<uuid:case_id>/<slug:action>/", views.act, name="act"),
]

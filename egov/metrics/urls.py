from __future__ import annotations

from django.urls import path

from egov.metrics import views

app_name = "metrics"

urlpatterns = [
    path("", views.prometheus, name="prometheus"),
]

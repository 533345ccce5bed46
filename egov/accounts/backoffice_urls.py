from __future__ import annotations

from django.urls import path

from egov.accounts import views

app_name = "backoffice"

urlpatterns = [
    path("", views.backoffice_home, name="home"),
]

from __future__ import annotations

from django.urls import path

from egov.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("services/", views.services, name="services"),
    path("my/", views.my_gov, name="my_gov"),
    path("my/access-log.csv", views.access_log_csv, name="access_log_csv"),
    path("my/access-log.json", views.access_log_json, name="access_log_json"),
    path("contact/", views.contact, name="contact"),
    path("privacy/", views.privacy, name="privacy"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("terms/", views.terms, name="terms"),
    path("organisations/", views.organisations, name="organisations"),
]

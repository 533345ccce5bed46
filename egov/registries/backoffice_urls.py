"""The registries' back office, mounted at /back-office/registries/."""

from __future__ import annotations

from django.urls import path

from egov.registries import views

app_name = "registries_backoffice"

urlpatterns = [
    path("", views.home, name="home"),
    path("residents/", views.resident_search, name="residents"),
    path("residents/<uuid:resident_id>/", views.resident_detail, name="resident"),
    path("residents/<uuid:resident_id>/correct/", views.resident_correct, name="resident_correct"),
    path("vehicles/", views.vehicle_search, name="vehicles"),
    path("property/", views.property_search, name="property"),
    path("businesses/", views.business_search, name="businesses"),
]

from __future__ import annotations

from django.urls import path

from egov.applications import views

app_name = "applications"

urlpatterns = [
    path("apply/<slug:service_id>/", views.apply, name="apply"),
    path("mine/", views.mine, name="mine"),
    path("mine/<uuid:application_id>/", views.detail, name="detail"),
    path("mine/<uuid:application_id>/supplement/", views.supplement, name="supplement"),
    path("mine/<uuid:application_id>/withdraw/", views.withdraw, name="withdraw"),
    path("mine/bundles/<slug:group>/", views.bundle, name="bundle"),
]

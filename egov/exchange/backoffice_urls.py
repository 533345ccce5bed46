"""The information-sharing back office, mounted at /back-office/exchange/."""

from __future__ import annotations

from django.urls import path

from egov.exchange import views

app_name = "exchange_backoffice"

urlpatterns = [
    path("", views.products, name="products"),
    path("rights/", views.rights, name="rights"),
    path("rights/grant/", views.right_grant, name="right_grant"),
    path("rights/<uuid:right_id>/revoke/", views.right_revoke, name="right_revoke"),
    path("log/", views.log, name="log"),
]

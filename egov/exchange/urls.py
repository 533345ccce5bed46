"""A citizen's consents, mounted under My Gov at /my/consents/."""

from __future__ import annotations

from django.urls import path

from egov.exchange import views

app_name = "exchange_consents"

urlpatterns = [
    path("", views.consents, name="list"),
    path("<uuid:consent_id>/revoke/", views.consent_revoke, name="revoke"),
]

"""The back office's identity desk: a clerk issues proofing codes at the counter (``/back-office/identity/``)."""

from __future__ import annotations

from django.urls import path

from egov.registries import proofing_views

app_name = "registries_proofing"

urlpatterns = [
    path("", proofing_views.counter, name="counter"),
    path("outbox/", proofing_views.contact_outbox, name="outbox"),
]

"""The registries' pages for citizens (``/registries/``): proving one's identity to link one's records."""

from __future__ import annotations

from django.urls import path

from egov.registries import proofing_views

app_name = "registries"

urlpatterns = [
    path("proof/", proofing_views.proof, name="proof"),
    path("proof/return/", proofing_views.proof_return, name="proof_return"),
]

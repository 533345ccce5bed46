"""The URL map: each app mounts its own urls; the one NinjaAPI lives at /api/v1."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from config.api import api
from egov.core.access import public

urlpatterns = [
    path("my/consents/", include("egov.exchange.urls")),
    path("", include("egov.portal.urls")),
    path("", include("egov.certificates.urls")),
    path("accounts/", include("egov.accounts.urls")),
    path("back-office/registries/", include("egov.registries.backoffice_urls")),
    path("back-office/identity/", include("egov.registries.proofing_urls")),
    path("back-office/exchange/", include("egov.exchange.backoffice_urls")),
    path("back-office/cases/", include("egov.applications.backoffice_urls")),
    path("back-office/", include("egov.accounts.backoffice_urls")),
    path("registries/", include("egov.registries.urls")),
    path("catalogue/", include("egov.catalogue.urls")),
    path("applications/", include("egov.applications.urls")),
    path("notifications/", include("egov.notifications.urls")),
    path("metrics", include("egov.metrics.urls")),
    path("i18n/", include("egov.portal.i18n_urls")),
    # Ninja's own root view answers 404; a person who opens /api/v1/ wants the docs.
    path("api/v1/", public(RedirectView.as_view(url="/api/v1/docs", permanent=False)), name="api-home"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler404 = "egov.core.errors.page_not_found"
handler500 = "egov.core.errors.server_error"
handler403 = "egov.core.errors.permission_denied"
handler400 = "egov.core.errors.bad_request"

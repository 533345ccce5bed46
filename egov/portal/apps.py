from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "egov.portal"
    label = "portal"
    default_auto_field = "django.db.models.BigAutoField"

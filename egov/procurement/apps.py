from __future__ import annotations

from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "egov.procurement"
    label = "procurement"
    default_auto_field = "django.db.models.BigAutoField"

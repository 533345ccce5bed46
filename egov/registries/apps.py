from __future__ import annotations

from django.apps import AppConfig


class RegistriesConfig(AppConfig):
    name = "egov.registries"
    label = "registries"
    default_auto_field = "django.db.models.BigAutoField"

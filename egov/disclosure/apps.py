from __future__ import annotations

from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "egov.disclosure"
    label = "disclosure"
    default_auto_field = "django.db.models.BigAutoField"

from __future__ import annotations

from django.apps import AppConfig


class PersonnelConfig(AppConfig):
    name = "egov.personnel"
    label = "personnel"
    default_auto_field = "django.db.models.BigAutoField"

from __future__ import annotations

from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "egov.participation"
    label = "participation"
    default_auto_field = "django.db.models.BigAutoField"

from __future__ import annotations

from django.apps import AppConfig


class EducationConfig(AppConfig):
    name = "egov.education"
    label = "education"
    default_auto_field = "django.db.models.BigAutoField"

from __future__ import annotations

from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "egov.workflow"
    label = "workflow"
    default_auto_field = "django.db.models.BigAutoField"

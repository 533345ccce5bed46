from __future__ import annotations

from datetime import time

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "egov.workflow"
    label = "workflow"
    verbose_name = _("Cases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from egov.core.scheduler import register_daily_job

        # Early in the day: a case due yesterday is escalated before the office opens,
        # and a supplement deadline that ended yesterday ends its case then.
        register_daily_job("egov.workflow.tasks.deadlines_check", at=time(0, 10))

from __future__ import annotations

from datetime import time

from django.apps import AppConfig
from django.conf import settings


class NotificationsConfig(AppConfig):
    name = "egov.notifications"
    label = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from egov.core.scheduler import register_daily_job
        from egov.notifications import checks  # noqa: F401 - registers the system checks

        # Proactive notices once a day, in the morning (local time): ADR 0093.
        register_daily_job("egov.notifications.tasks.notices_daily", at=time.fromisoformat(settings.EGOV_NOTICES_AT))

from __future__ import annotations

from datetime import time

from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "egov.exchange"
    label = "exchange"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from egov.core.scheduler import register_daily_job

        # Trusted member registries of other deployments (ADR 0060); operators may refresh more often by cron.
        register_daily_job("egov.exchange.federation.configuration.configuration_refresh_daily", at=time(3, 0))

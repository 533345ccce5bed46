from __future__ import annotations

from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "egov.finance"
    label = "finance"
    default_auto_field = "django.db.models.BigAutoField"

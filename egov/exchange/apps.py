from __future__ import annotations

from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "egov.exchange"
    label = "exchange"
    default_auto_field = "django.db.models.BigAutoField"

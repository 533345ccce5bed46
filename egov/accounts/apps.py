from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "egov.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from egov.accounts import checks  # noqa: F401 - registers the system checks

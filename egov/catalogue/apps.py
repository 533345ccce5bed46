from __future__ import annotations

from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "egov.catalogue"
    label = "catalogue"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from egov.catalogue import checks  # noqa: F401 - registers the system checks

from __future__ import annotations

from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "egov.certificates"
    label = "certificates"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from egov.certificates import checks  # noqa: F401 - registers the system checks

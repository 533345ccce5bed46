from __future__ import annotations

from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "egov.certificates"
    label = "certificates"
    default_auto_field = "django.db.models.BigAutoField"

from __future__ import annotations

from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "egov.certificates"
    label = "certificates"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from egov.certificates import checks  # noqa: F401 - registers the system checks
        from egov.core import events

        # A change of the register revokes the documents it made untrue (registries never import us).
        events.subscribe("registries.resident_changed", "egov.certificates.revocation.on_resident_changed")
        events.subscribe("registries.thing_changed", "egov.certificates.revocation.on_thing_changed")

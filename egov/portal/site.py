"""Facts about this installation that the portal's footer and information pages state.

egov is installed by a government, a province or a city; who runs an installation and
how to reach them is configuration (``EGOV_OPERATOR_NAME``, ``EGOV_CONTACT_*``,
``EGOV_PRIVACY_OFFICER``), never text written into the templates. Without an
operator the installation is a demonstration, and the pages say so rather than
pretend to be an official government website.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class SiteFacts:
    operator: str
    contact_email: str
    contact_phone: str
    contact_address: str
    privacy_officer: str

    @property
    def is_demo(self) -> bool:
        """No operator is named: a demonstration or development installation."""
        return not self.operator


def site_facts() -> SiteFacts:
    return SiteFacts(
        operator=getattr(settings, "EGOV_OPERATOR_NAME", ""),
        contact_email=getattr(settings, "EGOV_CONTACT_EMAIL", ""),
        contact_phone=getattr(settings, "EGOV_CONTACT_PHONE", ""),
        contact_address=getattr(settings, "EGOV_CONTACT_ADDRESS", ""),
        privacy_officer=getattr(settings, "EGOV_PRIVACY_OFFICER", ""),
    )

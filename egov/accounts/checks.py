"""System checks of the accounts app: refuse a demo back door in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register


@register("security", deploy=False)
def demo_bypass_not_in_production(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if settings.PRODUCTION and settings.EGOV_DEMO_OTP_BYPASS:
        return [Error(
            "EGOV_DEMO_OTP_BYPASS is set in production.",
            hint="Unset EGOV_DEMO_OTP_BYPASS: it lets anyone who knows it past officials' second factor.",
            id="egov.accounts.E001",
        )]
    return []

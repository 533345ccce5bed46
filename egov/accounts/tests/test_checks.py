"""The demo second-factor bypass can never be configured in production."""

from __future__ import annotations

from typing import Any

from egov.accounts.checks import demo_bypass_not_in_production


def test_the_demo_bypass_in_production_is_an_error(settings: Any) -> None:
    settings.PRODUCTION = True
    settings.EGOV_DEMO_OTP_BYPASS = "246810"
    assert [m.id for m in demo_bypass_not_in_production(None)] == ["egov.accounts.E001"]


def test_the_demo_bypass_outside_production_is_fine(settings: Any) -> None:
    settings.PRODUCTION = False
    settings.EGOV_DEMO_OTP_BYPASS = "246810"
    assert demo_bypass_not_in_production(None) == []

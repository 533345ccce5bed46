"""The accounts app's interface to other apps: ids in, frozen dataclasses out."""

from __future__ import annotations

from typing import Any


def user_for_personal_token(token: str) -> Any:
    """The active user owning this personal access token, or None."""
    return None


def agency_system_for_token(token: str) -> Any:
    """The active agency system holding these API credentials, or None."""
    return None

"""Small helpers shared by the accounts tests: read the audit log, compute TOTP codes."""

from __future__ import annotations

from typing import Any

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from egov.core.models.audit import AuditEntry


def audit_actions(subject: str | None = None, **filters: Any) -> list[tuple[str, str]]:
    """(action, outcome) of the audit entries, oldest first, optionally about one subject."""
    entries = AuditEntry.objects.all()
    if subject is not None:
        entries = entries.filter(subject=subject)
    return list(entries.filter(**filters).order_by("at", "id").values_list("action", "outcome"))


def current_code(device: TOTPDevice) -> str:
    """The code an authenticator app would show now for ``device``."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):0{device.digits}d}"

"""Wording for the records My Gov shows: audit codes become sentences a person understands.

The audit chain stores dotted action codes (``auth.login``) so that it stays stable
and machine-checkable; "Who viewed my data" shows what they mean, in the reader's
language. A subsystem that starts writing entries about people adds its codes to
``ACTION_LABELS``; an unknown code is shown as it is rather than hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from egov.core.audit import AuditView

ACTION_LABELS: dict[str, str | Promise] = {
    "account.sign_up": _("Account created"),
    "account.password_change": _("Password changed"),
    "account.official_create": _("Official account created"),
    "account.totp_enrol": _("Second factor turned on"),
    "account.totp_remove": _("Second factor turned off"),
    "account.token_create": _("Personal access token created"),
    "account.token_revoke": _("Personal access token revoked"),
    "auth.password": _("Password checked at sign-in"),
    "auth.second_factor": _("Second factor checked at sign-in"),
    "auth.login": _("Signed in"),
    "auth.logout": _("Signed out"),
    "person.read": _("Personal data read"),
    "person.search": _("Found in an official's search"),
    "account.resident_link": _("Account linked to your resident record"),
    "identity.code.requested": _("Identity-proofing code requested"),
    "identity.code.issued": _("Identity-proofing code issued"),
    "identity.proofed": _("Identity proved"),
    "identity.proof.failed": _("Identity proofing failed"),
    "identity.proof.refused": _("Identity proofing refused"),
}

OUTCOME_LABELS: dict[str, str | Promise] = {
    "success": _("Completed"),
    "failure": _("Failed"),
    "denied": _("Refused"),
    "error": _("Error"),
}


@dataclass(frozen=True)
class AccessRecord:
    """One line of "Who viewed my data", worded for the person it is about."""

    at: datetime
    what: str | Promise
    who: str
    purpose: str
    legal_basis: str
    consent: str
    outcome: str | Promise
    succeeded: bool


def _in_reader_language(text: str) -> str:
    """Purposes and legal bases are logged in English; those the catalogues know are shown translated.

    (``gettext("")`` would answer the catalogue's header, hence the guard.)
    """
    return gettext(text) if text else ""


def access_records(entries: list[AuditView]) -> list[AccessRecord]:
    return [
        AccessRecord(
            at=entry.at,
            what=ACTION_LABELS.get(entry.action, entry.action),
            who=entry.actor_label,
            purpose=_in_reader_language(entry.purpose),
            legal_basis=_in_reader_language(entry.legal_basis),
            consent=entry.consent,
            outcome=OUTCOME_LABELS.get(entry.outcome, entry.outcome),
            succeeded=entry.outcome == "success",
        )
        for entry in entries
    ]

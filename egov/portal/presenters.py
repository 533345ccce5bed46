"""Wording for the records My Gov shows: audit codes become sentences a person understands.

The audit chain stores dotted action codes (``auth.login``) so that it stays stable
and machine-checkable; "Who viewed my data" shows what they mean, in the reader's
language. A subsystem that starts writing entries about people adds its codes to
``ACTION_LABELS``; an unknown code is shown as it is rather than hidden.

Entries of the information-sharing gate carry more in their detail: the consumer
organisation's code, the data product as ``code@version``, the refusal's reason.
They are shown by name, in the reader's language (purposes are logged in English
and shown in Korean from the pack's wording), together with the place the request
came from: the PIPA access-log fields, account, time, place, subject and task.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.timezone import localtime
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from egov.accounts import public as accounts
from egov.core.access_log import AuditView
from egov.exchange import public as exchange

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
    "consent.granted": _("Consent given"),
    "certificate.issued": _("Signed document issued to you"),
    "certificate.verified": _("Your document was verified"),
    "consent.revoked": _("Consent revoked"),
    "exchange.refused": _("Request for your data refused"),
    "exchange.right.granted": _("Access right granted"),
    "exchange.right.revoked": _("Access right revoked"),
    "exchange.evidence.exported": _("Evidence of an exchange exported"),
}

# Why the information-sharing gate refused a request, as the person it was about reads it.
REASON_LABELS: dict[str, str | Promise] = {
    "no_access_right": _("the organisation has no access right to this data for this purpose"),
    "no_consent_or_basis": _("neither your consent nor a legal basis was cited"),
    "wrong_basis": _("the legal basis cited does not dispense with your consent"),
    "consent_not_found": _("the consent cited does not exist"),
    "consent_mismatch": _("your consent was not given for this data, purpose or organisation"),
    "consent_expired": _("your consent had expired"),
    "consent_revoked": _("you had revoked your consent"),
    "subject_unknown": _("no one on the register matched"),
    "replayed": _("the request repeated an earlier one"),
    "unknown_purpose": _("no known purpose was given"),
    "unknown_product": _("there is no such data product"),
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
    organisation: str = ""
    product: str = ""
    service: str = ""
    place: str = ""
    refused: bool = False
    reason: str | Promise = ""
    action: str = ""


def _in_reader_language(text: str) -> str:
    """Purposes and legal bases are logged in English; those the catalogues know are shown translated.

    (``gettext("")`` would answer the catalogue's header, hence the guard.)
    """
    return gettext(text) if text else ""


class _Names:
    """Names of data products, purposes and organisations in the reader's language, each looked up once."""

    def __init__(self) -> None:
        self.korean = (get_language() or "ko").startswith("ko")
        self._products: dict[str, str] | None = None
        self._purposes: dict[str, str] | None = None
        self._organisations: dict[str, str] = {}

    def product(self, reference: str) -> str:
        code = reference.split("@", 1)[0]
        if not code:
            return ""
        if self._products is None:
            self._products = {p.code: (p.name if self.korean else p.name_en) or p.code for p in exchange.products()}
        return self._products.get(code, code)

    def purpose(self, text: str) -> str:
        """The gate logs a purpose's English wording; a Korean reader gets the pack's Korean wording of it."""
        if not text:
            return ""
        if self._purposes is None:
            self._purposes = {}
            for p in exchange.purposes():
                wording = p.name if self.korean else p.name_en
                self._purposes[p.name_en] = wording
                self._purposes[p.code] = wording
        return self._purposes.get(text) or _in_reader_language(text)

    def organisation(self, code: str) -> str:
        if not code:
            return ""
        if code not in self._organisations:
            found = accounts.organisation(code=code)
            name = (found.name if self.korean or not found.name_en else found.name_en) if found else code
            self._organisations[code] = name
        return self._organisations[code]


def _product_reference(entry: AuditView) -> str:
    product = str(entry.detail.get("product", "") or "")
    if not product and entry.object_ref.startswith("exchange:") and not entry.object_ref.startswith("exchange:right"):
        product = entry.object_ref.removeprefix("exchange:")
    return product


def _record(entry: AuditView, names: _Names) -> AccessRecord:
    detail: dict[str, Any] = entry.detail or {}
    reason = str(detail.get("reason", "") or "")
    refused = entry.outcome == "denied"
    return AccessRecord(
        at=entry.at,
        what=ACTION_LABELS.get(entry.action, entry.action),
        who=entry.actor_label,
        purpose=names.purpose(entry.purpose),
        legal_basis=_in_reader_language(entry.legal_basis),
        consent=entry.consent,
        outcome=OUTCOME_LABELS.get(entry.outcome, entry.outcome),
        succeeded=entry.outcome == "success",
        # A read names the organisation that read; a consent, the organisation it was given to.
        organisation=names.organisation(str(detail.get("organisation", "") or detail.get("recipient", "") or "")),
        product=names.product(_product_reference(entry)),
        service=str(detail.get("service", "") or ""),
        place=entry.source_ip,
        refused=refused,
        reason=REASON_LABELS.get(reason, reason) if refused and reason else "",
        action=entry.action,
    )


def access_records(entries: list[AuditView]) -> list[AccessRecord]:
    names = _Names()
    return [_record(entry, names) for entry in entries]


# --- the download --------------------------------------------------------------------------------

# The columns of the download: (key of the JSON document, heading of the CSV file, value of a record).
COLUMNS: list[tuple[str, str | Promise, Callable[[AccessRecord], Any]]] = [
    ("at", _("Time"), lambda r: localtime(r.at).isoformat()),
    ("action", _("Action code"), lambda r: r.action),
    ("what", _("What"), lambda r: str(r.what)),
    ("organisation", _("Organisation"), lambda r: r.organisation),
    ("who", _("Official or system"), lambda r: r.who),
    ("data_product", _("Data product"), lambda r: r.product),
    ("purpose", _("Purpose"), lambda r: r.purpose),
    ("service", _("Service"), lambda r: r.service),
    ("legal_basis", _("Legal basis"), lambda r: r.legal_basis),
    ("consent", _("Consent"), lambda r: r.consent),
    ("outcome", _("Outcome"), lambda r: str(r.outcome)),
    ("reason", _("Reason for refusal"), lambda r: str(r.reason)),
    ("place", _("Place (network address)"), lambda r: r.place),
]


def download_rows(records: list[AccessRecord]) -> list[dict[str, Any]]:
    """The records as plain values keyed by the JSON names of :data:`COLUMNS`."""
    return [{key: value(record) for key, _heading, value in COLUMNS} for record in records]

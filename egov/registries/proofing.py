"""Identity proofing: a citizen account is linked to a resident record only on proof (ADR 0050).

Typing a resident registration number proves nothing: anyone may know someone else's.
The proof comes from an :class:`IdentityProvider`, looked up by the dotted path in
``settings.EGOV_IDENTITY_PROVIDER``. In production that is the national identity
provider (an OpenID Connect service such as the mobile carriers' PASS or a national
ID wallet): the citizen is sent there, and it answers with the person it
authenticated. The local implementation, :class:`LocalCodeProvider`, proves with a
one-time code that a clerk hands over at the counter after checking the visitor's ID
card, or that is sent to the phone or e-mail address on the resident record.

Codes are 8 random digits (``secrets``) stored only as a keyed hash bound to the
resident, so a code issued for one person never proves another. A code expires
(``EGOV_PROOFING_CODE_TTL_MINUTES``, 15 by default), is spent by the link it makes,
and is burnt by five wrong attempts. The citizen's page gives the same answer to every
failure — no such number, no code, a wrong, expired, spent or burnt code, a code for
someone else — and asking for a code to be sent answers the same whether the number
exists or not, so the page cannot be used to find out who is on the register.
Failed attempts are counted per account (through the audit log, which every process
shares) and stop after ten in an hour.

The services here are the views' only way in: :func:`proofing_resident_lookup` and
:func:`proofing_code_issue_at_counter` for the clerk, :func:`identity_code_request`
and :func:`identity_proof` for the citizen.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, parsedate_to_datetime
from hmac import compare_digest
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.crypto import salted_hmac
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from egov.accounts import public as accounts
from egov.core import clock
from egov.core.access_log import entries_about
from egov.core.audit import audit_append
from egov.core.crypto import blind_index, mask_email, mask_phone, mask_rrn, normalise_identifier
from egov.core.errors import Conflict, NotFound, PermissionDenied, RateLimited, ValidationError
from egov.registries.identifiers import IdentifierError, parse_person_number
from egov.registries.models import ProofingCode, Resident, ResidentStatus
from egov.registries.models.residents import IDENTIFIER_INDEX_KIND

__all__ = [
    "CounterRecord",
    "IdentityProvider",
    "IssuedCode",
    "LocalCodeProvider",
    "OutboxMessage",
    "Proof",
    "ProofingFailed",
    "contact_outbox_list",
    "identity_code_request",
    "identity_proof",
    "identity_provider",
    "proofing_code_issue_at_counter",
    "proofing_resident_lookup",
]

logger = logging.getLogger("egov.registries.proofing")

PERMISSION = "identity.proof"
# Logged in English and marked for the catalogues: "Who viewed my data" shows them translated.
PURPOSE = gettext_noop("identity proofing")
LEGAL_BASIS = gettext_noop("Resident Registration Act")
CODE_DIGITS = 8
MAX_ATTEMPTS = 5
WINDOW = timedelta(hours=1)
FAILURES_PER_WINDOW = 10  # failed proofs per account
REQUESTS_PER_WINDOW = 3  # codes asked to be sent, per account
CONTACT_CODES_PER_WINDOW = 3  # codes sent to one resident's contact
OUTBOX_FOLDER = "identity"
_CODE_SALT = "egov.registries.proofing.code"


class ProofingFailed(Exception):  # noqa: N818 - a verdict, not a programming error
    """The evidence proves nothing.

    It deliberately carries no reason: the citizen is told the same thing whatever
    went wrong, so that the answer says nothing about who is on the register.
    """


@dataclass(frozen=True)
class Proof:
    """What a provider proved: this resident, by this means (``reference`` names the evidence)."""

    resident_id: UUID
    method: str
    reference: str = ""


@dataclass(frozen=True)
class CounterRecord:
    """A resident as the clerk sees them at the counter: enough to match the ID card, the number masked."""

    resident_id: UUID
    name: str
    name_en: str
    masked_number: str
    address: str
    status: str
    status_label: str

    @property
    def living(self) -> bool:
        return self.status == ResidentStatus.LIVING


@dataclass(frozen=True)
class IssuedCode:
    """A code just issued at the counter: shown once to the clerk, never stored in the clear."""

    code: str
    expires_at: datetime
    record: CounterRecord

    @property
    def display(self) -> str:
        """``1234 5678``: two groups are easier to read out and to copy by hand."""
        return f"{self.code[:4]} {self.code[4:]}"


@dataclass(frozen=True)
class OutboxMessage:
    """A code message as the local contact outbox "sent" it (what a phone or mailbox would have received)."""

    channel: str
    to: str
    subject: str
    body: str
    sent_at: datetime | None


# --- the adapter --------------------------------------------------------------------


class IdentityProvider(ABC):
    """Proves that the person signed in is a given resident.

    Two shapes of provider fit: one that sends the citizen away to authenticate and
    back (``redirects``: :meth:`start` gives the address, the return request's query
    parameters are the evidence), and one whose evidence is typed on our own page (the
    local code). :meth:`verify` runs outside the linking transaction, so a provider
    may record a failed attempt that must stay although the attempt fails;
    :meth:`consume` then spends the evidence inside it.
    """

    key: str = ""
    name: Any = ""
    redirects: bool = False
    issues_counter_codes: bool = False

    def start(self, *, user_id: UUID, return_url: str, session: MutableMapping[str, Any]) -> str:
        """The address to send the citizen to (for providers that redirect); ``session`` keeps their state."""
        raise NotImplementedError(f"{type(self).__name__} does not redirect")

    @abstractmethod
    def verify(self, *, user_id: UUID, evidence: Mapping[str, str], session: MutableMapping[str, Any]) -> Proof:
        """Check the evidence and return what it proves, or raise :class:`ProofingFailed`."""

    def consume(self, proof: Proof, *, user_id: UUID) -> None:
        """Spend the evidence in the caller's transaction, so it proves nothing twice; ProofingFailed if already spent.

        Nothing to do by default: a national provider's answer is single-use at its source.
        """
        return None

    @property
    def sends_codes_to_contact(self) -> bool:
        """Whether the citizen may ask for a code to be sent to the contact on their record."""
        return False

    def send_code_to_contact(self, *, number: str, requested_by: Any, source_ip: str | None = None) -> None:
        """Send a code to the contact on the record of ``number``, if there is one; say nothing either way."""
        raise NotImplementedError(f"{type(self).__name__} sends no codes")


def identity_provider() -> IdentityProvider:
    """The configured provider (``settings.EGOV_IDENTITY_PROVIDER``: a class or a factory, by dotted path)."""
    provider = import_string(settings.EGOV_IDENTITY_PROVIDER)()
    if not isinstance(provider, IdentityProvider):
        raise TypeError(f"EGOV_IDENTITY_PROVIDER must give an IdentityProvider, got {type(provider).__name__}")
    return provider


# --- the local implementation -------------------------------------------------------


def _code_digest(resident_id: UUID, code: str) -> str:
    """The keyed hash a code is stored as; bound to its resident, so it proves no one else."""
    return salted_hmac(_CODE_SALT, f"{resident_id}:{code}", algorithm="sha256").hexdigest()


def _ttl() -> timedelta:
    return timedelta(minutes=int(settings.EGOV_PROOFING_CODE_TTL_MINUTES))


def _issue_code(resident: Resident, *, channel: str, issued_by: Any) -> tuple[ProofingCode, str]:
    now = clock.now()
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row = ProofingCode.objects.create(
        resident=resident, code_hash=_code_digest(resident.pk, code), channel=channel, issued_by=issued_by,
        issued_at=now, expires_at=now + _ttl(),
    )
    return row, code


def _resident_by_number(number: str) -> Resident | None:
    digits = normalise_identifier(number or "")
    if len(digits) != 13 or not digits.isdigit():
        return None
    index = blind_index(digits, kind=IDENTIFIER_INDEX_KIND)
    return Resident.objects.select_related("household").filter(identifier_index=index).first()


def contact_outbox_dir() -> Path:
    return Path(settings.EGOV_OUTBOX_DIR) / OUTBOX_FOLDER


class LocalCodeProvider(IdentityProvider):
    """One-time codes: handed over at the counter by a clerk, or sent to the contact on the record.

    Sending goes to the local contact outbox (one file per message under
    ``EGOV_OUTBOX_DIR/identity/``, listed for operators at ``/back-office/identity/outbox/``),
    the stand-in for an SMS gateway and a mail server. Because whoever reads that outbox
    could prove anyone, a production installation does not offer sending with it: it
    configures its national identity provider, or a subclass whose
    :meth:`deliver` hands the message to a real gateway.
    """

    key = "local-code"
    name = gettext_lazy("one-time code")
    issues_counter_codes = True

    @property
    def sends_codes_to_contact(self) -> bool:
        return not settings.PRODUCTION

    def verify(self, *, user_id: UUID, evidence: Mapping[str, str], session: MutableMapping[str, Any]) -> Proof:
        code = normalise_identifier(evidence.get("code", ""))
        resident = _resident_by_number(evidence.get("number", ""))
        if resident is None or len(code) != CODE_DIGITS or not code.isdigit():
            raise ProofingFailed
        digest = _code_digest(resident.pk, code)
        with transaction.atomic():
            live = list(
                ProofingCode.objects.select_for_update()
                .filter(resident=resident, used_at__isnull=True, expires_at__gt=clock.now(), attempts__lt=MAX_ATTEMPTS)
                .order_by("issued_at")
            )
            for row in live:
                if compare_digest(row.code_hash, digest):
                    return Proof(resident_id=resident.pk, method=row.channel, reference=f"proofing_code:{row.pk}")
            # A wrong guess counts against every code the resident holds: five and they are burnt.
            ProofingCode.objects.filter(pk__in=[row.pk for row in live]).update(attempts=F("attempts") + 1)
        raise ProofingFailed

    def consume(self, proof: Proof, *, user_id: UUID) -> None:
        code_id = proof.reference.removeprefix("proofing_code:")
        now = clock.now()
        spent = ProofingCode.objects.filter(pk=code_id, used_at__isnull=True, expires_at__gt=now).update(
            used_at=now, used_by_id=user_id
        )
        if spent != 1:
            raise ProofingFailed  # spent by a concurrent attempt, or expired in between
        # The record is linked now: any other code still out for it has nothing left to prove.
        ProofingCode.objects.filter(resident_id=proof.resident_id, used_at__isnull=True, expires_at__gt=now).update(
            expires_at=now
        )

    def send_code_to_contact(self, *, number: str, requested_by: Any, source_ip: str | None = None) -> None:
        if not self.sends_codes_to_contact:
            raise NotImplementedError("the local contact outbox is not used in production")
        resident = _resident_by_number(number)
        if resident is None or resident.status != ResidentStatus.LIVING:
            return
        if resident.phone:
            channel, address, shown = ProofingCode.Channel.SMS, resident.phone, mask_phone(resident.phone)
        elif resident.email:
            channel, address, shown = ProofingCode.Channel.EMAIL, resident.email, mask_email(resident.email)
        else:
            return
        recent = ProofingCode.objects.filter(
            resident=resident, channel__in=[ProofingCode.Channel.SMS, ProofingCode.Channel.EMAIL],
            issued_at__gte=clock.now() - WINDOW,
        ).count()
        if recent >= CONTACT_CODES_PER_WINDOW:
            return
        with transaction.atomic():
            row, code = _issue_code(resident, channel=channel, issued_by=None)
            audit_append(
                action="identity.code.issued", **_actor(requested_by, source_ip), subject=f"resident:{resident.pk}",
                purpose=PURPOSE, legal_basis=LEGAL_BASIS, object_ref=f"proofing_code:{row.pk}",
                detail={"channel": channel, "to": shown, "expires_at": row.expires_at.isoformat()},
            )
        try:
            self.deliver(channel=channel, address=address, code=code, expires_at=row.expires_at, reference=str(row.pk))
        except OSError:
            # The citizen's answer must not differ from the one for an unknown number; they
            # can ask again, and the operator sees why nothing arrived.
            logger.exception("could not deliver identity proofing code %s", row.pk)

    def deliver(self, *, channel: str, address: str, code: str, expires_at: datetime, reference: str) -> None:
        """Hand the message to the network; locally, write it to the contact outbox."""
        minutes = int(settings.EGOV_PROOFING_CODE_TTL_MINUTES)
        mail = EmailMessage()
        mail["From"] = settings.DEFAULT_FROM_EMAIL
        if channel == ProofingCode.Channel.EMAIL:
            mail["To"] = address
        mail["Subject"] = _("Your identity proofing code")
        mail["Date"] = format_datetime(clock.now())
        mail["Message-ID"] = f"<{reference}@egov.invalid>"
        mail["X-Egov-Channel"] = channel
        mail["X-Egov-To"] = address
        mail.set_content(
            _(
                "Your code to link your account to your resident record is %(code)s. It works for %(minutes)d "
                "minutes, once. Never tell it to anyone: officials will never ask you for it."
            ) % {"code": code, "minutes": minutes}
        )
        directory = contact_outbox_dir()
        directory.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed into place: a reader never sees half a message.
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".writing-", suffix=".eml")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(bytes(mail))
            os.replace(temporary, directory / f"{reference}.eml")
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def contact_outbox_list(*, limit: int = 50) -> list[OutboxMessage]:
    """The latest messages of the local contact outbox, newest first (for the operators' page)."""
    directory = contact_outbox_dir()
    if not directory.is_dir():
        return []
    files = sorted(directory.glob("*.eml"), key=lambda path: path.stat().st_mtime, reverse=True)[:limit]
    parser = BytesParser(policy=policy.default)
    messages: list[OutboxMessage] = []
    for path in files:
        mail = parser.parsebytes(path.read_bytes())
        body = mail.get_body(preferencelist=("plain",))
        try:
            sent_at: datetime | None = parsedate_to_datetime(str(mail["Date"]))
        except (TypeError, ValueError):
            sent_at = None
        messages.append(OutboxMessage(
            channel=str(mail["X-Egov-Channel"] or ""), to=str(mail["X-Egov-To"] or ""), subject=str(mail["Subject"] or ""),
            body=body.get_content().strip() if body is not None else "", sent_at=sent_at,
        ))
    return messages


# --- services: the clerk at the counter ---------------------------------------------


def _actor(user: Any, source_ip: str | None) -> dict[str, Any]:
    label = str(getattr(user, "display_name", "") or user.get_username())
    return {"actor": f"user:{user.pk}", "actor_label": label, "source_ip": source_ip}


def _record(resident: Resident) -> CounterRecord:
    return CounterRecord(
        resident_id=resident.pk, name=resident.name_ko, name_en=resident.name_en,
        masked_number=mask_rrn(resident.identifier),
        address=resident.household.address_line if resident.household else "",
        status=resident.status, status_label=str(resident.get_status_display()),
    )


def _require_clerk(clerk: Any) -> None:
    if not (getattr(clerk, "is_official", False) and clerk.has_egov_perm(PERMISSION)):
        raise PermissionDenied(_("Only officials who may prove identity at the counter can do this."))


def _require_jurisdiction(clerk: Any, resident: Resident, source_ip: str | None) -> None:
    """Refuse, and log the refused read, when the resident lives outside the clerk's office's area."""
    household = resident.household
    if household is not None and accounts.official_covers(user=clerk, admin_dong_code=household.admin_dong_code):
        return
    audit_append(
        action="person.read", **_actor(clerk, source_ip), subject=f"resident:{resident.pk}", purpose=PURPOSE,
        legal_basis=LEGAL_BASIS, outcome="denied", detail={"reason": "outside jurisdiction"},
    )
    message = _(
        "This resident is registered outside your office's area. They can prove their identity at the "
        "community service centre that serves their address."
    )
    raise PermissionDenied(message, field_errors={"number": [message]})


def _audit_read(clerk: Any, resident: Resident, source_ip: str | None) -> None:
    audit_append(
        action="person.read", **_actor(clerk, source_ip), subject=f"resident:{resident.pk}", purpose=PURPOSE,
        legal_basis=LEGAL_BASIS, object_ref=f"resident:{resident.pk}",
    )


def proofing_resident_lookup(*, clerk: Any, number: str, source_ip: str | None = None) -> CounterRecord:
    """The visitor's record, masked, for a clerk of the office that serves their address (the read is logged)."""
    _require_clerk(clerk)
    try:
        parse_person_number(number)
    except IdentifierError as error:
        raise ValidationError(str(error), field_errors={"number": [str(error)]}) from None
    resident = _resident_by_number(number)
    if resident is None:
        message = _("No resident has this registration number. Check it against the ID card.")
        raise NotFound(message, field_errors={"number": [message]})
    _require_jurisdiction(clerk, resident, source_ip)
    _audit_read(clerk, resident, source_ip)
    return _record(resident)


def proofing_code_issue_at_counter(*, clerk: Any, resident_id: UUID, source_ip: str | None = None) -> IssuedCode:
    """Issue a one-time code for the visitor standing at the counter, whose ID card the clerk has checked."""
    _require_clerk(clerk)
    resident = Resident.objects.select_related("household").filter(pk=resident_id).first()
    if resident is None:
        raise NotFound(_("The resident record was not found. Look the visitor up again."))
    _require_jurisdiction(clerk, resident, source_ip)
    if resident.status != ResidentStatus.LIVING:
        raise ValidationError(
            _("The record of %(name)s is marked “%(status)s”: only a living resident's record can be linked to an account.")
            % {"name": resident.name_ko, "status": resident.get_status_display()}
        )
    with transaction.atomic():
        row, code = _issue_code(resident, channel=ProofingCode.Channel.COUNTER, issued_by=clerk)
        _audit_read(clerk, resident, source_ip)
        audit_append(
            action="identity.code.issued", **_actor(clerk, source_ip), subject=f"resident:{resident.pk}",
            purpose=PURPOSE, legal_basis=LEGAL_BASIS, object_ref=f"proofing_code:{row.pk}",
            detail={"channel": ProofingCode.Channel.COUNTER.value, "expires_at": row.expires_at.isoformat()},
        )
    return IssuedCode(code=code, expires_at=row.expires_at, record=_record(resident))


# --- services: the citizen ----------------------------------------------------------


def _failure_message() -> str:
    return _(
        "The registration number and the code do not match a valid code. A code works once, for a limited "
        "time, and only for the person it was issued to. Check both, or ask for a new code."
    )


def _recent(user: Any, action: str) -> int:
    """How many entries of ``action`` about this account the audit log holds for the last hour."""
    since = clock.now() - WINDOW
    return sum(1 for entry in entries_about([f"user:{user.pk}"], limit=200) if entry.action == action and entry.at >= since)


def _require_unlinked(user: Any) -> None:
    if getattr(user, "resident_id", None):
        raise Conflict(_("Your account is already linked to your resident record."))


def identity_code_request(*, user: Any, number: str, source_ip: str | None = None) -> None:
    """Ask for a code to be sent to the contact on the record of ``number``.

    Returns the same (nothing) whether or not the number is on the register, has a
    contact, or has had too many codes sent lately: the answer must not tell.
    """
    _require_unlinked(user)
    provider = identity_provider()
    if not provider.sends_codes_to_contact:
        raise ValidationError(_("Codes cannot be sent here. Ask for one at a community service centre."))
    if _recent(user, "identity.code.requested") >= REQUESTS_PER_WINDOW:
        raise RateLimited(_("You have asked for several codes in the last hour. Wait a while before asking again."))
    audit_append(action="identity.code.requested", **_actor(user, source_ip), subject=f"user:{user.pk}", purpose=PURPOSE)
    provider.send_code_to_contact(number=number, requested_by=user, source_ip=source_ip)


def identity_proof(
    *,
    user: Any,
    evidence: Mapping[str, str],
    session: MutableMapping[str, Any] | None = None,
    source_ip: str | None = None,
) -> UUID:
    """Link the account to the resident the evidence proves; returns the resident's id.

    Every failure of the evidence gives the same ValidationError and links nothing. An
    account already linked, or a resident already linked to another account, is a
    Conflict; too many failures in the last hour are RateLimited.
    """
    _require_unlinked(user)
    if _recent(user, "identity.proof.failed") >= FAILURES_PER_WINDOW:
        raise RateLimited(
            _("Too many failed attempts in the last hour. Try again later, or ask at a community service centre.")
        )
    provider = identity_provider()
    actor = _actor(user, source_ip)
    try:
        proof = provider.verify(user_id=user.pk, evidence=evidence, session=session if session is not None else {})
        with transaction.atomic():
            resident = Resident.objects.select_for_update().filter(pk=proof.resident_id).first()
            if resident is None or resident.status != ResidentStatus.LIVING:
                raise ProofingFailed
            if accounts.resident_linked_user(resident_id=resident.pk) not in (None, user.pk):
                raise _LinkedElsewhere(resident.pk)
            provider.consume(proof, user_id=user.pk)
            accounts.user_link_resident(user_id=user.pk, resident_id=resident.pk, by=f"user:{user.pk}")
            for subject, other in ((f"user:{user.pk}", f"resident:{resident.pk}"), (f"resident:{resident.pk}", f"user:{user.pk}")):
                audit_append(
                    action="identity.proofed", **actor, subject=subject, purpose=PURPOSE, legal_basis=LEGAL_BASIS,
                    object_ref=other, detail={"provider": provider.key, "method": proof.method, "evidence": proof.reference},
                )
    except ProofingFailed:
        audit_append(
            action="identity.proof.failed", **actor, subject=f"user:{user.pk}", purpose=PURPOSE, outcome="failure",
            detail={"provider": provider.key},
        )
        message = _failure_message()
        raise ValidationError(message, field_errors={"code": [message]}) from None
    except _LinkedElsewhere as linked:
        audit_append(
            action="identity.proof.refused", **actor, subject=f"resident:{linked.resident_id}", purpose=PURPOSE,
            outcome="denied", object_ref=f"user:{user.pk}", detail={"reason": "resident linked to another account"},
        )
        raise Conflict(
            _("This resident record is already linked to another account. If that account is not yours, tell the "
              "community service centre that gave you the code.")
        ) from None
    user.resident_id = resident.pk  # the caller's copy of the account, current again
    return resident.pk


class _LinkedElsewhere(Exception):  # noqa: N818 - internal control flow
    def __init__(self, resident_id: UUID) -> None:
        super().__init__(str(resident_id))
        self.resident_id = resident_id

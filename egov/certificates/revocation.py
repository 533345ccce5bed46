"""Revocation: a document that is no longer true is revoked, with its cause, and its holder is told.

Two ways in:

- **the register changed** — the registries publish ``registries.resident_changed``
  (``egov.core.events``, after their write commits) for a death, a change of name or of
  registration number, a correction of the record, and a move. This module, subscribed
  in ``CertificatesConfig.ready`` (registries never import certificates), revokes the
  valid documents about that person: every one of them, except that a move revokes only
  the documents whose template prints an address, and a correction of the phone or
  e-mail alone (printed on no document) revokes nothing;
- **an official** revokes one document by hand in the back office, with a reason.

Either way the document's status becomes ``revoked`` with the date and the cause (its
PDF stays as issued), one audit entry ``certificate.revoked`` names the holder, and the
holder receives a notice in their inbox. Verification by number, upload, e-certificate
or share link then answers "revoked" with the date.
"""

from __future__ import annotations

import logging
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from egov.certificates.models import DocumentStatus, IssuedDocument
from egov.certificates.templates_pack import document_template
from egov.core import clock
from egov.core.audit import audit_append
from egov.core.errors import ApplicationError, NotFound, ValidationError
from egov.core.events import Event

logger = logging.getLogger("egov.certificates")

EVENT = "registries.resident_changed"

# What each change of the register says, stored (in the deployment's language) as the cause.
CAUSES = {
    "death": gettext_noop("A death was registered for the person this document is about."),
    "name_changed": gettext_noop("The name of the person this document is about was changed."),
    "number_changed": gettext_noop("The registration number of the person this document is about was changed."),
    "corrected": gettext_noop("The resident record this document was issued from was corrected."),
    "moved": gettext_noop("The address of the person this document is about changed."),
}
# Corrected fields that no document prints: correcting only these leaves documents true.
UNPRINTED_FIELDS = frozenset({"phone", "email"})


def _prints_an_address(document_type: str) -> bool:
    try:
        template = document_template(document_type)
    except ApplicationError:  # a template removed from the pack since: assume it did
        return True
    return any("address" in source for f in template.fields for source in f.sources)


def _notify(document: IssuedDocument) -> None:
    """The holder's notice; a failure to send is logged and does not undo the revocation."""
    from egov.notifications import public as notifications

    with translation.override(settings.LANGUAGE_CODE):
        title = document.title.get(translation.get_language() or "ko") or document.title.get("ko", "")
        subject = _("Your document “%(title)s” has been revoked") % {"title": title}
        body = _(
            "The document “%(title)s” (confirmation number %(number)s) issued on %(issued)s no longer proves "
            "what it says and verifies as revoked from %(revoked)s.\nCause: %(cause)s\n"
            "Apply for a new one if you need it."
        ) % {
            "title": title,
            "number": document.number,
            "issued": document.issued_at.date().isoformat(),
            "revoked": (document.revoked_at or clock.now()).date().isoformat(),
            "cause": document.revocation_cause,
        }
    try:
        notifications.send(
            recipient_user_id=document.holder_id,
            subject=subject,
            body=body,
            category="certificates",
            idempotency_key=f"certificate-revoked:{document.id}",
            link=reverse("certificates:wallet"),
        )
    except Exception:
        logger.exception("the revocation notice for document %s was not sent", document.id)


@transaction.atomic
def _revoke(*, document_id: UUID, cause: str, by: str, actor_label: str = "") -> IssuedDocument:
    document = IssuedDocument.objects.select_for_update().filter(id=document_id).first()
    if document is None:
        raise NotFound("document")
    if document.status == DocumentStatus.REVOKED:
        raise ValidationError(
            _("This document was already revoked on %(date)s.")
            % {"date": document.revoked_at.date().isoformat() if document.revoked_at else "-"}
        )
    document.status = DocumentStatus.REVOKED
    document.revoked_at = clock.now()
    document.revocation_cause = cause[:200]
    document.save(update_fields=["status", "revoked_at", "revocation_cause"])
    audit_append(
        action="certificate.revoked",
        actor=by,
        actor_label=actor_label,
        subject=f"user:{document.holder_id}",
        object_ref=f"document:{document.id}",
        detail={"type": document.document_type, "cause": document.revocation_cause},
    )
    return document


def document_revoke(*, document_id: UUID, reason: str, by: str, actor_label: str = "") -> IssuedDocument:
    """An official revokes a document by hand, with a reason (required); the holder is told."""
    reason = (reason or "").strip()
    if not reason:
        message = _("Say why the document is revoked: the holder reads it.")
        raise ValidationError(message, field_errors={"reason": [message]})
    if len(reason) > 200:
        message = _("Write the reason in 200 characters or fewer.")
        raise ValidationError(message, field_errors={"reason": [message]})
    document = _revoke(document_id=document_id, cause=reason, by=by, actor_label=actor_label)
    _notify(document)
    return document


def document_revoke_by_number(*, number: str, reason: str, by: str, actor_label: str = "") -> IssuedDocument:
    """The back office's form: the number as typed (check digit first), then :func:`document_revoke`."""
    from egov.certificates.services import checked_number

    digits = checked_number(number)
    document = IssuedDocument.objects.filter(number=digits).only("id").first()
    if document is None:
        message = _("No document was issued under this number.")
        raise ValidationError(message, field_errors={"number": [message]})
    return document_revoke(document_id=document.id, reason=reason, by=by, actor_label=actor_label)


def documents_about(resident_ids: list[str]) -> list[IssuedDocument]:
    """The valid documents whose subjects include one of ``resident_ids``."""
    wanted = {str(r) for r in resident_ids}
    found: list[IssuedDocument] = []
    for resident in wanted:
        # A text match narrows the rows on SQLite and PostgreSQL alike; the exact test is below.
        candidates = IssuedDocument.objects.filter(
            status=DocumentStatus.VALID, subject_resident_ids__icontains=resident
        ).defer("pdf")
        found += [d for d in candidates if wanted & {str(s) for s in d.subject_resident_ids} and d not in found]
    return found


def on_resident_changed(event: Event) -> None:
    """Subscriber of ``registries.resident_changed``: revoke what the change made untrue, tell each holder."""
    change = str(event.payload.get("change", ""))
    if change not in CAUSES:
        return
    fields = set(event.payload.get("fields") or ())
    if change == "corrected" and fields and fields <= UNPRINTED_FIELDS:
        return
    with translation.override(settings.LANGUAGE_CODE):
        cause = _(CAUSES[change])
    now = clock.now()
    for document in documents_about(list(event.payload.get("resident_ids") or ())):
        if change == "moved" and not _prints_an_address(document.document_type):
            continue
        if now >= document.expires_at:
            continue  # already expired: nobody relies on it any more
        try:
            revoked = _revoke(document_id=document.id, cause=cause, by="system:registries")
        except ValidationError:  # revoked meanwhile by another change
            continue
        _notify(revoked)


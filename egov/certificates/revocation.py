"""Revocation: a document that is no longer true is revoked, with its cause, and its holder is told.

Two ways in:

- **the register changed** — the registries publish ``registries.resident_changed``
  (``egov.core.events``, after their write commits) for a death, a change of name or of
  registration number, a correction of the record, and a move. This module, subscribed
  in ``CertificatesConfig.ready`` (registries never import certificates), revokes the
  valid documents about that person: every one of them, except that a move revokes only
  the documents whose template prints an address, and a correction of the phone or
  e-mail alone (printed on no document) revokes nothing. "About that person" means every
  person the document states, recorded at issue (:func:`subjects_stated`): the
  applicant, the person a family certificate is about, and the parents, spouse and
  children it names (ADR 0130);
- **a parcel or a building changed** — the registries publish ``registries.thing_changed``
  for a land category change, a demolition, a change of use and a change of owners; the
  documents about that parcel or building which print what changed are revoked, and a
  demolition also revokes the documents about the parcel that list its buildings;
- **an official** revokes one document by hand in the back office, with a reason.

Either way the document's status becomes ``revoked`` with the date and the cause (its
PDF stays as issued), one audit entry ``certificate.revoked`` names the holder, and the
holder receives a notice in their inbox. Verification by number, upload, e-certificate
or share link then answers "revoked" with the date.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from egov.certificates.models import DocumentStatus, IssuedDocument
from egov.certificates.templates_pack import DocumentTemplate, document_template
from egov.core import clock
from egov.core.audit import audit_append
from egov.core.errors import ApplicationError, NotFound, ValidationError
from egov.core.events import Event

logger = logging.getLogger("egov.certificates")

EVENT = "registries.resident_changed"
THING_EVENT = "registries.thing_changed"

# What each change of the register says, stored (in the deployment's language) as the cause.
CAUSES = {
    "death": gettext_noop("A death was registered for the person this document is about."),
    "name_changed": gettext_noop("The name of the person this document is about was changed."),
    "number_changed": gettext_noop("The registration number of the person this document is about was changed."),
    "corrected": gettext_noop("The resident record this document was issued from was corrected."),
    "moved": gettext_noop("The address of the person this document is about changed."),
}
# What each change of a parcel or a building says (``registries.thing_changed``).
THING_CAUSES = {
    ("parcel", "category_changed"): gettext_noop("The land category of the parcel this document is about was changed."),
    ("parcel", "transferred"): gettext_noop("The owners of the parcel this document is about changed."),
    ("building", "demolished"): gettext_noop("The building this document is about was demolished."),
    ("building", "use_changed"): gettext_noop("The main use of the building this document is about was changed."),
    ("building", "transferred"): gettext_noop("The owners of the building this document is about changed."),
}
DEMOLISHED_ON_PARCEL = gettext_noop("A building on the parcel this document is about was demolished.")
# Corrected fields that no document prints: correcting only these leaves documents true.
UNPRINTED_FIELDS = frozenset({"phone", "email"})


def _prints_an_address(document_type: str) -> bool:
    try:
        template = document_template(document_type)
    except ApplicationError:  # a template removed from the pack since: assume it did
        return True
    return any("address" in source for f in template.fields for source in f.sources)


_PLACEHOLDER = re.compile(r"\{([a-z0-9_.]+)\}")


def _printed_names(document_type: str) -> frozenset[str] | None:
    """The names of the facts a template prints (path steps and ``show`` placeholders); None without a template."""
    try:
        template = document_template(document_type)
    except ApplicationError:
        return None
    names: set[str] = set()
    for f in template.fields:
        for source in f.sources:
            names.update(source.split(".")[1:])
        for placeholder in _PLACEHOLDER.findall(f.show):
            names.update(placeholder.split("."))
    return frozenset(names)


def _prints(document_type: str, facts: Iterable[str]) -> bool:
    """Whether the template prints one of ``facts`` (``category`` is printed by ``{category_label}`` too).

    A template removed from the pack since the document was issued is assumed to print everything.
    """
    names = _printed_names(document_type)
    if names is None:
        return True
    return any(name.startswith(fact) for name in names for fact in facts)


# --- what a document states, recorded at issue -----------------------------------------------


def _squeezed(text: Any) -> str:
    return "".join(str(text or "").split())


def thing_key(kind: str, *, pnu: str, road_address: str = "", name: str = "") -> str:
    """How a document names the parcel or building it is about, and an event the one that changed.

    A parcel is its PNU. A building is not released with an id (the register extract names it
    by its parcel and road address), so it is its parcel's PNU, its road address and its name
    (several buildings of an estate share a parcel and an address and differ by name), spaces
    ignored.
    """
    if kind == "parcel":
        return f"parcel:{_squeezed(pnu)}"
    return f"building:{_squeezed(pnu)}:{_squeezed(road_address)}:{_squeezed(name)}"


def _records(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, Mapping)]
    return []


def subjects_stated(template: DocumentTemplate, values: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """The people and the things the document prints, from the same ``values`` it is drawn from.

    A printed record that carries a ``resident_id`` is a person the document states (the
    family register's people: the person a certificate is about, their parents, spouse and
    children, as the level and items asked narrowed them); a printed record with a ``pnu`` is
    a parcel, or a building when it has a ``main_use`` (the land and building registers'
    records). Only what the template prints counts: a specific certificate showing the
    children alone is not made untrue by a parent's death. Owners on a land or building
    document are released without an id and are not recorded: their names follow the
    register's own changes (a transfer), which arrive as changes of the thing.
    """
    people: list[str] = []
    things: list[str] = []
    for template_field in template.fields:
        # The items as the field narrows them, before they are turned into printed text.
        raw = dataclasses.replace(template_field, show="", choices={}).resolve(values)
        for record in _records(raw):
            if record.get("resident_id"):
                people.append(str(record["resident_id"]))
            if record.get("pnu"):
                kind = "building" if "main_use" in record else "parcel"
                things.append(thing_key(kind, pnu=str(record["pnu"]), road_address=str(record.get("road_address") or ""),
                                        name=str(record.get("name") or "")))
    return list(dict.fromkeys(people)), list(dict.fromkeys(things))


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
    return _documents_naming("subject_resident_ids", [str(r) for r in resident_ids])


def documents_about_things(keys: list[str]) -> list[IssuedDocument]:
    """The valid documents about one of the parcels or buildings ``keys`` names (:func:`thing_key`)."""
    return _documents_naming("subject_things", keys)


def _ascii_prefix(value: str) -> str:
    """The part of ``value`` before its first non-ASCII character.

    SQLite keeps a JSON column as Django wrote it, with ``\\uXXXX`` escapes for Korean, and
    PostgreSQL as the characters themselves: the ASCII part (a building's PNU) reads the same
    in both, so the text match uses it alone.
    """
    cut = next((i for i, c in enumerate(value) if ord(c) > 127), len(value))
    return value[:cut]


def _documents_naming(column: str, values: list[str]) -> list[IssuedDocument]:
    wanted = set(values)
    found: list[IssuedDocument] = []
    for value in wanted:
        # A text match narrows the rows on SQLite and PostgreSQL alike; the exact test is below.
        candidates = IssuedDocument.objects.filter(
            status=DocumentStatus.VALID, **{f"{column}__icontains": _ascii_prefix(value)}
        ).defer("pdf")
        found += [d for d in candidates if wanted & {str(s) for s in getattr(d, column)} and d not in found]
    return found


def _revoke_all(documents: Iterable[IssuedDocument], *, cause: str) -> None:
    """Revoke each document still verifiable, one transaction and one audit entry each, and tell its holder."""
    now = clock.now()
    for document in documents:
        if now >= document.expires_at:
            continue  # already expired: nobody relies on it any more
        try:
            revoked = _revoke(document_id=document.id, cause=cause, by="system:registries")
        except ValidationError:  # revoked meanwhile by another change
            continue
        _notify(revoked)


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
    documents = documents_about(list(event.payload.get("resident_ids") or ()))
    # A move makes untrue only what prints an address: not a family certificate naming the mover.
    _revoke_all([d for d in documents if change != "moved" or _prints_an_address(d.document_type)], cause=cause)


def on_thing_changed(event: Event) -> None:
    """Subscriber of ``registries.thing_changed``: revoke the documents about the parcel or building that print
    what changed (all of them for a demolished building), and tell each holder.

    The payload names the thing as the register holds it (``kind``, ``pnu``, and for a building
    its ``road_address`` and ``building_name``), the ``change`` and the ``fields`` it changed.
    """
    kind, change = str(event.payload.get("kind", "")), str(event.payload.get("change", ""))
    if (kind, change) not in THING_CAUSES:
        return
    pnu = str(event.payload.get("pnu") or "")
    key = thing_key(kind, pnu=pnu, road_address=str(event.payload.get("road_address") or ""),
                    name=str(event.payload.get("building_name") or ""))
    fields = [str(f) for f in event.payload.get("fields") or ()]
    with translation.override(settings.LANGUAGE_CODE):
        cause = _(THING_CAUSES[(kind, change)])
        on_parcel = _(DEMOLISHED_ON_PARCEL)
    if change == "demolished":
        about = documents_about_things([key])  # a building that is gone: nothing said of it holds
    else:
        about = [d for d in documents_about_things([key]) if not fields or _prints(d.document_type, fields)]
    _revoke_all(about, cause=cause)
    if change == "demolished" and pnu:
        # The parcel's documents that list the buildings standing on it (the land use plan confirmation).
        listing = [d for d in documents_about_things([thing_key("parcel", pnu=pnu)])
                   if _prints(d.document_type, ["building"])]
        _revoke_all(listing, cause=on_parcel)


"""Issued documents: what was issued to whom, under which confirmation number, and its signed PDF.

A document is never changed after issue except its status (valid → revoked), which is
a dated event with its cause; the PDF's bytes and their SHA-256 stay as issued, so an
uploaded copy can be compared byte for byte.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from egov.core.models.base import BaseModel


class DocumentStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")


class IssuedDocument(BaseModel):
    """One signed document issued to a holder for an approved case."""

    number = models.CharField(_("confirmation number"), max_length=16, unique=True)
    document_type = models.CharField(_("document type"), max_length=100, db_index=True)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="issued_documents"
    )
    subject_resident_ids = models.JSONField(_("subjects (resident records)"), default=list, blank=True)
    case_reference = models.CharField(_("case reference"), max_length=40, db_index=True)
    application_id = models.UUIDField(_("application"), null=True, blank=True, db_index=True)
    title = models.JSONField(_("title"), default=dict)
    authority = models.CharField(_("issuing authority"), max_length=200)
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("verifiable until"))
    status = models.CharField(
        _("status"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.VALID
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_cause = models.CharField(_("cause of revocation"), max_length=200, blank=True)
    # Only the facts the template declares public, as label/value pairs in both languages.
    public_facts = models.JSONField(_("public facts"), default=list)
    pdf = models.BinaryField(_("signed PDF"))
    sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, db_index=True)
    signing_key_id = models.CharField(_("signing key"), max_length=16)

    class Meta:
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        indexes = [models.Index(fields=["holder", "-issued_at"])]

    def __str__(self) -> str:
        return f"{self.document_type} {self.number}"

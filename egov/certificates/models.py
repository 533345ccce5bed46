"""Issued documents: what was issued to whom, under which confirmation number, and its signed PDF.

A document is never changed after issue except its status (valid → revoked), which is
a dated event with its cause; the PDF's bytes and their SHA-256 stay as issued, so an
uploaded copy can be compared byte for byte.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from egov.core.crypto import EncryptedTextField
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
    # Every person the document states (the applicant, the person a certificate is about, the
    # people a family certificate names) and every thing it is about ("parcel:<PNU>",
    # "building:<PNU>:<road address>:<name>"), so that a change of any of them revokes it
    # (revocation.py). Neither is ever shown: no registration number is public.
    subject_resident_ids = models.JSONField(_("subjects (resident records)"), default=list, blank=True)
    subject_things = models.JSONField(_("subjects (parcels and buildings)"), default=list, blank=True)
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
        # One document of a kind per application: issuing it again (a retried task, a
        # request and the worker at once) finds the first instead of making a second.
        constraints = [models.UniqueConstraint(fields=["application_id", "document_type"],
                                               name="certificates_one_document_per_application")]

    def __str__(self) -> str:
        return f"{self.document_type} {self.number}"


# --- e-certificates, the wallet and sharing (issue 6, part 2; docs/certificates.md) -------------


class DocumentFacts(BaseModel):
    """Every fact printed on a document (not only the public ones), kept encrypted to issue its e-certificates.

    The PDF is the document; an SD-JWT VC states the same facts so that the holder can
    disclose only some of them. They are captured at issue, never recomputed later from
    a register that may have changed since.
    """

    document = models.OneToOneField(IssuedDocument, on_delete=models.CASCADE, related_name="facts")
    # JSON: [{"name": ..., "label": {"ko": ..., "en": ...}, "value": ..., "public": bool}, ...]
    rows = EncryptedTextField(_("facts"), context="certificates.facts")

    class Meta:
        verbose_name = _("document facts")
        verbose_name_plural = _("document facts")


class HolderKey(BaseModel):
    """The key pair the web wallet holds on a citizen's behalf, to bind their e-certificates (ADR 0082).

    A web wallet has no secure element: the platform keeps the private key, encrypted
    at rest, and signs key-binding JWTs with it when the citizen shares. A holder app
    that keeps its own key sends its public JWK through the API instead.
    """

    holder = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="holder_key")
    private_jwk = EncryptedTextField(_("private key (JWK)"), context="certificates.holder-key")
    public_jwk = models.JSONField(_("public key (JWK)"))
    thumbprint = models.CharField(_("JWK thumbprint"), max_length=64)

    class Meta:
        verbose_name = _("holder key")
        verbose_name_plural = _("holder keys")


class CredentialBinding(models.TextChoices):
    WALLET = "wallet", _("Web wallet (key held by the platform)")
    HOLDER = "holder", _("Holder's own key")


class Credential(BaseModel):
    """One SD-JWT VC issued for a document, bound to one holder key; its id is the VC's ``jti``.

    ``sd_jwt`` is the issuer-signed JWT with every disclosure (it carries personal data,
    hence encrypted); a presentation is that JWT with a chosen subset of them.
    """

    document = models.ForeignKey(IssuedDocument, on_delete=models.CASCADE, related_name="credentials")
    binding = models.CharField(_("key binding"), max_length=10, choices=CredentialBinding.choices)
    holder_jwk = models.JSONField(_("holder public key (JWK)"))
    holder_thumbprint = models.CharField(_("holder key thumbprint"), max_length=64, db_index=True)
    sd_jwt = EncryptedTextField(_("SD-JWT with all disclosures"), context="certificates.credential")
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        verbose_name = _("e-certificate")
        verbose_name_plural = _("e-certificates")
        indexes = [models.Index(fields=["document", "binding", "holder_thumbprint"])]

    def __str__(self) -> str:
        return f"{self.document_id} {self.binding}"


class ShareLink(BaseModel):
    """A link (and QR code) through which the holder shows chosen facts of a document to a bank or an agency.

    Only the SHA-256 of the token finds the link, so a copy of the table opens nothing;
    the token itself is kept encrypted so the holder can show the link again.
    """

    document = models.ForeignKey(IssuedDocument, on_delete=models.CASCADE, related_name="share_links")
    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="share_links")
    token_hash = models.CharField(_("token digest"), max_length=64, unique=True)
    token = EncryptedTextField(_("token"), context="certificates.share-token")
    fields = models.JSONField(_("disclosed fields"), default=list)
    recipient = models.CharField(_("shared with"), max_length=100, blank=True)
    max_opens = models.PositiveSmallIntegerField(_("openings allowed"), default=1)
    opens = models.PositiveSmallIntegerField(_("openings so far"), default=0)
    expires_at = models.DateTimeField(_("expires at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        indexes = [models.Index(fields=["document", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.recipient or '-'}"


class ShareOpening(BaseModel):
    """One attempt to open a share link, shown or refused, which the holder sees on their wallet page."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="openings")
    opened_at = models.DateTimeField(_("opened at"))
    channel = models.CharField(_("through"), max_length=10)  # "page" or "api"
    outcome = models.CharField(_("outcome"), max_length=20)  # "shown" or the refusal: used, expired, withdrawn, revoked

    class Meta:
        verbose_name = _("share link opening")
        verbose_name_plural = _("share link openings")
        ordering = ["-opened_at"]

"""The gate's data: data products, purposes, access rights, consents, and the exchange log.

All of it is data an operator can see and change (rule: the platform's own services
have no standing exemption): what a consumer may read is an :class:`AccessRight` row,
never a code path. Cross-app references are UUIDs (the data subject's resident record)
or organisation codes (a consumer may be a member of another deployment, which has no
row in this deployment's organisation table).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from egov.core.crypto import EncryptedTextField
from egov.core.models.base import BaseModel


class Purpose(models.Model):
    """A purpose code a read must name (``benefit_eligibility``), with its wording for the data subject."""

    code = models.SlugField(primary_key=True, max_length=64, allow_unicode=False)
    name = models.CharField(_("name (Korean)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        verbose_name = _("purpose")
        verbose_name_plural = _("purposes")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class DataProduct(BaseModel):
    """A named, versioned view of a registry: which fields it releases, who owns it, under which act.

    ``reader`` names the person-reading function of ``registries.public`` the gate
    calls (see :mod:`egov.exchange.products`); ``fields`` are the only keys of that
    record the gate releases. A new version is a new row, so consents and rights name
    the code and a request may pin a version; the newest active one answers by default.
    """

    code = models.SlugField(max_length=80)
    version = models.PositiveIntegerField(default=1)
    name = models.CharField(_("name (Korean)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    owner_code = models.CharField(_("owner organisation"), max_length=40)
    registry = models.CharField(max_length=20)
    reader = models.CharField(max_length=60)
    subject_kind = models.CharField(max_length=20, default="person")
    fields = models.JSONField(default=list)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("data product")
        verbose_name_plural = _("data products")
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="exchange_product_code_version")]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class RightSource(models.TextChoices):
    SERVICE = "service", _("Evidence list of a service definition")
    OPERATOR = "operator", _("Granted by an operator")
    PACK = "pack", _("Country pack")


class AccessRight(BaseModel):
    """The owner's grant: consumer ``consumer`` may read ``product`` for ``purpose``.

    ``consumer`` is an organisation code (``sgg-11110``, or a member of another
    deployment), or ``kind:<organisation kind>`` for every organisation of a kind
    (``kind:dong``: every dong office), which is how a service definition's competent
    organisation is expressed. Consent is required unless ``consent_exempt_article``
    names the article of law that dispenses with it; a read then has to cite that very
    article. Rows are never deleted: revoking sets ``revoked_at``.
    """

    consumer = models.CharField(_("consumer"), max_length=60, db_index=True)
    product_code = models.SlugField(_("data product"), max_length=80)
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, verbose_name=_("purpose"))
    consent_exempt_article = models.CharField(_("article dispensing with consent"), max_length=300, blank=True)
    source = models.CharField(max_length=20, choices=RightSource.choices, default=RightSource.OPERATOR)
    source_ref = models.CharField(max_length=200, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("access right")
        verbose_name_plural = _("access rights")
        ordering = ["consumer", "product_code", "purpose_id"]
        constraints = [
            models.UniqueConstraint(fields=["consumer", "product_code", "purpose"], condition=Q(revoked_at__isnull=True),
                                    name="exchange_right_one_active"),
        ]

    def __str__(self) -> str:
        return f"{self.consumer} → {self.product_code} ({self.purpose_id})"


class ConsentChannel(models.TextChoices):
    MY_GOV = "my_gov", _("On My Gov")
    APPLICATION = "application", _("In an application")
    COUNTER = "counter", _("At a counter")
    MEMBER = "member", _("Given to another deployment")


class Consent(BaseModel):
    """A data subject's agreement that ``recipient`` may read ``product_code`` for ``purpose`` until ``expires_at``.

    The gate checks it on every request (subject, product, purpose, recipient, not
    expired, not revoked). Revoking keeps the row, so past reads stay explained.
    """

    subject_resident_id = models.UUIDField(db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    product_code = models.SlugField(_("data product"), max_length=80)
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, verbose_name=_("purpose"))
    recipient = models.CharField(_("recipient"), max_length=60)
    recipient_name = models.CharField(max_length=200, blank=True)
    channel = models.CharField(max_length=20, choices=ConsentChannel.choices, default=ConsentChannel.MY_GOV)
    application_ref = models.CharField(max_length=80, blank=True)
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-granted_at"]

    def __str__(self) -> str:
        return f"consent {self.id}"


class LogDirection(models.TextChoices):
    IN_PROCESS = "in_process", _("Within this deployment")
    OUTGOING = "outgoing", _("Sent to another deployment")
    INCOMING = "incoming", _("Received from another deployment")


class LogStatus(models.TextChoices):
    RELEASED = "released", _("Released")
    REFUSED = "refused", _("Refused")
    ERROR = "error", _("Error")


class ExchangeLog(models.Model):
    """One request through the gate, released or refused: the message log and the evidence store.

    For exchanges between deployments the signed request and response (JWS) are kept
    here, encrypted at rest since they carry the subject's identifiers. Counts and
    latencies per member and data product are computed from these rows.
    ``(direction, client, request_id)`` is unique: a replayed request id is refused.
    """

    id = models.BigAutoField(primary_key=True)
    request_id = models.UUIDField()
    direction = models.CharField(max_length=12, choices=LogDirection.choices)
    client = models.CharField(max_length=60)
    provider = models.CharField(max_length=60, blank=True)
    actor = models.CharField(max_length=120)
    actor_label = models.CharField(max_length=300, blank=True)
    service = models.CharField(max_length=120, blank=True)
    product_code = models.CharField(max_length=80)
    product_version = models.PositiveIntegerField(null=True, blank=True)
    purpose = models.CharField(max_length=64, blank=True)
    consent_id = models.UUIDField(null=True, blank=True)
    legal_basis = models.CharField(max_length=300, blank=True)
    subject_resident_id = models.UUIDField(null=True, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=LogStatus.choices)
    reason = models.CharField(max_length=40, blank=True)
    at = models.DateTimeField(db_index=True)
    duration_us = models.PositiveIntegerField(default=0)
    request_jws = EncryptedTextField(blank=True, default="", context="exchange.request")
    response_jws = EncryptedTextField(blank=True, default="", context="exchange.response")

    class Meta:
        verbose_name = _("exchange log entry")
        verbose_name_plural = _("exchange log")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["direction", "client", "request_id"], name="exchange_log_no_replay"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.status}"

"""The federation's data: the member registries this deployment trusts, their members and certificates.

A trusted registry is the signed member registry ("global configuration") of another
deployment, imported once with its root CA's fingerprint given out of band (the
anchor) and refreshed from its configuration URL since. The signed document itself is
kept (``jws``) so that an evidence file can carry it; the members and certificates are
its parsed content, replaced as a whole on each refresh, for look-ups by member code
and key id.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from egov.core.models.base import BaseModel


class TrustedConfiguration(BaseModel):
    """Another deployment's signed member registry, as last imported or refreshed."""

    anchor = models.CharField(_("root CA fingerprint (SHA-256)"), max_length=64, unique=True)
    url = models.URLField(_("configuration URL"), max_length=500, blank=True)
    jws = models.TextField()
    issued_at = models.DateTimeField(_("issued at"))
    fetched_at = models.DateTimeField(_("last refreshed"))

    class Meta:
        verbose_name = _("trusted member registry")
        verbose_name_plural = _("trusted member registries")
        ordering = ["anchor"]

    def __str__(self) -> str:
        return self.anchor[:16]


class Member(BaseModel):
    """An organisation of another deployment that may send requests here and answer ours."""

    configuration = models.ForeignKey(TrustedConfiguration, on_delete=models.CASCADE, related_name="members")
    code = models.CharField(_("member code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    base_url = models.URLField(_("base URL"), max_length=500)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class MemberCertificate(models.Model):
    """One key version of a member: its X.509 certificate (issued by its deployment's CA), by key id.

    A key version dropped from a later registry of the member's deployment is kept,
    marked revoked, so that a message signed with it is refused as revoked rather
    than as unknown (and evidence made before stays explainable).
    """

    id = models.BigAutoField(primary_key=True)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="certificates")
    key_id = models.CharField(max_length=64, unique=True)
    pem = models.TextField()
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    # Set when a refreshed registry no longer lists this key version: requests signed with it are refused.
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("member certificate")
        verbose_name_plural = _("member certificates")
        ordering = ["member", "not_before"]

    def __str__(self) -> str:
        return self.key_id

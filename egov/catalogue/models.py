"""Service definitions as loaded, one row per version: a case refers to the version it started under."""

from __future__ import annotations

from django.db import models

from egov.core import clock


class ServiceDefinitionVersion(models.Model):
    """One version of one service definition, never altered once stored.

    ``content`` is the normalised definition (defaults filled in) and ``content_hash``
    its SHA-256, so a pack that changes a definition without bumping its version is
    caught at the next load instead of silently rewriting what running cases obey.
    """

    service_id = models.CharField(max_length=80)
    version = models.PositiveIntegerField()
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service_id", "version"], name="catalogue_one_row_per_version")]
        ordering = ["service_id", "-version"]

    def __str__(self) -> str:
        return f"{self.service_id}@{self.version}"

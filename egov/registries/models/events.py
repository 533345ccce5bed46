"""The registries' event log: every change, dated, with its cause; append-only."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from egov.core import clock


class Registry(models.TextChoices):
    RESIDENTS = "residents", _("Resident registration")
    FAMILY = "family", _("Family relations")
    VEHICLES = "vehicles", _("Vehicles")
    LAND = "land", _("Land")
    BUILDINGS = "buildings", _("Buildings")
    BUSINESSES = "businesses", _("Businesses")


class CauseKind(models.TextChoices):
    """Why a record changed: a citizen's application, an official's act, a bulk import or the system."""

    APPLICATION = "application", _("Application")
    OFFICIAL = "official", pgettext_lazy("cause of a change", "Official")
    IMPORT = "import", _("Bulk import")
    SYSTEM = "system", _("System")


class RegistryEvent(models.Model):
    """One change to one registry record.

    ``before`` and ``after`` hold the changed fields only (JSON-ready values), so a
    record as of a date is its current state with the ``before`` of every later event
    applied, newest first. Database triggers refuse UPDATE and DELETE on this table.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    registry = models.CharField(_("registry"), max_length=16, choices=Registry.choices)
    kind = models.CharField(_("kind"), max_length=48)
    entity_type = models.CharField(_("record type"), max_length=16)
    entity_id = models.UUIDField(_("record"))
    effective_on = models.DateField(_("effective date"))
    recorded_at = models.DateTimeField(_("recorded at"), default=clock.now)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    cause_kind = models.CharField(_("cause"), max_length=16, choices=CauseKind.choices)
    cause_ref = models.CharField(_("cause reference"), max_length=120, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("recorded by"),
    )
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("registry event")
        verbose_name_plural = _("registry events")
        indexes = [models.Index(fields=["entity_id", "effective_on"], name="registries_event_entity")]

    def __str__(self) -> str:
        return f"{self.kind} {self.entity_type}:{self.entity_id} on {self.effective_on}"

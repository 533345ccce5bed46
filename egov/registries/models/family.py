"""Family relations (가족관계등록): marriages and adoptions; birth parents are on the resident."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class MarriageEnd(models.TextChoices):
    DIVORCE = "divorce", _("Divorce")
    DEATH = "death", _("Death of a spouse")
    ANNULMENT = "annulment", _("Annulment")


class Marriage(models.Model):
    """A marriage between two residents, from its report to its end (if it ended)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    spouse_a = models.ForeignKey("Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("spouse"))
    spouse_b = models.ForeignKey("Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("spouse"))
    married_on = models.DateField(_("married on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("end"), max_length=12, choices=MarriageEnd.choices, blank=True)
    source_event = models.ForeignKey(
        "RegistryEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("marriage")
        verbose_name_plural = _("marriages")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(spouse_a=models.F("spouse_b")), name="registries_marriage_two_people"
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("married_on")),
                name="registries_marriage_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.spouse_a_id} ⚭ {self.spouse_b_id} ({self.married_on})"


class AdoptionKind(models.TextChoices):
    """Ordinary adoption keeps the birth parents in law; full adoption (친양자) replaces them."""

    ADOPTION = "adoption", _("Adoption")
    FULL = "full", _("Full adoption")


class Adoption(models.Model):
    """One adoptive parent and one adopted child; a couple adopting is two rows."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    parent = models.ForeignKey("Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("adoptive parent"))
    child = models.ForeignKey("Resident", on_delete=models.PROTECT, related_name="+", verbose_name=_("adopted child"))
    kind = models.CharField(_("kind"), max_length=8, choices=AdoptionKind.choices)
    adopted_on = models.DateField(_("adopted on"))
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    source_event = models.ForeignKey(
        "RegistryEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("adoption")
        verbose_name_plural = _("adoptions")
        constraints = [
            models.CheckConstraint(condition=~models.Q(parent=models.F("child")), name="registries_adoption_two_people"),
        ]

    def __str__(self) -> str:
        return f"{self.parent_id} → {self.child_id} ({self.kind}, {self.adopted_on})"

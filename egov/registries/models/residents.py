"""Resident registration (주민등록): residents and the households they live in."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from egov.core.crypto import BlindIndexField, EncryptedCharField

IDENTIFIER_CONTEXT = "registries.resident.identifier"
PHONE_CONTEXT = "registries.resident.phone"
EMAIL_CONTEXT = "registries.resident.email"
# One blind-index kind for resident and foreign registration numbers: they share the
# 13-digit shape and differ by the seventh digit, so one lookup finds either.
IDENTIFIER_INDEX_KIND = "person-number"


class IdentifierType(models.TextChoices):
    RRN = "rrn", _("Resident registration number")
    FRN = "frn", _("Foreign registration number")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class ResidentStatus(models.TextChoices):
    LIVING = "living", _("Living")
    DECEASED = "deceased", _("Deceased")
    EMIGRATED = "emigrated", _("Emigrated")
    MISSING = "missing", _("Missing")


class HouseholdRelation(models.TextChoices):
    """A member's relation to the head of household, as the resident register states it."""

    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    CHILD_IN_LAW = "child_in_law", _("Child-in-law")
    PARENT = "parent", _("Parent")
    PARENT_IN_LAW = "parent_in_law", _("Parent-in-law")
    GRANDCHILD = "grandchild", _("Grandchild")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other")


class Household(models.Model):
    """A household (세대): its address is where its members are registered as living.

    The road-name address carries both the legal-dong code (the land's) and the
    administrative-dong code (the office that serves it); a dong office's
    jurisdiction is a set of administrative-dong codes.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    head = models.ForeignKey(
        "Resident", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("head")
    )
    sido = models.CharField(_("province or metropolitan city"), max_length=40)
    sigungu = models.CharField(_("si/gun/gu"), max_length=40, blank=True)
    road = models.CharField(_("road name"), max_length=80)
    building_number = models.CharField(_("building number"), max_length=16)
    detail = models.CharField(pgettext_lazy("address", "detail"), max_length=80, blank=True)
    postcode = models.CharField(_("postcode"), max_length=5, blank=True)
    legal_dong_code = models.CharField(_("legal-dong code"), max_length=10)
    admin_dong_code = models.CharField(_("administrative-dong code"), max_length=10, db_index=True)
    established_on = models.DateField(_("established on"))
    source_event = models.ForeignKey(
        "RegistryEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.address_line

    @property
    def address_line(self) -> str:
        parts = [self.sido, self.sigungu, self.road, self.building_number]
        line = " ".join(p for p in parts if p)
        return f"{line}, {self.detail}" if self.detail else line


class Resident(models.Model):
    """A person on the resident register: a Korean national (RRN) or a registered foreigner (FRN).

    The identifier is encrypted (AES-GCM) with a blind index for exact lookup and is
    never shown unmasked except to its subject or where the law requires it. Birth
    parents are columns rather than rows of a link table, since nearly everyone has
    two and the national register would otherwise need 100 million extra rows;
    adoptions, which are rare, have their own table.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    identifier_type = models.CharField(_("identifier type"), max_length=3, choices=IdentifierType.choices)
    identifier = EncryptedCharField(_("registration number"), max_length=13, context=IDENTIFIER_CONTEXT)
    identifier_index = BlindIndexField(unique=True, db_index=False)
    identifier_issued_on = models.DateField(_("number issued on"))
    name_ko = models.CharField(_("name (Hangul)"), max_length=60)
    name_en = models.CharField(_("name (romanised)"), max_length=120, blank=True)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    nationality = models.CharField(_("nationality"), max_length=3, default="KOR")
    status = models.CharField(_("status"), max_length=10, choices=ResidentStatus.choices, default=ResidentStatus.LIVING)
    died_on = models.DateField(_("date of death"), null=True, blank=True)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("household")
    )
    household_relation = models.CharField(
        _("relation to the head"), max_length=16, choices=HouseholdRelation.choices, blank=True
    )
    moved_in_on = models.DateField(_("moved in on"), null=True, blank=True)
    registration_base = models.CharField(_("registration base"), max_length=120, blank=True)
    father = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("father")
    )
    mother = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("mother")
    )
    phone = EncryptedCharField(_("phone"), max_length=20, blank=True, context=PHONE_CONTEXT)
    email = EncryptedCharField(_("e-mail"), max_length=254, blank=True, context=EMAIL_CONTEXT)
    registered_on = models.DateField(_("registered on"))
    source_event = models.ForeignKey(
        "RegistryEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(died_on__isnull=True) | models.Q(died_on__gte=models.F("birth_date")),
                name="registries_resident_death_after_birth",
            ),
        ]

    def __str__(self) -> str:
        return self.name_ko

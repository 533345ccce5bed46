"""Vehicle registration (자동차등록원부): vehicles, their owners and encumbrances."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Fuel(models.TextChoices):
    GASOLINE = "gasoline", _("Gasoline")
    DIESEL = "diesel", _("Diesel")
    LPG = "lpg", _("LPG")
    HYBRID = "hybrid", _("Hybrid")
    ELECTRIC = "electric", _("Electric")
    HYDROGEN = "hydrogen", _("Hydrogen")


class VehicleStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    DEREGISTERED = "deregistered", _("Deregistered")


class Vehicle(models.Model):
    """A registered vehicle; its owner is a resident or a business, never both.

    The current owner is a column; earlier owners are in the transfer events of the
    event log, which also give the owner as of any date.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plate_number = models.CharField(_("plate number"), max_length=16, db_index=True)
    vin = models.CharField(_("VIN"), max_length=17, unique=True)
    make = models.CharField(_("make"), max_length=40)
    model = models.CharField(_("model"), max_length=60)
    model_year = models.PositiveSmallIntegerField(_("model year"))
    fuel = models.CharField(_("fuel"), max_length=10, choices=Fuel.choices)
    owner_resident = models.ForeignKey(
        "Resident", on_delete=models.PROTECT, null=True, blank=True, related_name="vehicles", verbose_name=_("owner")
    )
    owner_business = models.ForeignKey(
        "Business", on_delete=models.PROTECT, null=True, blank=True, related_name="vehicles", verbose_name=_("owner")
    )
    # The principal place of use (사용본거지): the owner's address, which a move-in
    # report updates together with the owner's.
    use_address = models.CharField(_("principal place of use"), max_length=200, blank=True)
    use_legal_dong_code = models.CharField(_("legal-dong code of the place of use"), max_length=10, blank=True)
    registered_on = models.DateField(_("registered on"))
    inspection_due_on = models.DateField(_("inspection due on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=VehicleStatus.choices, default=VehicleStatus.REGISTERED)
    deregistered_on = models.DateField(_("deregistered on"), null=True, blank=True)
    source_event = models.ForeignKey(
        "RegistryEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        constraints = [
            # A plate is unique among registered vehicles; a deregistered vehicle's
            # plate may be issued again.
            models.UniqueConstraint(
                fields=["plate_number"], condition=models.Q(status="registered"),
                name="registries_vehicle_plate_in_use_once",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(owner_resident__isnull=False, owner_business__isnull=True)
                    | models.Q(owner_resident__isnull=True, owner_business__isnull=False)
                ),
                name="registries_vehicle_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.plate_number


class EncumbranceKind(models.TextChoices):
    LIEN = "lien", _("Lien (mortgage)")
    SEIZURE = "seizure", _("Seizure")


class Encumbrance(models.Model):
    """A lien (저당권) or a seizure (압류) on a vehicle, until it is released."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="encumbrances", verbose_name=_("vehicle"))
    kind = models.CharField(_("kind"), max_length=8, choices=EncumbranceKind.choices)
    holder = models.CharField(_("holder"), max_length=120)
    amount = models.BigIntegerField(_("amount (KRW)"), null=True, blank=True)
    registered_on = models.DateField(_("registered on"))
    released_on = models.DateField(_("released on"), null=True, blank=True)
    source_event = models.ForeignKey(
        "RegistryEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("encumbrance")
        verbose_name_plural = _("encumbrances")

    def __str__(self) -> str:
        return f"{self.kind} on {self.vehicle_id}"

"""Land (토지대장) and buildings (건축물대장): parcels by PNU, owners with shares, prices, buildings."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class LandCategory(models.TextChoices):
    """The 28 land categories (지목) of the Act on the Establishment, Management, etc. of Spatial Data."""

    FIELD = "전", _("Dry field")
    PADDY = "답", _("Paddy field")
    ORCHARD = "과", _("Orchard")
    PASTURE = "목", _("Pasture")
    FOREST = "임", _("Forest")
    MINERAL_SPRING = "광", _("Mineral spring")
    SALT_FARM = "염", _("Salt farm")
    BUILDING_SITE = "대", _("Building site")
    FACTORY_SITE = "장", _("Factory site")
    SCHOOL_SITE = "학", _("School site")
    PARKING = "차", _("Parking lot")
    FILLING_STATION = "주", _("Filling station site")
    WAREHOUSE_SITE = "창", _("Warehouse site")
    ROAD = "도", _("Road")
    RAILWAY = "철", _("Railway site")
    EMBANKMENT = "제", _("Embankment")
    RIVER = "천", _("River")
    DITCH = "구", _("Ditch")
    RESERVOIR = "유", _("Reservoir")
    FISH_FARM = "양", _("Fish farm")
    WATERWORKS = "수", _("Waterworks site")
    PARK = "공", _("Park")
    SPORTS = "체", _("Sports site")
    AMUSEMENT = "원", _("Amusement park")
    RELIGIOUS = "종", _("Religious site")
    HISTORIC = "사", _("Historic site")
    CEMETERY = "묘", _("Cemetery")
    MISCELLANEOUS = "잡", _("Miscellaneous")


class Parcel(models.Model):
    """A land parcel, identified by its 19-digit PNU: legal-dong code (10), mountain flag (1), main and sub number (4 + 4)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    pnu = models.CharField(_("parcel number (PNU)"), max_length=19, unique=True)
    legal_dong_code = models.CharField(_("legal-dong code"), max_length=10)
    category = models.CharField(_("land category"), max_length=1, choices=LandCategory.choices)
    area_m2 = models.DecimalField(_("area (m²)"), max_digits=14, decimal_places=2)
    registered_on = models.DateField(_("registered on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    source_event = models.ForeignKey(
        "RegistryEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")

    def __str__(self) -> str:
        return self.pnu


class OwnershipBase(models.Model):
    """A share of a property held by a resident, a business or a named body (the state, a city)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner_resident = models.ForeignKey(
        "registries.Resident", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("owner")
    )
    owner_business = models.ForeignKey(
        "registries.Business", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("owner")
    )
    owner_name = models.CharField(_("owner name"), max_length=120, blank=True)
    share_numerator = models.PositiveIntegerField(_("share numerator"), default=1)
    share_denominator = models.PositiveIntegerField(_("share denominator"), default=1)
    acquired_on = models.DateField(_("acquired on"))
    # A transfer ends the rows of the previous owners rather than deleting them, so
    # the register keeps who held each share and until when.
    ended_on = models.DateField(_("held until"), null=True, blank=True)
    source_event = models.ForeignKey(
        "registries.RegistryEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True


class ParcelOwnership(OwnershipBase):
    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="owners", verbose_name=_("parcel"))

    class Meta:
        verbose_name = _("parcel ownership")
        verbose_name_plural = _("parcel ownerships")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(share_numerator__gte=1, share_numerator__lte=models.F("share_denominator")),
                name="registries_parcel_share_is_a_fraction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.share_numerator}/{self.share_denominator} of {self.parcel_id}"


class LandPrice(models.Model):
    """The official individual land price (개별공시지가) of a parcel for one year, in won per m²."""

    id = models.BigAutoField(primary_key=True)
    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="prices", verbose_name=_("parcel"))
    year = models.PositiveSmallIntegerField(_("year"))
    price_per_m2 = models.BigIntegerField(_("price per m² (KRW)"))

    class Meta:
        verbose_name = _("official land price")
        verbose_name_plural = _("official land prices")
        constraints = [models.UniqueConstraint(fields=["parcel", "year"], name="registries_land_price_once_a_year")]

    def __str__(self) -> str:
        return f"{self.parcel_id} {self.year}: {self.price_per_m2}"


class BuildingUse(models.TextChoices):
    """Main uses of the Building Act's use classification, the common ones."""

    DETACHED_HOUSE = "detached_house", _("Detached house")
    APARTMENT = "apartment", _("Apartment")
    MULTI_FAMILY = "multi_family", _("Multi-family house")
    NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood living facility")
    OFFICE = "office", _("Office")
    FACTORY = "factory", _("Factory")
    WAREHOUSE = "warehouse", _("Warehouse")
    EDUCATION = "education", _("Education and research")
    OTHER = "other", _("Other")


class Building(models.Model):
    """A building on the building register, standing on its main parcel."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("parcel"))
    name = models.CharField(_("name"), max_length=80, blank=True)
    road_address = models.CharField(_("road-name address"), max_length=160, blank=True)
    main_use = models.CharField(_("main use"), max_length=16, choices=BuildingUse.choices)
    floors_above = models.PositiveSmallIntegerField(_("floors above ground"))
    floors_below = models.PositiveSmallIntegerField(_("floors below ground"), default=0)
    floor_area_m2 = models.DecimalField(_("total floor area (m²)"), max_digits=14, decimal_places=2)
    approved_on = models.DateField(_("use approved on"))
    demolished_on = models.DateField(_("demolished on"), null=True, blank=True)
    source_event = models.ForeignKey(
        "RegistryEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")

    def __str__(self) -> str:
        return self.road_address or str(self.id)


class BuildingOwnership(OwnershipBase):
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="owners", verbose_name=_("building"))

    class Meta:
        verbose_name = _("building ownership")
        verbose_name_plural = _("building ownerships")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(share_numerator__gte=1, share_numerator__lte=models.F("share_denominator")),
                name="registries_building_share_is_a_fraction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.share_numerator}/{self.share_denominator} of {self.building_id}"

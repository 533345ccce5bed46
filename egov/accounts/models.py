"""People, users, officials, organisations and the places organisations govern.

Central government and local governments are two trees of ``Organisation`` (rule 11
of ARCHITECTURE.md). Places come from the country pack: ``LegalDong`` holds the legal
division (법정동/리 codes, the ones land and addresses use) at every level, and
``AdminDong`` the administrative dongs (행정동) whose offices serve residents; a local
office's jurisdiction is a set of administrative dongs.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from egov.accounts.permissions import Role, permissions_for
from egov.core import clock
from egov.core.models import BaseModel


class LegalDong(models.Model):
    """A legal division at any level: province (2-digit prefix), si/gun/gu (5), eup/myeon/dong (8), ri (10).

    ``code`` is always the 10-digit legal-dong code (a province is ``11`` followed by
    zeros), as addresses carry it. Codes no longer in force keep their row with
    ``valid_to`` set, so old records still resolve.
    """

    class Level(models.TextChoices):
        SIDO = "sido", _("Province or metropolitan city")
        SIGUNGU = "sigungu", _("Si, gun or gu")
        EUPMYEONDONG = "emd", _("Eup, myeon or dong")
        RI = "ri", _("Ri")

    code = models.CharField(_("legal-dong code"), max_length=10, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    full_name = models.CharField(_("full name"), max_length=200)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    sido_code = models.CharField(max_length=2, db_index=True)
    sigungu_code = models.CharField(max_length=5, blank=True, db_index=True)
    emd_code = models.CharField(max_length=8, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(_("in force until"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("legal dong")
        verbose_name_plural = _("legal dongs")

    def __str__(self) -> str:
        return self.full_name

    @property
    def in_force(self) -> bool:
        return self.valid_to is None or self.valid_to >= clock.today()


class AdminDong(models.Model):
    """An administrative dong (행정동) or eup/myeon: the area one local office serves."""

    code = models.CharField(_("administrative-dong code"), max_length=10, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    sigungu_code = models.CharField(_("si/gun/gu code"), max_length=5, db_index=True)
    legal_dongs = models.ManyToManyField(LegalDong, related_name="admin_dongs", blank=True)
    population = models.PositiveIntegerField(null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(null=True, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative dong")
        verbose_name_plural = _("administrative dongs")

    def __str__(self) -> str:
        return self.name


class Organisation(BaseModel):
    """A government body: a node of the central or the local tree, or a public institution."""

    class Tree(models.TextChoices):
        CENTRAL = "central", _("Central government")
        LOCAL = "local", _("Local government")
        PUBLIC = "public", _("Public institution")

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("Presidential committee")
        MINISTRY = "ministry", _("Ministry")
        AGENCY = "agency", _("Agency")
        FIELD_OFFICE = "field_office", _("Field office")
        COURT = "court", _("Court")
        PUBLIC_INSTITUTION = "public_institution", _("Public institution")
        SIDO = "sido", _("Province or metropolitan city")
        SI = "si", _("City (si)")
        GUN = "gun", _("County (gun)")
        AUTONOMOUS_GU = "autonomous_gu", _("Autonomous district (gu)")
        GU = "gu", _("District of a city (non-autonomous gu)")
        ADMINISTRATIVE_CITY = "administrative_city", _("Administrative city")
        EUP = "eup", _("Eup office")
        MYEON = "myeon", _("Myeon office")
        DONG = "dong", _("Dong office")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    tree = models.CharField(_("tree"), max_length=10, choices=Tree.choices)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    # The legal code of the area a local government governs (2 or 5 digits), or the
    # administrative-dong code of an eup/myeon/dong office; empty for central bodies.
    region_code = models.CharField(_("region code"), max_length=10, blank=True, db_index=True)
    jurisdiction = models.ManyToManyField(AdminDong, related_name="offices", blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(null=True, blank=True)
    sort_key = models.CharField(max_length=40, blank=True)
    valid_from = models.DateField(_("established"), null=True, blank=True)
    valid_to = models.DateField(_("abolished"), null=True, blank=True)

    class Meta:
        ordering = ["sort_key", "code"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def in_force(self) -> bool:
        return self.valid_to is None or self.valid_to >= clock.today()


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a citizen, someone acting for a business, or an official.

    Officials and operators have an ``Official`` profile; their roles say what they may
    do and their organisation where. A citizen's account is linked to a resident
    record (``resident_id``) only once identity proofing has matched them.
    """

    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        BUSINESS = "business", _("Business")
        OFFICIAL = "official", _("Official")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    username = models.CharField(_("user ID"), max_length=150, unique=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    display_name = models.CharField(_("name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CITIZEN)
    resident_id = models.UUIDField(_("resident record"), null=True, blank=True, unique=True)
    business_id = models.UUIDField(_("business record"), null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=clock.now)
    # Bumped on password change and "sign out everywhere": sessions that remember an
    # older value are ended by the session middleware.
    session_epoch = models.PositiveIntegerField(default=0)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_official(self) -> bool:
        return self.kind == self.Kind.OFFICIAL

    @property
    def roles(self) -> frozenset[str]:
        """The roles of this official (cached on the instance: one query per request)."""
        cached: frozenset[str] | None = getattr(self, "_egov_roles", None)
        if cached is None:
            if not self.is_official or not self.is_active:
                cached = frozenset()
            else:
                cached = frozenset(RoleAssignment.objects.filter(official__user=self).values_list("role", flat=True))
            self._egov_roles = cached
        return cached

    @property
    def is_operator(self) -> bool:
        return self.is_official and Role.OPERATOR in self.roles

    def has_egov_perm(self, name: str) -> bool:
        """Whether one of this official's roles grants ``name`` (operators hold every permission)."""
        return name in permissions_for(self.roles)

    def forget_roles(self) -> None:
        self.__dict__.pop("_egov_roles", None)


class Official(BaseModel):
    """An official's place: the organisation they work for (their jurisdiction is its)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="official")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="officials")
    title = models.CharField(_("job title"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("official")
        verbose_name_plural = _("officials")

    def __str__(self) -> str:
        return f"{self.user} ({self.organisation})"


class RoleAssignment(BaseModel):
    official = models.ForeignKey(Official, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["official", "role"], name="accounts_one_role_once")]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")

    def __str__(self) -> str:
        return f"{self.official}: {self.role}"


class TokenBase(BaseModel):
    """A bearer credential of which only a SHA-256 digest is stored.

    Tokens are 32 random bytes, so a fast hash is enough: there is nothing to guess
    that a slow hash would protect. ``prefix`` (the first characters) lets a person
    recognise a token in a list without the secret being kept.
    """

    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        abstract = True

    def is_usable(self, now: Any = None) -> bool:
        moment = now or clock.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > moment)


class PersonalAccessToken(TokenBase):
    """A person's token for the API (``pat_…``), created and revoked on their account page."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="personal_tokens")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("personal access token")
        verbose_name_plural = _("personal access tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AgencySystem(BaseModel):
    """An information system of an organisation that calls the API on its own (not for a person)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="systems")
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("agency system")
        verbose_name_plural = _("agency systems")

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class AgencyCredential(TokenBase):
    """API credentials (``agy_…``) of an agency system; several may overlap during rotation."""

    system = models.ForeignKey(AgencySystem, on_delete=models.CASCADE, related_name="credentials")

    class Meta:
        verbose_name = _("agency credential")
        verbose_name_plural = _("agency credentials")

    def __str__(self) -> str:
        return f"{self.system}: {self.prefix}…"



class PackState(models.Model):
    """What the last load of a country pack read, so an unchanged pack is not compared row by row again."""

    country = models.CharField(max_length=20, primary_key=True)
    fingerprint = models.CharField(max_length=64)
    loaded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("country pack state")
        verbose_name_plural = _("country pack states")

    def __str__(self) -> str:
        return f"{self.country} {self.fingerprint[:12]}"

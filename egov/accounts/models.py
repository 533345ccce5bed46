"""People, users, officials and organisations. (Skeleton; completed by the accounts work.)"""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from egov.core import clock


class User(AbstractBaseUser, PermissionsMixin):
    """A person or system that signs in. Officials and operators have an ``Official`` profile."""

    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        BUSINESS = "business", _("Business")
        OFFICIAL = "official", _("Official")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    username = models.CharField(_("user ID"), max_length=150, unique=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    display_name = models.CharField(_("name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CITIZEN)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=clock.now)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_official(self) -> bool:
        return self.kind == self.Kind.OFFICIAL

    @property
    def is_operator(self) -> bool:
        return self.is_official and self.is_superuser

    def has_egov_perm(self, name: str) -> bool:
        return self.is_operator

"""Password rules beyond Django's own validators (ASVS 5.0 V6.2)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MaximumLengthValidator:
    """Allow long passphrases (64 and more) but refuse absurd lengths that only burn Argon2 time."""

    def __init__(self, max_length: int = 256) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                _("This password is too long: use at most %(max)d characters.") % {"max": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return _("Your password may be up to %(max)d characters long; a passphrase is welcome.") % {"max": self.max_length}

"""Forms of the sign-in, sign-up and account pages: parsing and per-field messages only.

The rules themselves (password policy, token lifetimes) live in the services; a form
only turns a POST into typed values, and a service's ``ValidationError`` back into
messages on the fields they concern.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from egov.accounts.services import TOKEN_LIFETIMES_DAYS
from egov.core.errors import ApplicationError

USERNAME_RULE = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]{3,29}$",
    _("Use 4 to 30 letters, digits, dots, hyphens or underscores, starting with a letter or digit."),
)


class EgovForm(forms.Form):
    """Attach a service's field errors to the form, so the page shows them where they belong."""

    def add_service_error(self, error: ApplicationError) -> None:
        if getattr(self, "_errors", None) is None:
            self.full_clean()
        if not hasattr(self, "cleaned_data"):
            self.cleaned_data = {}  # an unbound form (a button without fields) can still carry the error
        if not error.field_errors:
            self.add_error(None, error.message)
        for name, messages in error.field_errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class SignInForm(EgovForm):
    username = forms.CharField(label=_("User ID"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}))
    password = forms.CharField(label=_("Password"), max_length=256, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class SecondFactorForm(EgovForm):
    code = forms.CharField(
        label=_("Code from your authenticator app"), max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class SignUpForm(EgovForm):
    username = forms.CharField(label=_("User ID"), max_length=30, validators=[USERNAME_RULE],
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}))
    display_name = forms.CharField(label=_("Name"), max_length=200,
                                   widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("E-mail address"), required=False,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(label=_("Password"), max_length=256, strip=False,
                               help_text=_("At least 8 characters; a long passphrase is best. Common passwords are refused."),
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_again = forms.CharField(label=_("Password again"), max_length=256, strip=False,
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("The two passwords differ: type the same password twice."))
        return data


class PasswordChangeForm(EgovForm):
    current_password = forms.CharField(label=_("Current password"), max_length=256, strip=False,
                                       widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password = forms.CharField(label=_("New password"), max_length=256, strip=False,
                                   help_text=_("At least 8 characters; a long passphrase is best. Common passwords are refused."),
                                   widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password_again = forms.CharField(label=_("New password again"), max_length=256, strip=False,
                                         widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_current_password(self) -> str:
        value = str(self.cleaned_data["current_password"])
        if not self.user.check_password(value):
            raise forms.ValidationError(_("This is not your current password."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new, again = data.get("new_password"), data.get("new_password_again")
        if new and again and new != again:
            self.add_error("new_password_again", _("The two passwords differ: type the same password twice."))
        elif new:
            try:
                password_validation.validate_password(new, self.user)
            except forms.ValidationError as exc:
                self.add_error("new_password", exc)
        return data


class TotpConfirmForm(EgovForm):
    code = forms.CharField(
        label=_("Code shown by the app"), max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class TokenCreateForm(EgovForm):
    name = forms.CharField(label=_("Token name"), max_length=100,
                           help_text=_("Say what the token is for, e.g. \"my tax software\"."))
    lifetime_days = forms.TypedChoiceField(label=_("Valid for"), coerce=int, initial=30)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built per request so that the labels are in the reader's language.
        field = self.fields["lifetime_days"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            (days, ngettext("%(days)d day", "%(days)d days", days) % {"days": days}) for days in TOKEN_LIFETIMES_DAYS
        ]

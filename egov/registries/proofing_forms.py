"""Forms of identity proofing: the clerk's lookup and issue, the citizen's number and code.

They check only the shape of what was typed (a 13-digit number with a real birth
date, an 8-digit code); whether it proves anything is the services' question.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from egov.core.crypto import normalise_identifier
from egov.registries.forms import RegistryForm
from egov.registries.identifiers import IdentifierError, parse_person_number
from egov.registries.proofing import CODE_DIGITS


class ProofingForm(RegistryForm):
    """The proofing pages' forms show a service's errors under their fields, as the registry forms do."""


class PersonNumberField(forms.CharField):
    """A resident or foreign registration number, dash and spaces optional; cleaned to its 13 digits."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        attrs = {"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        try:
            return parse_person_number(text).digits
        except IdentifierError as error:
            raise forms.ValidationError(str(error)) from None


class CounterLookupForm(ProofingForm):
    number = PersonNumberField(
        label=_("Resident registration number"),
        help_text=_("As printed on the visitor's ID card, 13 digits; the dash is optional."),
    )


class CounterIssueForm(ProofingForm):
    resident = forms.UUIDField(widget=forms.HiddenInput)


class ProofForm(ProofingForm):
    number = PersonNumberField(
        label=_("Your resident registration number"),
        help_text=_("13 digits, for example 900101-1234567; the dash is optional."),
    )
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 8-digit code from the counter or from the message we sent you."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}),
    )

    def clean_code(self) -> str:
        code = normalise_identifier(self.cleaned_data["code"])
        if len(code) != CODE_DIGITS or not code.isdigit():
            raise forms.ValidationError(_("The code has 8 digits."))
        return code


class CodeRequestForm(ProofingForm):
    number = PersonNumberField(
        label=_("Your resident registration number"),
        help_text=_("13 digits, for example 900101-1234567; the dash is optional."),
    )

"""Back-office forms of the registries: searches that carry their purpose, and the correction form.

Forms only parse and check the shape of what was typed (with the registries' own
identifier checks, so the messages are the registries' words); the reading and the
writing happen in ``public`` and the services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from egov.core.errors import ApplicationError
from egov.registries.identifiers import (
    IdentifierError,
    check_business_number,
    check_plate_number,
    check_pnu,
    parse_person_number,
)
from egov.registries.public import PURPOSES

# The purposes an official may give in the back office (reading one's own records is the citizen's).
OFFICIAL_PURPOSES = [code for code in PURPOSES if code != "own_records"]


def purpose_choices() -> list[tuple[str, str]]:
    return [("", _("Choose the purpose")), *((code, _(PURPOSES[code])) for code in OFFICIAL_PURPOSES)]


class RegistryForm(forms.Form):
    """Attach a service's field errors to the form, so the page shows them where they belong."""

    def add_service_error(self, error: ApplicationError) -> None:
        if getattr(self, "_errors", None) is None:
            self.full_clean()
        if not hasattr(self, "cleaned_data"):
            self.cleaned_data = {}
        if not error.field_errors:
            self.add_error(None, error.message)
        for name, messages in error.field_errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class PurposeField(forms.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("Purpose of this look-up"))
        kwargs.setdefault("help_text", gettext_lazy(
            "Every look-up is logged with your name and this purpose, and the person concerned can see it."))
        kwargs.setdefault("error_messages", {
            "required": gettext_lazy("Choose why you are looking this up."),
            "invalid_choice": gettext_lazy("Choose one of the purposes listed."),
        })
        super().__init__(choices=purpose_choices, **kwargs)


class PurposeForm(RegistryForm):
    """The purpose asked before a record is opened."""

    purpose = PurposeField()


class ResidentSearchForm(RegistryForm):
    BY_NUMBER = "number"
    BY_NAME = "name"
    BY_ROAD = "road"

    by = forms.ChoiceField(
        label=gettext_lazy("Search by"),
        choices=[
            (BY_NUMBER, gettext_lazy("Registration number")),
            (BY_NAME, gettext_lazy("Name (beginning)")),
            (BY_ROAD, gettext_lazy("Road name of the address")),
        ],
        initial=BY_NUMBER,
    )
    q = forms.CharField(
        label=gettext_lazy("Search for"), max_length=60,
        help_text=gettext_lazy("A registration number such as 900101-1234567, the beginning of a name, or a road name."),
        error_messages={"required": gettext_lazy("Type what to search for.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    purpose = PurposeField()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        by, text = data.get("by"), (data.get("q") or "").strip()
        if by == self.BY_NUMBER and text:
            try:
                data["q"] = parse_person_number(text).digits
            except IdentifierError as error:
                self.add_error("q", str(error))
        elif by == self.BY_NAME and text and len(text) < 2:
            self.add_error("q", _("Type at least two characters of the name."))
        elif by == self.BY_ROAD and text and len(text) < 2:
            self.add_error("q", _("Type at least two characters of the road name."))
        return data


class VehicleSearchForm(RegistryForm):
    plate = forms.CharField(
        label=gettext_lazy("Plate number"), max_length=16, help_text=gettext_lazy("For example 12가3456 or 123가4567."),
        error_messages={"required": gettext_lazy("Type the plate number.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    purpose = PurposeField()

    def clean_plate(self) -> str:
        try:
            return check_plate_number(self.cleaned_data["plate"])
        except IdentifierError as error:
            raise forms.ValidationError(str(error)) from None


class ParcelSearchForm(RegistryForm):
    pnu = forms.CharField(
        label=gettext_lazy("Parcel number (PNU)"), max_length=24,
        help_text=gettext_lazy("19 digits: legal-dong code, 1 for land or 2 for mountain, main and sub number."),
        error_messages={"required": gettext_lazy("Type the parcel number.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
    )
    purpose = PurposeField()

    def clean_pnu(self) -> str:
        try:
            return check_pnu(self.cleaned_data["pnu"])
        except IdentifierError as error:
            raise forms.ValidationError(str(error)) from None


class BusinessSearchForm(RegistryForm):
    number = forms.CharField(
        label=gettext_lazy("Business registration number"), max_length=14,
        help_text=gettext_lazy("10 digits, for example 123-45-67890."),
        error_messages={"required": gettext_lazy("Type the business registration number.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
    )
    purpose = PurposeField()

    def clean_number(self) -> str:
        try:
            return check_business_number(self.cleaned_data["number"])
        except IdentifierError as error:
            raise forms.ValidationError(str(error)) from None


class ResidentCorrectionForm(RegistryForm):
    """The fields of a resident record an official may correct, and the reason, which is required.

    A new name, number or address is not a correction: each has its own report.
    """

    CORRECTABLE = ("name_en", "registration_base", "nationality")

    name_en = forms.CharField(label=gettext_lazy("Name (romanised)"), max_length=120, required=False)
    registration_base = forms.CharField(label=gettext_lazy("Registration base"), max_length=120, required=False)
    nationality = forms.CharField(
        label=gettext_lazy("Nationality"), max_length=3, help_text=gettext_lazy("Three letters, such as KOR or USA."),
        error_messages={"required": gettext_lazy("Give the nationality.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the correction"), max_length=500,
        help_text=gettext_lazy("Say what was wrong and on what evidence; the reason is kept with the change."),
        error_messages={"required": gettext_lazy("Give the reason for the correction: it is kept with the change.")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_nationality(self) -> str:
        return str(self.cleaned_data["nationality"]).upper()

    def changes(self, current: dict[str, str]) -> dict[str, str]:
        """The corrected fields only: those whose value differs from the record's."""
        return {
            name: self.cleaned_data[name]
            for name in self.CORRECTABLE
            if (self.cleaned_data.get(name) or "") != (current.get(name) or "")
        }

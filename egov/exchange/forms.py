"""Forms of the information-sharing pages: a citizen's consent, an operator's access right.

They check only the shape of what was chosen or typed; whether the product, purpose
and organisation exist, and how long a consent may last, is the services' question,
and their field errors are shown under the fields here (:meth:`ExchangeForm.add_service_error`).
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from egov.core.errors import ApplicationError
from egov.exchange import selectors
from egov.exchange.services import recipient_name

# The validity a consent form offers first; a person may choose any number of days up to the maximum.
DEFAULT_CONSENT_DAYS = 30


def _korean() -> bool:
    return (get_language() or "ko").startswith("ko")


def product_choices() -> list[tuple[str, str]]:
    names: dict[str, str] = {}
    for product in selectors.products_list().order_by("code", "-version"):
        names.setdefault(product.code, product.name if _korean() else product.name_en)
    return [("", _("Choose the data")), *sorted(((code, name) for code, name in names.items()), key=lambda c: c[1])]


def purpose_choices() -> list[tuple[str, str]]:
    return [("", _("Choose the purpose")),
            *((p.code, p.name if _korean() else p.name_en) for p in selectors.purposes_list())]


def recipient_choices(extra: str = "") -> list[tuple[str, str]]:
    """Organisations named in active access rights, and ``extra`` (a code an organisation sent the person)."""
    codes = {r.consumer for r in selectors.rights_list() if not r.consumer.startswith(("kind:", "standin:"))}
    if extra and not extra.startswith("kind:"):
        codes.add(extra)
    named = [(code, recipient_name(code)) for code in codes]
    return [("", _("Choose the organisation")), *sorted(((c, n) for c, n in named if n), key=lambda c: c[1])]


class ExchangeForm(forms.Form):
    """Attach a service's field errors to the form, so the page shows them where they belong."""

    def add_service_error(self, error: ApplicationError) -> None:
        if getattr(self, "_errors", None) is None:
            self.full_clean()
        if not hasattr(self, "cleaned_data"):
            self.cleaned_data = {}
        if not error.field_errors:
            self.add_error(None, error.message)
            return
        for name, messages in error.field_errors.items():
            field = self.field_for_error(name)
            for message in messages:
                self.add_error(field if field in self.fields else None, message)

    def field_for_error(self, name: str) -> str:
        """The form's field that shows a service's error about ``name`` (the same name, unless a form says otherwise)."""
        return name


class ConsentGrantForm(ExchangeForm):
    product = forms.ChoiceField(
        label=gettext_lazy("Data"), choices=product_choices,
        error_messages={"required": gettext_lazy("Choose which data the organisation may check."),
                        "invalid_choice": gettext_lazy("Choose one of the data products listed.")},
    )
    purpose = forms.ChoiceField(
        label=gettext_lazy("Purpose"), choices=purpose_choices,
        error_messages={"required": gettext_lazy("Choose the purpose the data may be used for."),
                        "invalid_choice": gettext_lazy("Choose one of the purposes listed.")},
    )
    recipient = forms.ChoiceField(
        label=gettext_lazy("Organisation"), required=False,
        help_text=gettext_lazy("The organisation that may check the data, for example the one handling your application."),
        error_messages={"invalid_choice": gettext_lazy("Choose an organisation from the list.")},
    )
    recipient_code = forms.CharField(
        label=gettext_lazy("Or the organisation's code"), required=False, max_length=60,
        help_text=gettext_lazy("If the organisation is not listed (your community service centre, for example), "
                               "enter the code it gave you, such as adm-1101072."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    days = forms.IntegerField(
        label=gettext_lazy("Valid for (days)"), min_value=1,
        error_messages={"required": gettext_lazy("Say for how many days the consent is valid."),
                        "invalid": gettext_lazy("Enter a whole number of days."),
                        "min_value": gettext_lazy("A consent lasts at least one day.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, suggested_recipient: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        typed = str(self.data.get("recipient_code", "") or self.data.get("recipient", "") or "").strip()
        cast(forms.ChoiceField, self.fields["recipient"]).choices = recipient_choices(suggested_recipient or typed)
        maximum = settings.EGOV_CONSENT_MAX_DAYS
        self.fields["days"].help_text = _("Between 1 and %(max)d days. You can revoke the consent earlier.") % {
            "max": maximum}

    def field_for_error(self, name: str) -> str:
        if name == "recipient" and str(self.data.get("recipient_code", "") or "").strip():
            return "recipient_code"
        return name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        code = (cleaned.get("recipient_code") or "").strip()
        if code:
            cleaned["recipient"] = code
        elif not cleaned.get("recipient") and "recipient" not in self.errors:
            self.add_error("recipient", _("Choose the organisation, or enter its code."))
        return cleaned


class AccessRightGrantForm(ExchangeForm):
    consumer = forms.CharField(
        label=gettext_lazy("Consumer"), max_length=60,
        help_text=gettext_lazy("An organisation's code (cen-nts), or kind: and an organisation kind for all "
                               "organisations of that kind (kind:dong)."),
        error_messages={"required": gettext_lazy("Name the consumer organisation (its code) or an organisation kind.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    product_code = forms.ChoiceField(
        label=gettext_lazy("Data product"), choices=product_choices,
        error_messages={"required": gettext_lazy("Choose the data product."),
                        "invalid_choice": gettext_lazy("Choose one of the data products listed.")},
    )
    purpose = forms.ChoiceField(
        label=gettext_lazy("Purpose"), choices=purpose_choices,
        error_messages={"required": gettext_lazy("Choose the purpose."),
                        "invalid_choice": gettext_lazy("Choose one of the purposes listed.")},
    )
    consent_exempt_article = forms.CharField(
        label=gettext_lazy("Article dispensing with consent"), required=False, max_length=300,
        help_text=gettext_lazy("Leave empty when the data subject's consent is required. Otherwise the article "
                               "of law, exactly as requests must cite it."),
    )

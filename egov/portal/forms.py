from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ServiceSearchForm(forms.Form):
    """The service search box of the home, search and services pages (GET, so results can be linked)."""

    q = forms.CharField(
        label=_("Search for a service"),
        max_length=100,
        required=False,
        error_messages={"max_length": _("Use at most %(limit_value)d characters: a few words are enough.")},
    )

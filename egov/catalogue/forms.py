from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CatalogueSearchForm(forms.Form):
    q = forms.CharField(label=_("What do you need to do?"), max_length=100, required=False)

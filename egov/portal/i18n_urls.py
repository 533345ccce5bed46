"""Django's language switch, declared public (it only sets the language cookie)."""

from __future__ import annotations

from django.urls import path
from django.views.i18n import set_language

from egov.core.access import public

urlpatterns = [path("setlang/", public(set_language), name="set_language")]

"""What every portal page needs: the main navigation, the language switch, account links, site facts.

The main navigation lists only the subsystems that exist. A later issue that adds a
subsystem adds one line to ``MAIN_NAV`` (for example
``NavItem("certificates:verify", _("Verify a document"))``), and the header, the
tests and the screenshots follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext_lazy as _

from egov.portal.site import site_facts


@dataclass(frozen=True)
class NavItem:
    """One entry of the main navigation: a URL name and its label."""

    url_name: str
    label: str | Promise


# The subsystems that exist today, in the order the header shows them.
MAIN_NAV: list[NavItem] = [
    NavItem("portal:services", _("Services")),
    NavItem("portal:my_gov", _("My Gov")),
    NavItem("certificates:verify", _("Verify a document")),
]

# Account pages the header links to, by role; the accounts app provides them.
ACCOUNT_URLS = {
    "login": "accounts:login",
    "signup": "accounts:signup",
    "logout": "accounts:logout",
    "account": "accounts:account",
    "backoffice": "backoffice:home",
}


def _reverse_or_none(name: str) -> str | None:
    """A URL of another app, or None while that app does not provide it (the link is left out)."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def main_nav(path: str) -> list[dict[str, Any]]:
    """The main navigation with the current section marked (``aria-current`` in the header)."""
    items = []
    for item in MAIN_NAV:
        url = reverse(item.url_name)
        items.append({"url": url, "label": item.label, "current": path == url or (url != "/" and path.startswith(url))})
    return items


def other_languages() -> list[dict[str, str]]:
    """The languages the switch offers, each named in itself (``English``, ``한국어``)."""
    current = get_language()
    return [
        {"code": code, "name": get_language_info(code)["name_local"]}
        for code, _name in settings.LANGUAGES
        if code != current
    ]


def portal(request: HttpRequest) -> dict[str, Any]:
    path = request.path
    account = {key: _reverse_or_none(name) for key, name in ACCOUNT_URLS.items()}
    return {
        "portal_nav": main_nav(path),
        "portal_languages": other_languages(),
        "portal_next": request.get_full_path(),
        "portal_account": account,
        "portal_site": site_facts(),
    }

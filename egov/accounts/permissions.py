"""Roles of officials and the permissions each role grants.

Permissions are plain names (``cases.decide``) that views declare with
``@access(official("cases.decide"))`` and that ``User.has_egov_perm`` answers. They
are granted by role, never one by one, so that an organisation chart is enough to say
who may do what; where an official may do it is the organisation's jurisdiction
(``egov.accounts.selectors.official_covers``).
"""

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

StrOrPromise = str | Promise


class Role(models.TextChoices):
    CLERK = "clerk", _("Clerk")
    REVIEWER = "reviewer", _("Reviewer")
    HEAD = "head", _("Head of organisation")
    AUDITOR = "auditor", _("Auditor")
    OPERATOR = "operator", _("Platform operator")


# Every permission the platform knows, with what it lets an official do.
PERMISSIONS: dict[str, StrOrPromise] = {
    "backoffice.view": _("Open the back office and its work queues"),
    "cases.process": _("Take, review and prepare the organisation's cases"),
    "cases.decide": _("Approve or refuse the organisation's cases"),
    "counter.serve": _("File applications for walk-in visitors at the counter"),
    "org.manage": _("Manage the organisation's officials and their roles"),
    "audit.read": _("Read the organisation's audit log"),
    "platform.operate": _("Operate the platform: keys, country pack, monitoring"),
    "registry.residents.read": _("Look up residents and households within the organisation's jurisdiction"),
    "registry.residents.correct": _("Correct resident records, with a reason"),
    "registry.vehicles.read": _("Look up the vehicle register"),
    "registry.property.read": _("Look up the land and building registers"),
    "registry.businesses.read": _("Look up the business register"),
    "identity.proof": _("Issue identity-proofing codes to residents at the counter"),
    "exchange.read": _("See the information-sharing data products, access rights and exchange log"),
    "exchange.manage": _("Grant and revoke access rights to data products"),
    "notifications.templates": _("Write and version the message templates sent to citizens"),
    "metrics.read": _("See the programme's KPI dashboard, by organisation and region, and export it"),
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.CLERK: frozenset(
        {
            "backoffice.view", "cases.process", "counter.serve", "registry.residents.read",
            "registry.residents.correct", "identity.proof",
        }
    ),
    Role.REVIEWER: frozenset(
        {
            "backoffice.view", "cases.process", "cases.decide", "registry.residents.read", "registry.vehicles.read",
            "registry.property.read", "registry.businesses.read",
        }
    ),
    Role.HEAD: frozenset({"backoffice.view", "cases.decide", "org.manage", "audit.read", "exchange.read",
                          "notifications.templates", "metrics.read"}),
    Role.AUDITOR: frozenset({"backoffice.view", "audit.read", "exchange.read", "metrics.read"}),
    Role.OPERATOR: frozenset(PERMISSIONS),
}


def permissions_for(roles: set[str] | frozenset[str]) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)

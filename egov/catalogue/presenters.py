"""What a service page shows, in the visitor's language, from a definition."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from egov.catalogue.loader import Pack
from egov.catalogue.schema import ServiceDefinition
from egov.catalogue.selectors import summary


@dataclass(frozen=True)
class Line:
    label: str
    detail: str = ""
    url: str = ""


def sla_text(value: int | None, unit: str | None) -> str:
    if value is None:
        return _("Depends on the services included")
    if unit == "hours":
        return ngettext("Within %(n)d working hour", "Within %(n)d working hours", value) % {"n": value}
    return ngettext("Within %(n)d working day", "Within %(n)d working days", value) % {"n": value}


def fee_text(amount: int, currency: str) -> str:
    if amount == 0:
        return _("Free")
    return _("%(amount)s %(currency)s") % {"amount": f"{amount:,}", "currency": currency}


def channel_text(channel: str) -> str:
    return {"online": _("Online only"), "counter": _("At the counter only"), "both": _("Online or at the counter")}[channel]


def delivery_text(delivery: str) -> str:
    return {"online": _("Online"), "counter": _("At the counter"), "post": _("By post")}[delivery]


def service_page(pack: Pack, definition: ServiceDefinition, language: str) -> dict[str, object]:
    fee = definition.fee
    uploads = [Line(f.label.get(language), f.upload_reason.get(language) if f.upload_reason else "")
               for f in definition.form if f.type == "file"]
    questions = [Line(f.label.get(language), f.help.get(language) if f.help else "")
                 for f in definition.form if f.type != "file"]
    fetched = [Line(pack.products[e.product].get(language) if e.product in pack.products else e.product)
               for e in definition.evidence]
    members = []
    for member in definition.members:
        loaded = pack.service(member)
        if loaded is not None:
            members.append(Line(loaded.definition.name.get(language), loaded.definition.description.get(language),
                                reverse("catalogue:service", args=[member])))
    return {
        "service": summary(pack, definition, language),
        "definition": definition,
        "questions": questions,
        "uploads": uploads,
        "fetched": fetched,
        "eligibility": [rule.message.get(language) for rule in definition.eligibility],
        "fee": fee_text(fee.amount, fee.currency),
        "fee_per_copy": fee.per == "copy",
        "fee_online": None if fee.online_amount is None else fee_text(fee.online_amount, fee.currency),
        "exemptions": [Line(e.description.get(language)) for e in fee.exemptions],
        "time": sla_text(definition.sla.value if definition.sla else None, definition.sla.unit if definition.sla else None),
        "channels": [Line(c.label.get(language), channel_text(c.channel)) for c in definition.channels],
        "delivery": [delivery_text(d) for d in definition.delivery],
        "document": definition.document.name.get(language) if definition.document else "",
        "legal_basis": f"{definition.legal_basis.act} {definition.legal_basis.article}",
        "members": members,
        "changes_registries": bool(definition.effects),
        # A service (not a bundle) some purpose of which may be applied for online.
        "applies_online": definition.kind == "service" and any(c.channel in ("online", "both")
                                                                for c in definition.channels),
    }

"""Reading a service definition for an application: its workflow for the engine, its facts, its fee.

The catalogue's workflow section (states with labels, a supplement rule in days) is
richer than the engine's plain state machine; :func:`engine_workflow` gives the engine
what it reads (``docs/workflow.md``). Released data products become the ``facts`` that
the definition's rules read (``facts.resident.status``, ``facts.household.id``).

A bundle (``kind: bundle``) has no workflow of its own: :func:`bundle_members` gives its
member services and :func:`bundle_form` the one form the applicant fills for all of
them, each question asked once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from egov.catalogue.public import FormField, ServiceDefinition, rule_holds, service_definition
from egov.core import clock
from egov.core.crypto import mask_rrn

# Data product -> the name its data has among the facts.
FACT_NAMES: dict[str, str] = {
    "resident-registration-extract": "resident",
    "resident-registration-copy": "household",
    "family-relations": "family",
    "vehicle-record": "vehicles",
    "land-ownership": "land",
    "building-record": "buildings",
    "business-status": "businesses",
}


def engine_workflow(definition: ServiceDefinition) -> dict[str, Any]:
    """The workflow section in the case engine's format."""
    workflow = definition.workflow
    assert workflow is not None, "a bundle has no workflow of its own"
    document: dict[str, Any] = {
        "states": [state.name for state in workflow.states],
        "initial": workflow.initial,
        "transitions": [
            {"name": t.name, "from": list(t.from_), "to": t.to, "roles": list(t.roles),
             **({"guard": t.guard} if t.guard else {}), **({"effect": t.effect} if t.effect else {})}
            for t in workflow.transitions
        ],
    }
    final = [state.name for state in workflow.states if state.final]
    if final:
        document["final"] = final
    if definition.sla is not None:
        document["sla"] = {"value": definition.sla.value, "unit": definition.sla.unit}
    if workflow.supplement is not None:
        expiry = next(t for t in workflow.transitions if t.name == workflow.supplement.on_expiry)
        document["supplement"] = {"state": expiry.from_[0], "expired": expiry.name,
                                  "deadline": {"value": workflow.supplement.deadline_days, "unit": "days"}}
    return document


def state_label(definition: ServiceDefinition, state: str, language: str) -> str:
    workflow = definition.workflow
    found = next((s for s in workflow.states if s.name == state), None) if workflow else None
    return found.label.get(language) if found else state


def transition_label(definition: ServiceDefinition, name: str, language: str) -> str:
    workflow = definition.workflow
    found = next((t for t in workflow.transitions if t.name == name), None) if workflow else None
    return found.label.get(language) if found is not None and found.label is not None else ""


def facts_from(released: Mapping[str, Any]) -> dict[str, Any]:
    """The facts rules read, from the data products released (by product code)."""
    facts: dict[str, Any] = {}
    for product, data in released.items():
        facts[FACT_NAMES.get(product, product.replace("-", "_"))] = data
    resident = facts.get("resident")
    if isinstance(resident, dict):
        birth = resident.get("birth_date")
        if birth:
            born = date.fromisoformat(str(birth))
            today = clock.today()
            resident["age"] = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        address = resident.get("address") or {}
        if "household" not in facts and address.get("household_id"):
            facts["household"] = {"id": address["household_id"], "address": address}
    household = facts.get("household")
    if isinstance(household, dict) and "id" not in household:
        household_id = ((household.get("address") or {}).get("household_id"))
        if household_id:
            household["id"] = household_id
    return facts


_FACT_ROOT = re.compile(r"\bfacts\.([a-z_]+)")


def rules_failing(definition: ServiceDefinition, form: Mapping[str, Any], facts: Mapping[str, Any],
                  language: str) -> list[str]:
    """The messages of the eligibility rules that do not hold.

    A rule reading facts no evidence of this service released (a welfare status the
    pack has no registry for yet) is left to the official: it neither passes nor
    blocks an application on its own.
    """
    failing = []
    for rule in definition.eligibility:
        if any(root not in facts for root in _FACT_ROOT.findall(rule.rule)):
            continue
        if not rule_holds(rule.rule, form=form, facts=facts):
            failing.append(_message_with_facts(rule.message.get(language), facts))
    return failing


_MESSAGE_FACT = re.compile(r"\{facts\.([a-z_]+(?:\.[a-z_]+)*)\}")


def _message_with_facts(message: str, facts: Mapping[str, Any]) -> str:
    """A rule's message with each ``{facts.<path>}`` replaced by the released value, so a refusal can name
    what the register holds (the arrears that stop a tax payment certificate); a missing value reads ``-``."""
    def value(match: re.Match[str]) -> str:
        found: Any = facts
        for part in match.group(1).split("."):
            found = found.get(part) if isinstance(found, Mapping) else None
        if isinstance(found, list | tuple):
            found = ", ".join(str(item) for item in found)
        return "-" if found in (None, "") else str(found)

    return _MESSAGE_FACT.sub(value, message)


def fee_due(definition: ServiceDefinition, *, channel: str, form: Mapping[str, Any],
            facts: Mapping[str, Any]) -> tuple[int, str]:
    """The fee to charge and the id of the exemption applied (empty when none)."""
    fee = definition.fee
    amount = fee.online_amount if channel == "online" and fee.online_amount is not None else fee.amount
    if fee.per == "copy":
        copies = form.get("copies")
        amount *= copies if isinstance(copies, int) and copies > 0 else 1
    for exemption in fee.exemptions:
        if rule_holds(exemption.when, form=form, facts=facts):
            return min(amount, exemption.amount), exemption.id
    return amount, ""


def channel_allowed(definition: ServiceDefinition, channel: str) -> bool:
    return any(c.channel in (channel, "both") for c in definition.channels)


# ---------------------------------------------------------------- bundles

BUNDLE_KEY_PREFIX = "bundle:"


def bundle_members(bundle: ServiceDefinition) -> list[ServiceDefinition]:
    """The member services of a bundle, each in its latest stored version (the version its case keeps)."""
    return [service_definition(member) for member in bundle.members]


def bundle_form(bundle: ServiceDefinition, members: list[ServiceDefinition]) -> tuple[FormField, ...]:
    """The one form of a bundle: its own questions, then each member's, a question shared by name asked once.

    The first declaration of a name gives its wording; it is required when any
    member requires it, since the one answer serves every member that asks it.
    """
    fields: dict[str, FormField] = {}
    required: dict[str, bool] = {}
    given = {answer.field for answer in bundle.given}
    for field in (*bundle.form, *(f for member in members for f in member.form)):
        if field.name in given:
            continue  # another member answers it when approved: not asked
        if field.name not in fields:
            fields[field.name] = field
        required[field.name] = required.get(field.name, False) or (field.required and field.show_if is None)
    return tuple(field if field.required == required[name] or field.show_if is not None
                 else dataclasses.replace(field, required=required[name]) for name, field in fields.items())


def awaited_by(bundle: ServiceDefinition, member: ServiceDefinition) -> list[dict[str, Any]]:
    """The answers ``member`` waits for from the other members of ``bundle`` (as the application keeps them)."""
    return [{"field": answer.field, "member": answer.member, "output": answer.output,
             "note": {"ko": answer.note.ko, "en": answer.note.en}}
            for answer in bundle.given if member.field(answer.field) is not None and answer.member != member.id]


def awaiting_message(awaiting: list[dict[str, Any]], language: str) -> str:
    """Why an application cannot be decided yet: the notes of the answers it waits for."""
    notes = " ".join(str((item.get("note") or {}).get(language[:2]) or "") for item in awaiting)
    return _("This application cannot be decided yet. %(notes)s") % {"notes": notes}


def identifiers_apart(definition: ServiceDefinition, form: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers with every registration number masked, and the numbers themselves (to be stored encrypted)."""
    secret = {f.name: str(form[f.name]) for f in definition.form if f.type == "resident_number" and form.get(f.name)}
    return {**form, **{name: mask_rrn(number) for name, number in secret.items()}}, secret


def bundle_group(idempotency_key: str) -> str:
    """The mark shared by the applications one bundle submission filed: a digest of its idempotency key."""
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]


def member_key(idempotency_key: str, member_id: str) -> str:
    """A member application's own idempotency key, derived from the bundle's (at most 148 characters)."""
    return f"{BUNDLE_KEY_PREFIX}{bundle_group(idempotency_key)}:{member_id}"


def group_of_member(member_key: str) -> str:
    """The bundle group a member application's key names, or "" for an application filed on its own."""
    if not member_key.startswith(BUNDLE_KEY_PREFIX):
        return ""
    return member_key[len(BUNDLE_KEY_PREFIX):].partition(":")[0]

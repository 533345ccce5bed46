"""The workflow section of a service definition, as the engine reads it.

The catalogue validates a service's definition and hands its ``workflow`` section to
``case_open`` as plain data::

    states: [submitted, under_review, awaiting_supplement, approved, rejected, lapsed]
    initial: submitted
    final: [approved, rejected, lapsed]            # optional: else states nothing leaves
    transitions:
      - {name: claim, from: submitted, to: under_review, roles: [clerk]}
      - {name: request_supplement, from: under_review, to: awaiting_supplement, roles: [clerk]}
      - {name: supplement, from: awaiting_supplement, to: under_review, roles: [applicant]}
      - {name: supplement_expired, from: awaiting_supplement, to: lapsed, roles: [system]}
      - {name: approve, from: under_review, to: approved, roles: [clerk],
         guard: "egov.applications.guards.evidence_complete", effect: "egov.applications.effects.register"}
    sla: {value: 3, unit: days}
    supplement: {state: awaiting_supplement, deadline: {value: 7, unit: days}, expired: supplement_expired}
    escalation: {transition: escalate}              # optional: else escalation changes no state

``from`` may be one state or a list. Role ``applicant`` is the case's applicant,
``system`` the platform's own jobs; other roles are officials' roles. The engine keeps
the section on the case as it was when the case opened (``Case.definition``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from django.utils.translation import gettext as _

from egov.core.errors import ValidationError

APPLICANT = "applicant"
SYSTEM = "system"


@dataclass(frozen=True)
class Period:
    value: int
    unit: Literal["hours", "days"]


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    guard: str = ""
    effect: str = ""


@dataclass(frozen=True)
class Supplement:
    state: str
    deadline: Period
    expired: str


@dataclass(frozen=True)
class WorkflowDefinition:
    states: tuple[str, ...]
    initial: str
    final: frozenset[str]
    transitions: tuple[Transition, ...]
    sla: Period | None
    supplement: Supplement | None
    escalation_transition: str

    def transition(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    def available(self, state: str) -> tuple[Transition, ...]:
        return tuple(t for t in self.transitions if state in t.sources)


def _invalid(reason: str) -> ValidationError:
    return ValidationError(_("The workflow definition is not valid: %(reason)s") % {"reason": reason})


def _period(raw: Any, where: str) -> Period:
    if not isinstance(raw, Mapping):
        raise _invalid(f"{where} must be a mapping with value and unit")
    value, unit = raw.get("value"), raw.get("unit")
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _invalid(f"{where}.value must be a whole number of at least 1")
    if unit not in ("hours", "days"):
        raise _invalid(f"{where}.unit must be hours or days")
    return Period(value, cast(Literal["hours", "days"], unit))


def _names(raw: Any, where: str) -> tuple[str, ...]:
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or not items or not all(isinstance(i, str) and i for i in items):
        raise _invalid(f"{where} must be a name or a list of names")
    return tuple(items)


def definition_parse(raw: Mapping[str, Any] | WorkflowDefinition) -> WorkflowDefinition:
    """Read and check a workflow section; raise ``ValidationError`` saying what is wrong."""
    if isinstance(raw, WorkflowDefinition):
        return raw
    if not isinstance(raw, Mapping):
        raise _invalid("the workflow section must be a mapping")
    states = _names(raw.get("states"), "states")
    if len(set(states)) != len(states):
        raise _invalid("states are listed twice")
    known = set(states)
    initial = raw.get("initial")
    if initial not in known:
        raise _invalid(f"initial state {initial!r} is not among the states")
    transitions: list[Transition] = []
    for index, entry in enumerate(raw.get("transitions") or []):
        where = f"transitions[{index}]"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str) or not entry["name"]:
            raise _invalid(f"{where} needs a name")
        sources = _names(entry.get("from"), f"{where}.from")
        target = entry.get("to")
        for state in (*sources, target):
            if state not in known:
                raise _invalid(f"{where} names an unknown state {state!r}")
        roles = frozenset(_names(entry.get("roles"), f"{where}.roles"))
        transitions.append(Transition(entry["name"], sources, str(target), roles,
                                      str(entry.get("guard") or ""), str(entry.get("effect") or "")))
    names = [t.name for t in transitions]
    if len(set(names)) != len(names):
        raise _invalid("two transitions have the same name")
    if raw.get("final") is not None:
        final = frozenset(_names(raw["final"], "final"))
        if not final <= known:
            raise _invalid("final names an unknown state")
    else:
        final = frozenset(s for s in states if not any(s in t.sources for t in transitions))
    sla = _period(raw["sla"], "sla") if raw.get("sla") is not None else None
    supplement = None
    if raw.get("supplement") is not None:
        section = raw["supplement"]
        if not isinstance(section, Mapping) or section.get("state") not in known:
            raise _invalid("supplement.state must name one of the states")
        expired = section.get("expired")
        if expired not in names:
            raise _invalid("supplement.expired must name a transition")
        expired_transition = transitions[names.index(expired)]
        if section["state"] not in expired_transition.sources or SYSTEM not in expired_transition.roles:
            raise _invalid("supplement.expired must leave the supplement state with role system")
        supplement = Supplement(section["state"], _period(section.get("deadline"), "supplement.deadline"), expired)
    escalation = ""
    if raw.get("escalation") is not None:
        escalation = str((raw["escalation"] or {}).get("transition") or "")
        if escalation and (escalation not in names or SYSTEM not in transitions[names.index(escalation)].roles):
            raise _invalid("escalation.transition must name a transition with role system")
    return WorkflowDefinition(states, str(initial), final, tuple(transitions), sla, supplement, escalation)


def definition_document(definition: WorkflowDefinition) -> dict[str, Any]:
    """The plain form kept on the case, which ``definition_parse`` reads back."""
    document: dict[str, Any] = {
        "states": list(definition.states),
        "initial": definition.initial,
        "final": sorted(definition.final),
        "transitions": [
            {"name": t.name, "from": list(t.sources), "to": t.target, "roles": sorted(t.roles),
             **({"guard": t.guard} if t.guard else {}), **({"effect": t.effect} if t.effect else {})}
            for t in definition.transitions
        ],
    }
    if definition.sla:
        document["sla"] = {"value": definition.sla.value, "unit": definition.sla.unit}
    if definition.supplement:
        deadline = definition.supplement.deadline
        document["supplement"] = {"state": definition.supplement.state, "expired": definition.supplement.expired,
                                  "deadline": {"value": deadline.value, "unit": deadline.unit}}
    if definition.escalation_transition:
        document["escalation"] = {"transition": definition.escalation_transition}
    return document

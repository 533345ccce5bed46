"""Effects the service definitions name (``egov.applications.effects.complete``): the registries change.

When a transition with this effect is taken, each ``effects`` entry of the definition
that runs ``on`` it (and whose ``when`` holds) is carried out by its handler, in the
transition's transaction: if one fails, the step and every change before it are
undone. The registries write through their own services only, reached through
``exchange.public`` (rule 2 keeps ``registries.public`` behind the gate).

A handler exists for the move-in report today. The effects of other services are
recorded on the application as pending (an official carries them out in the
registry's back office) until the registries offer the writes they need.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from egov.applications.models import Application
from egov.catalogue.public import Effect, rule_holds, service_definition
from egov.exchange import public as exchange
from egov.workflow.public import TransitionContext

Handler = Callable[[Application, Mapping[str, Any], TransitionContext], None]


def _value(source: str, application: Application, context: TransitionContext) -> Any:
    root, _sep, rest = source.partition(".")
    if root == "applicant":
        return {"resident_id": str(application.resident_id or ""), "id": str(application.applicant_id)}.get(rest)
    if root == "case":
        return {"reference": context.case.reference, "id": str(context.case.id)}.get(rest)
    value: Any = application.form if root == "form" else application.facts
    for part in rest.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def resident_move_in(application: Application, fields: Mapping[str, Any], context: TransitionContext) -> None:
    """전입신고: the applicant (or their whole household) moves; their vehicles follow (the registry sees to it)."""
    address = fields.get("address") or {}
    assert application.resident_id is not None, "an application is filed about a resident record"
    exchange.resident_move_in(
        resident_id=application.resident_id, address={k: str(v) for k, v in dict(address).items()},
        moved_in_on=date.fromisoformat(str(fields.get("moved_on"))),
        with_household=fields.get("movers") == "whole_household",
        cause_ref=f"case:{context.case.reference}", by=context.by,
    )


def carried_by_the_move(application: Application, fields: Mapping[str, Any], context: TransitionContext) -> None:
    """The household's address and the vehicles' follow the resident's move in the registry's own service."""


HANDLERS: dict[str, Handler] = {
    "resident.move_in": resident_move_in,
    "household.move_in": carried_by_the_move,
    "vehicle.change_address": carried_by_the_move,
}


def _runs(effect: Effect, application: Application, context: TransitionContext) -> bool:
    if context.transition not in effect.on:
        return False
    return effect.when is None or rule_holds(effect.when, form=application.form, facts=application.facts)


def complete(context: TransitionContext) -> None:
    """Carry out the definition's effects on the registries for the transition just taken."""
    application = Application.objects.get(case_id=context.case.id)
    definition = service_definition(application.service_id, application.service_version)
    pending = list(application.effects_pending)
    for effect in definition.effects:
        if not _runs(effect, application, context):
            continue
        fields = {name: _value(source, application, context) for name, source in effect.fields.items()}
        handler = HANDLERS.get(effect.name)
        if handler is None:
            pending.append({"effect": effect.name, "transition": context.transition,
                            "fields": {k: v for k, v in fields.items() if isinstance(v, str | int | bool | type(None))}})
            continue
        handler(application, fields, context)
    if pending != application.effects_pending:
        application.effects_pending = pending
        application.save(update_fields=["effects_pending"])

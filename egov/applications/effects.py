"""Effects the service definitions name (``egov.applications.effects.complete``): the registries change.

When a transition with this effect is taken, each ``effects`` entry of the definition
that runs ``on`` it (and whose ``when`` holds) is carried out by its handler, in the
transition's transaction: if one fails, the step and every change before it are
undone. The registries write through their own services only, reached through
``exchange.public`` (rule 2 keeps ``registries.public`` behind the gate).

Every effect the kr pack names has a handler (a test holds the pack to it). The record
is named as the applicant named it (a plate, a business number, a registration
number, an address); the registry checks that the applicant stands in the relation
the report needs (the owner, the representative) and refuses with a translated
``ValidationError`` otherwise, which undoes the step. An effect a pack names without a
handler here is recorded on the application as pending, for an official to carry out
in the registry's back office.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from egov.accounts.public import organisation
from egov.applications import definitions, selectors
from egov.applications.models import Application
from egov.applications.rules import step_subject
from egov.catalogue.public import Effect, rule_holds, service_definition
from egov.certificates import public as certificates
from egov.core.crypto import mask_rrn
from egov.core.errors import ValidationError
from egov.exchange import public as exchange
from egov.workflow.public import TransitionContext

# A handler may return outputs (``{"child_number": …}``) that a bundle hands to its other members.
Handler = Callable[[Application, Mapping[str, Any], TransitionContext], Mapping[str, Any] | None]


def _value(source: str, application: Application, context: TransitionContext) -> Any:
    root, _sep, rest = source.partition(".")
    if root == "applicant":
        return {"resident_id": str(application.resident_id or ""), "id": str(application.applicant_id)}.get(rest)
    if root == "case":
        # The decision's date is the day of the transition on the deployment's calendar.
        decided_on = context.at.astimezone(ZoneInfo(settings.TIME_ZONE)).date().isoformat()
        return {"reference": context.case.reference, "id": str(context.case.id), "decided_on": decided_on}.get(rest)
    value: Any = application.answers() if root == "form" else application.facts
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


def carried_by_the_report(application: Application, fields: Mapping[str, Any], context: TransitionContext) -> None:
    """The resident register's half of a birth or death report, written by the family register's service with it.

    A birth enters the child on both registers and a death marks the resident
    deceased on both, in one service of the registry; the pack names the two halves
    because two registers change.
    """


def _date(fields: Mapping[str, Any], name: str) -> date:
    value = fields.get(name)
    try:
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        message = _("The date %(value)s needed to change the register is not a date.") % {"value": value}
        raise ValidationError(message, field_errors={name: [message]}) from None


def _optional_date(fields: Mapping[str, Any], name: str) -> date | None:
    return _date(fields, name) if fields.get(name) else None


def _text(fields: Mapping[str, Any], name: str) -> str:
    value = fields.get(name)
    return "" if value is None else str(value).strip()


def _address(fields: Mapping[str, Any], name: str) -> dict[str, str]:
    value = fields.get(name) or {}
    return {key: str(part) for key, part in dict(value).items()} if isinstance(value, Mapping) else {}


def _resident(application: Application) -> Any:
    assert application.resident_id is not None, "an application is filed about a resident record"
    return application.resident_id


def _cause(context: TransitionContext) -> dict[str, str]:
    return {"cause_ref": f"case:{context.case.reference}", "by": context.by}


def business_close(application: Application, fields: Mapping[str, Any], context: TransitionContext) -> None:
    """폐업신고: the applicant's business closes on the date reported."""
    exchange.business_close(registration_number=_text(fields, "business"), representative_id=_resident(application),
                            closed_on=_date(fields, "closed_on"), **_cause(context))


def business_suspend(application: Application, fields: Mapping[str, Any], context: TransitionContext) -> None:
    """휴업신고: the applicant's business is suspended from the date reported."""
    exchange.business_suspend(registration_number=_text(fields, "business"), representative_id=_resident(application),
                              suspended_on=_date(fields, "suspended_on"), until=_optional_date(fields, "until"),
                              **_cause(context))


def business_register(application: Application, fields: Mapping[str, Any], context: TransitionContext) -> None:
    """사업자등록: the tax office serving the business's address registers it under a number the registry issues."""
    address = _address(fields, "address")
    office = exchange.tax_office_for(admin_dong_code=address.get("admin_dong_code", ""),
                                     competent_organisation_id=context.case.organisation_id)
    exchange.business_open(
        representative_id=_resident(application), name=_text(fields, "name"), address=address,
        business_type=_text(fields, "business_type"), business_item=_text(fields, "business_item"),
        started_on=_date(fields, "started_on"), tax_type=_text(fields, "tax_type"), tax_office_code=office,
        **_cause(context),
    )


def vehicle_register(application: Application, fields: Mapping[str, Any], context: TransitionContext) -> None:
    """신규등록: the vehicle is registered to the applicant under a plate the registry issues."""
    try:
        model_year = int(fields.get("model_year"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        model_year = 0
    exchange.vehicle_register_new(
        owner_resident_id=_resident(application), vin=_text(fields, "vin"), make=_text(fields, "make"),
        model=_text(fields, "model"), model_year=model_year, fuel=_text(fields, "fuel"),
        registered_on=_date(fields, "registered_on"), **_cause(context),
    )


def vehicle_transfer(application: Application, fields: Mapping[str, Any], context: TransitionContext) -> None:
    """이전등록: the buyer (the applicant) becomes the owner of the seller's vehicle on the date of sale."""
    exchange.vehicle_transfer_by_plate(
        plate=_text(fields, "plate"), seller_number=_text(fields, "seller"), buyer_resident_id=_resident(application),
        transferred_on=_date(fields, "transferred_on"), **_cause(context),
    )


def vehicle_deregister(application: Application, fields: Mapping[str, Any], context: TransitionContext) -> None:
    """말소등록: the applicant's vehicle leaves the register."""
    exchange.vehicle_deregister_by_plate(
        plate=_text(fields, "plate"), owner_resident_id=_resident(application), reason=_text(fields, "reason"),
        deregistered_on=_date(fields, "deregistered_on"), **_cause(context),
    )


_SEX = {"male": "M", "female": "F"}


def birth_report(application: Application, fields: Mapping[str, Any], context: TransitionContext) -> dict[str, str]:
    """출생신고: the child enters the family and resident registers, in the reporting parent's household.

    Gives the child's new registration number, which the other members of a birth
    one-stop bundle wait for.
    """
    child = exchange.birth_report(parent_id=_resident(application), name_ko=_text(fields, "child_name"),
                                  born_on=_date(fields, "born_on"), sex=_SEX.get(_text(fields, "sex"), ""),
                                  **_cause(context))
    return {"child_number": child.number}


def death_report(application: Application, fields: Mapping[str, Any], context: TransitionContext) -> None:
    """사망신고: the resident named by number is deceased from the date reported."""
    exchange.death_report(deceased_number=_text(fields, "deceased_number"), reporter_id=application.resident_id,
                          died_on=_date(fields, "died_on"), **_cause(context))


def marriage_report(application: Application, fields: Mapping[str, Any], context: TransitionContext) -> None:
    """혼인신고: the applicant and the spouse named by number are married from the day the report is accepted."""
    exchange.marriage_report(spouse_id=_resident(application), other_spouse_number=_text(fields, "spouse_number"),
                             married_on=_date(fields, "married_on"), **_cause(context))


def building_demolish(application: Application, fields: Mapping[str, Any], context: TransitionContext) -> None:
    """멸실신고: the applicant's building at the address is recorded as demolished."""
    exchange.building_demolished(address=_address(fields, "building"), owner_resident_id=_resident(application),
                                 demolished_on=_date(fields, "demolished_on"), **_cause(context))


def building_change_use(application: Application, fields: Mapping[str, Any], context: TransitionContext) -> None:
    """용도변경: the main use of the applicant's building changes."""
    exchange.building_use_changed(address=_address(fields, "building"), owner_resident_id=_resident(application),
                                  main_use=_text(fields, "main_use"), changed_on=_date(fields, "changed_on"),
                                  **_cause(context))


# The form's choices of land category, as the land register spells them (지목).
LAND_CATEGORIES = {"dae": "대", "jeon": "전", "dap": "답", "jang": "장", "cha": "차"}


def land_change_category(application: Application, fields: Mapping[str, Any], context: TransitionContext) -> None:
    """지목변경: the land category of the applicant's parcel changes."""
    category = _text(fields, "category")
    exchange.parcel_category_changed(
        pnu=_text(fields, "parcel"), owner_resident_id=_resident(application),
        category=LAND_CATEGORIES.get(category, category), changed_on=_date(fields, "changed_on"),
        reason=_text(fields, "reason"), **_cause(context),
    )


HANDLERS: dict[str, Handler] = {
    "resident.move_in": resident_move_in,
    "household.move_in": carried_by_the_move,
    "vehicle.change_address": carried_by_the_move,
    "business.close": business_close,
    "business.suspend": business_suspend,
    "business.register": business_register,
    "vehicle.register": vehicle_register,
    "vehicle.transfer_ownership": vehicle_transfer,
    "vehicle.deregister": vehicle_deregister,
    "family.register_birth": birth_report,
    "resident.register_birth": carried_by_the_report,
    "family.register_death": death_report,
    "resident.register_death": carried_by_the_report,
    "family.register_marriage": marriage_report,
    "building.demolish": building_demolish,
    "building.change_use": building_change_use,
    "land.change_category": land_change_category,
}


def _runs(effect: Effect, application: Application, context: TransitionContext) -> bool:
    if context.transition not in effect.on:
        return False
    return effect.when is None or rule_holds(effect.when, form=application.answers(), facts=application.facts)


def complete(context: TransitionContext) -> None:
    """Carry out the definition's effects on the registries for the transition just taken."""
    application, definition = step_subject(context)
    pending = list(application.effects_pending)
    outputs: dict[str, Any] = {}
    for effect in definition.effects:
        if not _runs(effect, application, context):
            continue
        fields = {name: _value(source, application, context) for name, source in effect.fields.items()}
        handler = HANDLERS.get(effect.name)
        if handler is None:
            pending.append({"effect": effect.name, "transition": context.transition,
                            "fields": {k: v for k, v in fields.items() if isinstance(v, str | int | bool | type(None))}})
            continue
        outputs.update(handler(application, fields, context) or {})
    if outputs:
        _give_to_bundle(application, outputs)
    if pending != application.effects_pending:
        application.effects_pending = pending
        application.save(update_fields=["effects_pending"])
    if context.to_state == "approved" and definition.document is not None:
        document_after_approval(application, definition.document.template, context)


def _give_to_bundle(application: Application, outputs: Mapping[str, Any]) -> None:
    """Hand what this approval produced to the members of its bundle that wait for it (the child's number).

    The answer is written as the applicant's would have been: encrypted, with the form
    showing it masked, and the waiting application can be decided from then on.
    """
    group = definitions.group_of_member(application.idempotency_key)
    if not group:
        return
    waiting = selectors.bundle_rows(applicant_id=application.applicant_id, group=group).select_for_update().exclude(
        pk=application.pk)
    for sibling in waiting:
        given = [item for item in sibling.awaiting
                 if item.get("member") == application.service_id and outputs.get(str(item.get("output")))]
        if not given:
            continue
        numbers = json.loads(sibling.identifiers) if sibling.identifiers else {}
        for item in given:
            number = exchange.person_number_checked(str(outputs[str(item["output"])]))
            numbers[str(item["field"])] = number
            sibling.form = {**sibling.form, str(item["field"]): mask_rrn(number)}
        sibling.identifiers = json.dumps(numbers, ensure_ascii=False)
        sibling.awaiting = [item for item in sibling.awaiting if item not in given]
        sibling.save(update_fields=["form", "identifiers", "awaiting"])


def document_after_approval(application: Application, document_type: str, context: TransitionContext) -> None:
    """The approved case's signed document (issue 6): promised in the approval's transaction, issued after it.

    The task enqueued here commits with the approval, so the document is issued even
    if this process dies; the attempt made right after the commit gives it to the
    applicant in the same request, without holding the approval's locks while the PDF
    is drawn and signed (see ``applications.tasks``). A document type without a
    template in the country pack is not issued.
    """
    if not certificates.document_template_exists(document_type):
        return
    from egov.applications.tasks import application_document_issue

    reference, by = context.case.reference, context.by
    application_document_issue.enqueue(str(application.id), reference, by)

    def issue_now() -> None:
        # The application as this transaction wrote it (its data are not changed after an approval),
        # not read again; and its document cannot exist before this commit, unless the worker's run
        # came first, which the one-document-per-application constraint turns into that document.
        document_issue_once(application, case_reference=reference, by=by, just_approved=True)

    transaction.on_commit(issue_now, robust=True)


def document_issue_once(application: Application, *, case_reference: str, by: str, just_approved: bool = False) -> None:
    """Issue the application's document unless it exists; its data are what the application holds.

    (The facts the gate released for it, the answers as shown — registration numbers
    masked — and the case.) ``just_approved`` is the attempt right after the approval's
    commit, which skips asking whether the document exists: nothing could have issued it
    but the worker's run of the task that commit enqueued, and if that came first the
    certificates app answers with its document instead of a second (ADR 0147).
    """
    definition = service_definition(application.service_id, application.service_version)
    if definition.document is None:
        return
    document_type = definition.document.template
    if not just_approved and certificates.document_issued_for(application_id=application.id,
                                                              document_type=document_type):
        return
    office = organisation(id=application.organisation_id) if application.organisation_id else None
    applicant = application.applicant
    certificates.issue_document(
        document_type=document_type, holder_id=applicant.pk,
        subject_resident_ids=[application.resident_id] if application.resident_id else [],
        case_reference=case_reference, application_id=application.id,
        values={"facts": application.facts, "form": application.form,
                "applicant": {"name": getattr(applicant, "display_name", "") or applicant.get_username()},
                "case": {"reference": case_reference}},
        authority=office.name if office else "", by=by,
    )

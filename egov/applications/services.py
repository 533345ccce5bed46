"""Writes of civil applications: submit (online or at the counter), act on a case, answer a supplement, withdraw.

``application_submit`` in two parts. First the evidence: the applicant's consent for
each data product that needs it (recorded with the exchange, channel "application" or
"counter") and the reads through the gate; those are facts that happened and stay
recorded whatever follows. Then one transaction: the case opened at the competent
office, the application, the offices that see it, the fee, the notice, and for an
automatic service the system's decision with its effects on the registries. A crash
anywhere in it leaves no case; a retry with the same idempotency key returns the case
already made (rule 8).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from egov.accounts.public import OrganisationInfo, official_info
from egov.applications import definitions, notices
from egov.applications.models import Application, ApplicationOffice, Channel, OfficeRole
from egov.applications.validation import form_clean
from egov.catalogue.public import ServiceDefinition, service_definition
from egov.core.audit import audit_append
from egov.core.errors import Conflict, PermissionDenied, ValidationError
from egov.exchange import public as exchange
from egov.finance import public as finance
from egov.workflow import public as workflow

logger = logging.getLogger("egov.applications")

SYSTEM_ACTOR = "system:applications"
CONSENT_DAYS = 30
OFFICIAL_ACTIONS = ("claim", "request_supplement", "approve", "reject")


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE)[:2]


def _actor(user: Any) -> str:
    return f"user:{user.id}"


# ---------------------------------------------------------------- submit


def application_submit(
    *,
    applicant: Any,
    service_id: str,
    data: Mapping[str, Any],
    idempotency_key: str,
    channel: str = Channel.ONLINE,
    consent: bool = True,
    by: Any,
    source_ip: str | None = None,
) -> Application:
    """File an application for ``applicant``; ``by`` is the applicant online, or the clerk at the counter.

    Raises ValidationError with per-field messages (``consent`` among the fields when
    the applicant did not agree to the reads that need it), PermissionDenied when the
    applicant has no proven identity or the clerk is not an official, NotFound for an
    unknown service.
    """
    key = (idempotency_key or "").strip()
    if not key or len(key) > 200:
        raise ValidationError(_("The application needs an idempotency key of at most 200 characters."),
                              field_errors={"idempotency_key": [_("Send a unique key of at most 200 characters.")]})
    existing = Application.objects.filter(applicant=applicant, idempotency_key=key).first()
    if existing is not None:
        idempotency_conflict(existing, service_id)
        return existing
    definition = service_definition(service_id)
    if definition.kind != "service" or definition.workflow is None:
        raise ValidationError(_("This is a bundle of services: apply for each of its services."))
    if channel not in Channel.values:
        raise ValidationError(_("Choose how the application was made: online or at the counter."))
    if not definitions.channel_allowed(definition, channel):
        raise ValidationError(_("This service cannot be applied for through this channel."))
    clerk = None
    if channel == Channel.COUNTER:
        clerk = official_info(user_id=by.id)
        if clerk is None:
            raise PermissionDenied(_("Only an official files applications at the counter."))
    elif by.id != applicant.id:
        raise PermissionDenied(_("You may apply online only for yourself."))
    resident_id = getattr(applicant, "resident_id", None)
    if resident_id is None:
        raise PermissionDenied(_("Prove your identity first: an application is about your resident record."))

    form, errors = form_clean(definition, data)
    needs_consent = [item for item in definition.evidence if not item.consent_exempt_article]
    if needs_consent and not consent:
        errors.setdefault("consent", []).append(
            _("Agree that the office reads the records listed, or apply at the counter with paper documents."))
    if errors:
        raise ValidationError(_("The application could not be submitted: correct the fields marked."),
                              field_errors=errors)

    own = exchange.own_records(user_id=applicant.id, resident_id=resident_id, label=getattr(applicant, "display_name", ""))
    own_address = own.resident.address if own is not None else None
    organisation = _competent_office(definition, form, own_address.admin_dong_code if own_address else "")
    informed = _informed_offices(definition, form, own_address.admin_dong_code if own_address else "",
                                 exclude=organisation)
    requester = (exchange.requester_for_user(by, source_ip=source_ip) if clerk is not None
                 else exchange.system_requester(organisation_code=organisation.code, name="applications",
                                                label=f"{organisation.name} · {definition.name.ko}"))
    released, evidence = _gather_evidence(definition, applicant=applicant, requester=requester, channel=channel,
                                          key=key, source_ip=source_ip)
    facts = definitions.facts_from(released)
    failing = definitions.rules_failing(definition, form, facts, _language())
    if failing:
        raise ValidationError(" ".join(failing), field_errors={"__all__": failing})
    fee, exemption = definitions.fee_due(definition, channel=channel, form=form, facts=facts)
    try:
        return _file(definition=definition, applicant=applicant, by=by, clerk_org=clerk.organisation if clerk else None,
                     key=key, channel=channel, form=form, facts=facts, evidence=evidence, organisation=organisation,
                     informed=informed, resident_id=resident_id, fee=fee, exemption=exemption, source_ip=source_ip)
    except IntegrityError:
        # The same key committed by a concurrent request: answer with that case.
        existing = Application.objects.filter(applicant=applicant, idempotency_key=key).first()
        if existing is None:
            raise
        return existing


def _address_code(source: str, form: Mapping[str, Any], applicant_dong: str) -> str:
    root, _sep, rest = source.partition(".")
    if root == "form":
        value = form.get(rest.split(".")[0])
        return str(value.get("admin_dong_code") or "") if isinstance(value, Mapping) else ""
    return applicant_dong


def _competent_office(definition: ServiceDefinition, form: Mapping[str, Any], applicant_dong: str) -> OrganisationInfo:
    assert definition.workflow is not None
    competent = definition.competent_organisation
    if competent.level == "field_office":
        found = workflow.competent_organisation(
            level="field_office", code=competent.code or "",
            admin_dong_code=_address_code(definition.workflow.assign_to, form, applicant_dong))
    elif competent.code:
        found = workflow.competent_organisation(level="code", code=competent.code)
    else:
        level = competent.level if competent.level in ("dong", "si_gun_gu", "sido") else "sido"
        found = workflow.competent_organisation(
            level=level, admin_dong_code=_address_code(definition.workflow.assign_to, form, applicant_dong))
    if found is None:
        raise ValidationError(_("No office handles this service for the address given. Check the address, or ask "
                                "at a counter."))
    return found


def _informed_offices(definition: ServiceDefinition, form: Mapping[str, Any], applicant_dong: str, *,
                      exclude: OrganisationInfo) -> list[OrganisationInfo]:
    assert definition.workflow is not None
    found: list[OrganisationInfo] = []
    level = definition.competent_organisation.level
    for source in definition.workflow.also_notify:
        code = _address_code(source, form, applicant_dong)
        office = workflow.competent_organisation(level=level, admin_dong_code=code) if code and level in (
            "dong", "si_gun_gu", "sido") else None
        if office is not None and office.id != exclude.id and all(o.id != office.id for o in found):
            found.append(office)
    return found


def _gather_evidence(definition: ServiceDefinition, *, applicant: Any, requester: exchange.Requester, channel: str,
                     key: str, source_ip: str | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Each evidence item through the gate: under the applicant's consent, or the article that dispenses with it."""
    released: dict[str, Any] = {}
    evidence: list[dict[str, Any]] = []
    consent_channel = "counter" if channel == Channel.COUNTER else "application"
    for item in definition.evidence:
        consent_id = None
        if not item.consent_exempt_article:
            consent_id = exchange.consent_grant(
                user=applicant, product_code=item.product, purpose=item.purpose,
                recipient=requester.organisation_code, days=min(CONSENT_DAYS, settings.EGOV_CONSENT_MAX_DAYS),
                channel=consent_channel, application_ref=f"{definition.id}:{key}"[:80], source_ip=source_ip)
        try:
            release = exchange.fetch(
                requester=requester, product=item.product, purpose=item.purpose, service=definition.id,
                subject_resident_id=applicant.resident_id, consent_id=consent_id,
                legal_basis=item.consent_exempt_article)
        except exchange.Refused as refused:
            raise ValidationError(
                _("The office could not obtain a record this service needs (%(product)s): %(reason)s")
                % {"product": item.product, "reason": refused.message},
                field_errors={"__all__": [refused.message]}) from None
        released[item.product] = release.data
        evidence.append({"product": item.product, "purpose": item.purpose, "request_id": str(release.request_id),
                         "consent_id": str(consent_id) if consent_id else "",
                         "legal_basis": item.consent_exempt_article})
    return released, evidence


@transaction.atomic
def _file(*, definition: ServiceDefinition, applicant: Any, by: Any, clerk_org: OrganisationInfo | None, key: str,
          channel: str, form: dict[str, Any], facts: dict[str, Any], evidence: list[dict[str, Any]],
          organisation: OrganisationInfo, informed: list[OrganisationInfo], resident_id: UUID, fee: int,
          exemption: str, source_ip: str | None) -> Application:
    """The case, the application, its offices, the fee, the notice and an automatic decision: all or nothing."""
    assert definition.workflow is not None
    actor = _actor(by)
    admin_dong = _address_code(definition.workflow.assign_to, form, "")
    if not admin_dong:
        address = (facts.get("resident") or {}).get("address") or {}
        admin_dong = str(address.get("admin_dong_code") or "")
    case = workflow.case_open(
        definition=definitions.engine_workflow(definition), service_id=definition.id,
        service_version=str(definition.version), applicant_id=applicant.id, organisation_id=organisation.id,
        channel=channel, data={"form": form}, by=actor, subject_resident_id=resident_id, admin_dong_code=admin_dong,
        by_label=getattr(by, "display_name", ""),
    )
    application = Application.objects.create(
        applicant=applicant, filed_by=by if channel == Channel.COUNTER else None, idempotency_key=key,
        case_id=case.id, reference=case.reference, service_id=definition.id, service_version=definition.version,
        channel=channel, resident_id=resident_id, organisation_id=organisation.id, form=form, facts=facts,
        evidence=evidence, fee_amount=fee, fee_currency=definition.fee.currency, fee_exemption=exemption,
        submitted_at=case.opened_at,
    )
    ApplicationOffice.objects.bulk_create(
        [ApplicationOffice(application=application, organisation_id=organisation.id, role=OfficeRole.COMPETENT)]
        + [ApplicationOffice(application=application, organisation_id=o.id, role=OfficeRole.INFORMED) for o in informed]
    )
    if fee > 0:
        payment = finance.fee_charge(payer_user_id=applicant.id, amount=fee, currency=definition.fee.currency,
                                     reference=case.reference, idempotency_key=f"application:{application.id}",
                                     by=actor)
        application.payment_id = payment.id
        application.save(update_fields=["payment_id"])
    if channel == Channel.COUNTER:
        # A walk-in visit is an office visit of the clerk's office, counted apart from online applications.
        audit_append(action="application.counter_visit", actor=actor, actor_label=getattr(by, "display_name", ""),
                     source_ip=source_ip, subject=f"resident:{resident_id}", object_ref=f"case:{case.id}",
                     detail={"reference": case.reference, "service": definition.id,
                             "office": clerk_org.code if clerk_org else ""})
    audit_append(action="application.submitted", actor=actor, actor_label=getattr(by, "display_name", ""),
                 source_ip=source_ip, subject=f"resident:{resident_id}", object_ref=f"case:{case.id}",
                 detail={"reference": case.reference, "service": definition.id, "version": definition.version,
                         "channel": channel, "fee": fee, "exemption": exemption})
    notices.tell(application, "received", definition=definition)
    if definition.workflow.mode == "automatic":
        _decide_automatically(application, definition)
    return application


def _decide_automatically(application: Application, definition: ServiceDefinition) -> None:
    """Take the first system transition whose guard allows it (approve when the evidence confirms, else refer)."""
    assert definition.workflow is not None
    case = workflow.case_get(case_id=application.case_id)
    assert case is not None
    for transition in definition.workflow.transitions:
        if "system" not in transition.roles or case.state not in transition.from_:
            continue
        if definition.workflow.supplement and transition.name == definition.workflow.supplement.on_expiry:
            continue
        try:
            after = workflow.case_transition(case_id=case.id, transition=transition.name, by=SYSTEM_ACTOR,
                                             roles=["system"], reason="automatic")
        except ValidationError:
            continue  # the guard did not allow it: try the next
        event = ("approve" if after.state == "approved" else "decided") if after.is_final else "referred"
        notices.tell(application, event, definition=definition, state=after.state)
        return


# ---------------------------------------------------------------- after submission


def _refund_if_paid(application: Application, *, reason: str, by: str) -> None:
    if application.payment_id is None:
        return
    payment = finance.payment_get(payment_id=application.payment_id)
    if payment is not None and payment.refunded_amount < payment.amount:
        finance.fee_refund(payment_id=application.payment_id, reason=reason,
                           idempotency_key=f"application:{application.id}:refund", by=by)


def application_act(
    *, application: Application, action: str, official: Any, reason: str = "",
    supplement_deadline: datetime | None = None,
) -> workflow.CaseInfo:
    """An official's step on a case: claim, request a supplement (with a deadline), approve or reject (with reasons).

    The case engine checks that the official's office covers the case and that their
    role may take the step (PermissionDenied otherwise). A refusal and a supplement
    request must say why; the applicant is told each step.
    """
    if action not in OFFICIAL_ACTIONS:
        raise ValidationError(_("Choose one of the steps offered."))
    info = official_info(user_id=official.id)
    if info is None:
        raise PermissionDenied(_("Only an official acts on cases."))
    reason = (reason or "").strip()
    if action in ("reject", "request_supplement") and not reason:
        raise ValidationError(_("Say why, so that the applicant knows what to do."),
                              field_errors={"reason": [_("Give the reasons; the applicant will read them.")]})
    definition = service_definition(application.service_id, application.service_version)
    roles = sorted(info.roles - {"applicant", "system"})
    data_update: dict[str, Any] | None = None
    if action in ("approve", "reject"):
        data_update = {"decision": {"action": action, "reason": reason, "by": str(official.id)}}
    elif action == "request_supplement":
        data_update = {"supplement_request": reason}
    with transaction.atomic():
        case = workflow.case_transition(
            case_id=application.case_id, transition=action, by=_actor(official), reason=reason, roles=roles,
            data_update=data_update, supplement_deadline=supplement_deadline,
            by_label=getattr(official, "display_name", ""),
        )
        if action == "reject":
            _refund_if_paid(application, reason=reason, by=_actor(official))
        notices.tell(application, action, definition=definition, state=case.state, reason=reason,
                     deadline=case.supplement_due_at)
    return case


def application_supplement(*, application: Application, applicant: Any, answer: str) -> workflow.CaseInfo:
    """The applicant answers a request for a supplement (보완); the case goes back to review and its clock runs again."""
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError(_("Write what you add or correct."),
                              field_errors={"answer": [_("Write your answer to the office's request.")]})
    if len(answer) > 4000:
        raise ValidationError(_("Your answer is too long."), field_errors={"answer": [_("Write at most 4000 characters.")]})
    definition = service_definition(application.service_id, application.service_version)
    with transaction.atomic():
        case = workflow.case_transition(case_id=application.case_id, transition="supplement", by=_actor(applicant),
                                        roles=["applicant"], reason=answer, data_update={"supplement_answer": answer})
        notices.tell(application, "supplemented", definition=definition, state=case.state)
    return case


def application_withdraw(*, application: Application, applicant: Any) -> workflow.CaseInfo:
    """The applicant withdraws (취하) while the case is open; a fee paid is refunded."""
    definition = service_definition(application.service_id, application.service_version)
    with transaction.atomic():
        case = workflow.case_transition(case_id=application.case_id, transition="withdraw", by=_actor(applicant),
                                        roles=["applicant"], reason="withdrawn by the applicant")
        _refund_if_paid(application, reason="withdrawn", by=_actor(applicant))
        notices.tell(application, "withdrawn", definition=definition, state=case.state)
    return case


def idempotency_conflict(application: Application, service_id: str) -> None:
    """A key reused for another service is a mistake of the caller, not a retry."""
    if application.service_id != service_id:
        raise Conflict(_("This idempotency key was already used for another application."))

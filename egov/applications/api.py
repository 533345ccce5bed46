"""The applications API (mounted at /api/v1/applications/): what the pages do, for citizens and officials."""

from __future__ import annotations

import dataclasses
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from egov.accounts import public as accounts
from egov.applications import access as application_access
from egov.applications import definitions, presenters, selectors, services
from egov.applications.models import Application
from egov.applications.schemas import (
    ActIn,
    ApplicationOut,
    BundleOut,
    CaseOut,
    CounterBundleOut,
    CounterIn,
    EvidenceOut,
    FormOut,
    PlaceOut,
    QuestionOut,
    SubmitIn,
    SupplementIn,
)
from egov.catalogue.public import service_definition
from egov.core import memo
from egov.core.api_auth import CITIZEN_API, PUBLIC_API, official_api
from egov.core.errors import ValidationError
from egov.workflow import public as workflow

router = Router(tags=["applications"])


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE)[:2]


def _out(application: Application) -> ApplicationOut:
    return ApplicationOut.model_validate(dataclasses.asdict(selectors.view(application, with_history=True)))


@router.get("/forms/{service_id}", response=FormOut, auth=PUBLIC_API, summary="The form of a service or a bundle")
def form_get(request: HttpRequest, service_id: str) -> FormOut:
    definition = service_definition(service_id)
    language = _language()
    members = definitions.bundle_members(definition) if definition.kind == "bundle" else []
    fields = definitions.bundle_form(definition, members) if members else None

    def online_fee(d: Any) -> int:
        return int(d.fee.online_amount if d.fee.online_amount is not None else d.fee.amount)

    return FormOut(
        service_id=definition.id, version=definition.version, name=definition.name.get(language),
        kind=definition.kind, members=[m.id for m in members],
        given_later=[f"{answer.field}: {answer.note.get(language)}" for answer in definition.given],
        fee=sum(online_fee(m) for m in members) if members else online_fee(definition),
        fee_currency=definition.fee.currency,
        questions=[QuestionOut.model_validate(dataclasses.asdict(q))
                   for q in presenters.questions(definition, language, {}, {}, fields=fields)],
        evidence=[EvidenceOut.model_validate(dataclasses.asdict(e))
                  for e in presenters.evidence_lines(definition, language, members=members)],
    )


class PlaceQuery(Schema):
    q: str = Field(min_length=1, max_length=50, description="A name in Hangul or roman letters: 역삼, Yeoksam")


@router.get("/places", response=list[PlaceOut], auth=PUBLIC_API,
            summary="Find a dong, eup, myeon or ri by name, with the codes an address carries")
def places_find(request: HttpRequest, query: Query[PlaceQuery]) -> list[PlaceOut]:
    return [PlaceOut.model_validate(dataclasses.asdict(match))
            for match in accounts.places_named(query=query.q, limit=presenters.PLACE_MATCHES)]


@router.post("/applications", response={200: ApplicationOut, 201: ApplicationOut}, auth=CITIZEN_API,
             summary="Submit an application (idempotent by key)")
def applications_submit(request: HttpRequest, body: SubmitIn) -> Status[ApplicationOut]:
    with memo.scope():  # the answer reads the definition the filing read
        application, replay = services.application_submit_or_replay(
            applicant=request.user, service_id=body.service_id, data=body.data, idempotency_key=body.idempotency_key,
            consent=body.consent, by=request.user, source_ip=request.META.get("REMOTE_ADDR"))
        return Status(200 if replay else 201, _out(application))


def _bundle_out(bundle: selectors.BundleView) -> BundleOut:
    return BundleOut(group=bundle.group, service_id=bundle.service_id, name=bundle.name,
                     submitted_at=bundle.submitted_at,
                     applications=[ApplicationOut.model_validate(dataclasses.asdict(a)) for a in bundle.applications])


def _bundle_replay(applicant_id: UUID, key: str) -> bool:
    group = definitions.bundle_group(key.strip())
    prefix = f"{definitions.BUNDLE_KEY_PREFIX}{group}:"
    return Application.objects.filter(applicant_id=applicant_id,
                                      idempotency_key__range=(prefix, prefix + "~")).exists()


@router.post("/applications/bundles", response={200: BundleOut, 201: BundleOut}, auth=CITIZEN_API,
             summary="Submit a bundle: one form, one application per member service (idempotent by key)")
def bundles_submit(request: HttpRequest, body: SubmitIn) -> Status[BundleOut]:
    replay = _bundle_replay(application_access.signed_in_user_id(request), body.idempotency_key)
    filed = services.bundle_submit(
        applicant=request.user, service_id=body.service_id, data=body.data, idempotency_key=body.idempotency_key,
        consent=body.consent, by=request.user, source_ip=request.META.get("REMOTE_ADDR"))
    return Status(200 if replay else 201, _bundle_out(selectors.bundle_view(filed)))


@router.get("/applications/bundles/{group}", response=BundleOut, auth=CITIZEN_API,
            summary="One of my bundle submissions with each application's history")
def bundles_get(request: HttpRequest, group: str) -> BundleOut:
    return _bundle_out(selectors.bundle_of(applicant_id=application_access.signed_in_user_id(request), group=group))


class ListFilters(Schema):
    limit: int = Field(50, ge=1, le=100)


@router.get("/applications", response=list[ApplicationOut], auth=CITIZEN_API, summary="List my applications")
def applications_list(request: HttpRequest, filters: Query[ListFilters]) -> list[ApplicationOut]:
    items = selectors.applications_of(applicant_id=application_access.signed_in_user_id(request), limit=filters.limit)
    return [ApplicationOut.model_validate(dataclasses.asdict(item)) for item in items]


@router.get("/applications/{application_id}", response=ApplicationOut, auth=CITIZEN_API,
            summary="One of my applications with its history")
def applications_get(request: HttpRequest, application_id: UUID) -> ApplicationOut:
    return _out(application_access.application_for_applicant(user=request.user, application_id=application_id))


@router.post("/applications/{application_id}/supplement", response=ApplicationOut, auth=CITIZEN_API,
             summary="Answer the office's request for a supplement")
def applications_supplement(request: HttpRequest, application_id: UUID, body: SupplementIn) -> ApplicationOut:
    application = application_access.application_for_applicant(user=request.user, application_id=application_id)
    services.application_supplement(application=application, applicant=request.user, answer=body.answer)
    return _out(application)


@router.post("/applications/{application_id}/withdraw", response=ApplicationOut, auth=CITIZEN_API,
             summary="Withdraw one of my open applications")
def applications_withdraw(request: HttpRequest, application_id: UUID) -> ApplicationOut:
    application = application_access.application_for_applicant(user=request.user, application_id=application_id)
    services.application_withdraw(application=application, applicant=request.user)
    return _out(application)


class QueueFilters(Schema):
    overdue: bool = Field(False, description="Only the cases past their due time")


@router.get("/cases", response=list[ApplicationOut], auth=official_api("cases.process"),
            summary="My office's open cases, the earliest due first")
def cases_queue(request: HttpRequest, filters: Query[QueueFilters]) -> list[ApplicationOut]:
    official = application_access.official_of(request.user)
    items = selectors.queue_for(official=official, overdue_only=filters.overdue)
    return [ApplicationOut.model_validate(dataclasses.asdict(item)) for item in items]


def _case_out(request: HttpRequest, application: Application, decides: bool) -> CaseOut:
    actions = workflow.case_available_transitions(case_id=application.case_id, by=f"user:{request.user.id}")
    item: dict[str, Any] = dataclasses.asdict(selectors.view(application, with_history=True))
    item.update(decides=decides, actions=[a for a in actions if a in services.OFFICIAL_ACTIONS] if decides else [])
    return CaseOut.model_validate(item)


@router.get("/cases/{case_id}", response=CaseOut, auth=official_api("backoffice.view"),
            summary="A case of my office, or one it is told about")
def cases_get(request: HttpRequest, case_id: UUID) -> CaseOut:
    application, _official, decides = application_access.application_for_official(user=request.user,
                                                                                  case_id=case_id)
    return _case_out(request, application, decides)


@router.post("/cases/{case_id}/{action}", response=CaseOut, auth=official_api("cases.process"),
             summary="Take a step: claim, request_supplement, approve or reject")
def cases_act(request: HttpRequest, case_id: UUID, action: str, body: ActIn) -> CaseOut:
    application, _official, decides = application_access.application_for_official(user=request.user,
                                                                                  case_id=case_id)
    services.application_act(application=application, action=action, official=request.user, reason=body.reason,
                             supplement_deadline=body.supplement_deadline)
    return _case_out(request, application, decides)


@router.post("/counter", response={200: CaseOut, 201: CaseOut}, auth=official_api("counter.serve"),
             summary="File an application for a walk-in visitor (an office visit)")
def counter_submit(request: HttpRequest, body: CounterIn) -> Status[CaseOut]:
    visitor = get_user_model().objects.filter(username=body.visitor_username, is_active=True).first()
    if visitor is None:
        raise ValidationError(_("Find the visitor's account first."), field_errors={
            "visitor_username": [_("No account has this user name: ask the visitor for the one they sign in with.")]})
    with memo.scope():  # the answer reads the definition the filing read
        application, replay = services.application_submit_or_replay(
            applicant=visitor, service_id=body.service_id, data=body.data, idempotency_key=body.idempotency_key,
            channel="counter", consent=body.consent, by=request.user, source_ip=request.META.get("REMOTE_ADDR"))
        return Status(200 if replay else 201, _case_out(request, application, True))


@router.post("/counter/bundles", response={200: CounterBundleOut, 201: CounterBundleOut},
             auth=official_api("counter.serve"), summary="File a bundle for a walk-in visitor (an office visit)")
def counter_bundle_submit(request: HttpRequest, body: CounterIn) -> Status[CounterBundleOut]:
    visitor = get_user_model().objects.filter(username=body.visitor_username, is_active=True).first()
    if visitor is None:
        raise ValidationError(_("Find the visitor's account first."), field_errors={
            "visitor_username": [_("No account has this user name: ask the visitor for the one they sign in with.")]})
    replay = _bundle_replay(visitor.id, body.idempotency_key)
    filed = services.bundle_submit(
        applicant=visitor, service_id=body.service_id, data=body.data, idempotency_key=body.idempotency_key,
        channel="counter", consent=body.consent, by=request.user, source_ip=request.META.get("REMOTE_ADDR"))
    bundle = selectors.bundle_view(filed)
    return Status(200 if replay else 201, CounterBundleOut(
        group=bundle.group, service_id=bundle.service_id, name=bundle.name, submitted_at=bundle.submitted_at,
        cases=[_case_out(request, a, True) for a in filed]))

"""Pages: apply for a service, my applications (My Gov), and the back office's queue, case and counter pages.

Thin, as everywhere: parse, access, one service or selector, render. Validation
errors come back on the same page, each under its field.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from egov.accounts.public import organisation
from egov.applications import access as application_access
from egov.applications import definitions, presenters, selectors, services
from egov.catalogue.public import FormField, ServiceDefinition, service_definition
from egov.certificates import public as certificates
from egov.core.access import CITIZEN, access, official
from egov.core.errors import PermissionDenied, ValidationError
from egov.workflow import public as workflow


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE)[:2]


def _fee_text(definition: ServiceDefinition, channel: str, members: list[ServiceDefinition]) -> int:
    if members:
        return sum(_fee_text(member, channel, []) for member in members)
    fee = definition.fee
    return fee.online_amount if channel == "online" and fee.online_amount is not None else fee.amount


def _form_of(definition: ServiceDefinition) -> tuple[list[ServiceDefinition], tuple[FormField, ...] | None]:
    """A bundle's member services and its one form; a service's own form (None) and no members."""
    if definition.kind != "bundle":
        return [], None
    members = definitions.bundle_members(definition)
    return members, definitions.bundle_form(definition, members)


def _form_page(request: HttpRequest, definition: ServiceDefinition, *, template: str, channel: str,
               values: dict[str, Any] | None = None, errors: dict[str, list[str]] | None = None,
               key: str = "", extra: dict[str, Any] | None = None, status: int = 200,
               lookups: dict[str, presenters.PlaceLookup] | None = None) -> HttpResponse:
    language = _language()
    errors = errors or {}
    members, fields = _form_of(definition)
    evidence = presenters.evidence_lines(definition, language, members=members)
    questions = presenters.questions(definition, language, values or {}, errors, fields=fields, lookups=lookups)
    context = {
        "definition": definition, "service_name": definition.name.get(language),
        "description": definition.description.get(language),
        "questions": questions, "has_finder": any(q.type == "address" for q in questions),
        "evidence": evidence, "needs_consent": any(line.needs_consent for line in evidence),
        "fee": _fee_text(definition, channel, members), "fee_currency": definition.fee.currency,
        "fee_per": definition.fee.per if not members else "application",
        "general_errors": errors.get("__all__", []), "consent_errors": errors.get("consent", []),
        "has_errors": bool(errors), "idempotency_key": key or uuid.uuid4().hex,
        "channel_allowed": all(definitions.channel_allowed(d, channel) for d in (definition, *members)),
        "is_bundle": bool(members), "members": [member.name.get(language) for member in members],
        "given_notes": [answer.note.get(language) for answer in definition.given],
        **(extra or {}),
    }
    return render(request, template, context, status=status)


def _answers_posted(request: HttpRequest, definition: ServiceDefinition,
                    ) -> tuple[dict[str, Any], dict[str, presenters.PlaceLookup] | None]:
    """The answers sent, and the address finder's results when the citizen asked it rather than submitting.

    A "Find" or a pick stores no upload: the page comes back to be completed and sent.
    """
    _members, fields = _form_of(definition)
    values = presenters.answers_from_post(definition, request.POST, {}, fields=fields)
    lookups = presenters.place_lookup(definition.form if fields is None else fields, request.POST, values,
                                      _language())
    if lookups is not None:
        return values, lookups
    return presenters.answers_from_post(definition, request.POST, request.FILES, fields=fields), None


@access(CITIZEN)
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, service_id: str) -> HttpResponse:
    definition = service_definition(service_id)
    linked = getattr(request.user, "resident_id", None) is not None
    extra = {"linked": linked}
    if request.method == "GET":
        return _form_page(request, definition, template="applications/apply.html", channel="online", extra=extra)
    values, lookups = _answers_posted(request, definition)
    key = request.POST.get("idempotency_key", "")
    if lookups is not None:
        return _form_page(request, definition, template="applications/apply.html", channel="online", values=values,
                          key=key, extra=extra, lookups=lookups)
    submit = services.bundle_submit if definition.kind == "bundle" else services.application_submit
    try:
        filed = submit(
            applicant=request.user, service_id=service_id, data=values, idempotency_key=key,
            consent=request.POST.get("consent") == "1", by=request.user, source_ip=request.META.get("REMOTE_ADDR"))
    except ValidationError as error:
        errors = error.field_errors or {"__all__": [error.message]}
        return _form_page(request, definition, template="applications/apply.html", channel="online", values=values,
                          errors=errors, key=key, extra=extra, status=400)
    if isinstance(filed, list):
        return HttpResponseRedirect(reverse("applications:bundle", args=[definitions.bundle_group(key.strip())]))
    return HttpResponseRedirect(reverse("applications:detail", args=[filed.id]))


@access(CITIZEN)
@require_http_methods(["GET"])
def mine(request: HttpRequest) -> HttpResponse:
    items = selectors.applications_of(applicant_id=application_access.signed_in_user_id(request))
    return render(request, "applications/mine.html", {"entries": selectors.grouped(items)})


def _office_names(bundle: selectors.BundleView) -> dict[UUID, str]:
    """The name of the office each member went to, in the reader's language."""
    names: dict[UUID, str] = {}
    for item in bundle.applications:
        office = organisation(id=item.organisation_id) if item.organisation_id else None
        if office is not None:
            names[item.case_id] = office.name_en if _language() == "en" and office.name_en else office.name
    return names


def _openable(request: HttpRequest, filed: list[Any]) -> set[UUID]:
    """The cases of a bundle the clerk's office decides or is told about: the others belong to other offices."""
    found = set()
    for application in filed:
        try:
            application_access.application_for_official(user=request.user, case_id=application.case_id)
        except PermissionDenied:
            continue
        found.add(application.case_id)
    return found


@access(CITIZEN)
@require_http_methods(["GET"])
def bundle(request: HttpRequest, group: str) -> HttpResponse:
    """The result page of a bundle submission: each member's case, its state and the office handling it."""
    found = selectors.bundle_of(applicant_id=application_access.signed_in_user_id(request), group=group)
    offices = _office_names(found)
    return render(request, "applications/bundle.html", {
        "bundle": found, "rows": [(item, offices.get(item.case_id, "")) for item in found.applications]})


@access(CITIZEN)
@require_http_methods(["GET"])
def detail(request: HttpRequest, application_id: UUID) -> HttpResponse:
    application = application_access.application_for_applicant(user=request.user, application_id=application_id)
    item = selectors.view(application, with_history=True)
    actions = workflow.case_available_transitions(case_id=application.case_id, by=f"user:{request.user.id}",
                                                  roles=["applicant"])
    documents = certificates.documents_of_application(application_id=application.id, holder_id=request.user.pk)
    return render(request, "applications/detail.html", {"item": item, "actions": actions, "documents": documents})


@access(CITIZEN)
@require_POST
def supplement(request: HttpRequest, application_id: UUID) -> HttpResponse:
    application = application_access.application_for_applicant(user=request.user, application_id=application_id)
    try:
        services.application_supplement(application=application, applicant=request.user,
                                        answer=request.POST.get("answer", ""))
    except ValidationError as error:
        item = selectors.view(application, with_history=True)
        return render(request, "applications/detail.html",
                      {"item": item, "actions": ["supplement"], "errors": error.field_errors}, status=400)
    return HttpResponseRedirect(reverse("applications:detail", args=[application.id]))


@access(CITIZEN)
@require_POST
def withdraw(request: HttpRequest, application_id: UUID) -> HttpResponse:
    application = application_access.application_for_applicant(user=request.user, application_id=application_id)
    services.application_withdraw(application=application, applicant=request.user)
    return HttpResponseRedirect(reverse("applications:detail", args=[application.id]))


# ---------------------------------------------------------------- back office


@access(official("cases.process"))
@require_http_methods(["GET"])
def queue(request: HttpRequest) -> HttpResponse:
    official_info = application_access.official_of(request.user)
    overdue = request.GET.get("overdue") == "1"
    return render(request, "applications/backoffice/queue.html", {
        "official": official_info, "overdue": overdue,
        "items": selectors.queue_for(official=official_info, overdue_only=overdue),
        "informed": selectors.informed_of(official=official_info),
    })


@access(official("backoffice.view"))
@require_http_methods(["GET"])
def case(request: HttpRequest, case_id: UUID) -> HttpResponse:
    application, official_info, decides = application_access.application_for_official(user=request.user,
                                                                                      case_id=case_id)
    return _case_page(request, application, decides)


def _answer_text(item: Any, value: Any, language: str) -> str:
    """An answer as the official reads it: a choice by its label, an address on one line, yes or no."""
    if isinstance(value, dict):
        if value.get("road"):
            line = " ".join(str(value[p]) for p in ("sido", "sigungu", "road", "building_number") if value.get(p))
            return line + (f", {value['detail']}" if value.get("detail") else "")
        return str(value.get("name") or "")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    label = next((c.label.get(language) for c in item.choices if c.value == value), None) if item else None
    return label or str(value)


def _answers(application: Any, language: str, *, bundle_id: str = "", bundle_version: int = 0,
             ) -> list[tuple[str, str]]:
    """The form's answers under the questions' labels, in the order of the form the case was filed under."""
    definition = service_definition(application.service_id, application.service_version)
    form = dict(application.form)
    fields = list(definition.form)
    if bundle_id and bundle_version:
        # A bundle's own questions travel with each member's answers.
        fields += [f for f in service_definition(bundle_id, bundle_version).form if definition.field(f.name) is None]
    known = [(item, form[item.name]) for item in fields if item.name in form]
    extra = [(None, name, value) for name, value in form.items() if all(item.name != name for item, _v in known)]
    # A question another application of the bundle answers later (the child's number) says so.
    waiting = [(item, (entry.get("note") or {}).get(language[:2], "")) for entry in application.awaiting
               for item in fields if item.name == entry.get("field")]
    return ([(item.label.get(language), _answer_text(item, value, language)) for item, value in known]
            + [(name, _answer_text(None, value, language)) for _none, name, value in extra]
            + [(item.label.get(language), str(note)) for item, note in waiting])


def _case_page(request: HttpRequest, application: Any, decides: bool, *, errors: dict[str, list[str]] | None = None,
               status: int = 200) -> HttpResponse:
    actions = workflow.case_available_transitions(case_id=application.case_id, by=f"user:{request.user.id}")
    actions = [a for a in actions if a in services.OFFICIAL_ACTIONS] if decides else []
    item = selectors.view(application, with_history=True)
    return render(request, "applications/backoffice/case.html", {
        "item": item, "actions": actions, "decides": decides,
        "answers": _answers(application, _language(), bundle_id=item.bundle_id, bundle_version=item.bundle_version),
        "errors": errors or {},
    }, status=status)


def _deadline(raw: str) -> datetime | None:
    """A supplement deadline given as a date ends at 18:00 local time that day."""
    if not raw:
        return None
    try:
        day = datetime.fromisoformat(raw).date()
    except ValueError:
        raise ValidationError(_("Give the deadline as a date."),
                              field_errors={"deadline": [_("Give the deadline as year-month-day.")]}) from None
    return datetime.combine(day, time(18), tzinfo=ZoneInfo(settings.TIME_ZONE))


@access(official("cases.process"))
@require_POST
def act(request: HttpRequest, case_id: UUID, action: str) -> HttpResponse:
    application, _official, decides = application_access.application_for_official(user=request.user,
                                                                                  case_id=case_id)
    try:
        services.application_act(application=application, action=action, official=request.user,
                                 reason=request.POST.get("reason", ""),
                                 supplement_deadline=_deadline(request.POST.get("deadline", "")))
    except ValidationError as error:
        return _case_page(request, application, decides, errors=error.field_errors or {"__all__": [error.message]},
                          status=400)
    return HttpResponseRedirect(reverse("applications_backoffice:case", args=[case_id]))


@access(official("counter.serve"))
@require_http_methods(["GET"])
def counter(request: HttpRequest) -> HttpResponse:
    service_id = request.GET.get("service", "").strip()
    if service_id:
        return HttpResponseRedirect(reverse("applications_backoffice:counter_file", args=[service_id]))
    from egov.catalogue.public import task_areas

    return render(request, "applications/backoffice/counter.html", {"areas": task_areas(_language())})


@access(official("counter.serve"))
@require_http_methods(["GET", "POST"])
def counter_file(request: HttpRequest, service_id: str) -> HttpResponse:
    definition = service_definition(service_id)
    template = "applications/backoffice/counter_file.html"
    if request.method == "GET":
        return _form_page(request, definition, template=template, channel="counter")
    values, lookups = _answers_posted(request, definition)
    key = request.POST.get("idempotency_key", "")
    visitor_name = request.POST.get("visitor", "").strip()
    extra: dict[str, Any] = {"visitor": visitor_name}
    if lookups is not None:
        return _form_page(request, definition, template=template, channel="counter", values=values, key=key,
                          extra=extra, lookups=lookups)
    visitor = get_user_model().objects.filter(username=visitor_name, is_active=True).first() if visitor_name else None
    submit = services.bundle_submit if definition.kind == "bundle" else services.application_submit
    try:
        if visitor is None:
            raise ValidationError(_("Find the visitor's account first."), field_errors={
                "visitor": [_("No account has this user name: ask the visitor for the one they sign in with.")]})
        filed = submit(
            applicant=visitor, service_id=service_id, data=values, idempotency_key=key, channel="counter",
            consent=request.POST.get("consent") == "1", by=request.user, source_ip=request.META.get("REMOTE_ADDR"))
    except ValidationError as error:
        errors = error.field_errors or {"__all__": [error.message]}
        extra["visitor_errors"] = errors.get("visitor", [])
        return _form_page(request, definition, template=template, channel="counter", values=values, errors=errors,
                          key=key, extra=extra, status=400)
    if isinstance(filed, list):
        # A retried submission shows the same cases again: the key makes the filing idempotent.
        bundle = selectors.bundle_view(filed)
        offices, openable = _office_names(bundle), _openable(request, filed)
        return render(request, "applications/backoffice/counter_bundle.html", {
            "bundle": bundle, "visitor": visitor_name,
            "rows": [(item, offices.get(item.case_id, ""), item.case_id in openable) for item in bundle.applications]})
    return HttpResponseRedirect(reverse("applications_backoffice:case", args=[filed.case_id]))

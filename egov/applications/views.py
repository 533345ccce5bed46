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

from egov.applications import access as application_access
from egov.applications import definitions, presenters, selectors, services
from egov.catalogue.public import ServiceDefinition, service_definition
from egov.core.access import CITIZEN, access, official
from egov.core.errors import ValidationError
from egov.workflow import public as workflow


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE)[:2]


def _fee_text(definition: ServiceDefinition, channel: str) -> int:
    fee = definition.fee
    return fee.online_amount if channel == "online" and fee.online_amount is not None else fee.amount


def _form_page(request: HttpRequest, definition: ServiceDefinition, *, template: str, channel: str,
               values: dict[str, Any] | None = None, errors: dict[str, list[str]] | None = None,
               key: str = "", extra: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    language = _language()
    errors = errors or {}
    context = {
        "definition": definition, "service_name": definition.name.get(language),
        "description": definition.description.get(language),
        "questions": presenters.questions(definition, language, values or {}, errors),
        "evidence": presenters.evidence_lines(definition, language),
        "needs_consent": any(not e.consent_exempt_article for e in definition.evidence),
        "fee": _fee_text(definition, channel), "fee_currency": definition.fee.currency, "fee_per": definition.fee.per,
        "general_errors": errors.get("__all__", []), "consent_errors": errors.get("consent", []),
        "has_errors": bool(errors), "idempotency_key": key or uuid.uuid4().hex,
        "channel_allowed": definitions.channel_allowed(definition, channel),
        "is_bundle": definition.kind != "service", **(extra or {}),
    }
    return render(request, template, context, status=status)


@access(CITIZEN)
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, service_id: str) -> HttpResponse:
    definition = service_definition(service_id)
    linked = getattr(request.user, "resident_id", None) is not None
    extra = {"linked": linked}
    if request.method == "GET":
        return _form_page(request, definition, template="applications/apply.html", channel="online", extra=extra)
    values = presenters.answers_from_post(definition, request.POST, request.FILES)
    key = request.POST.get("idempotency_key", "")
    try:
        application = services.application_submit(
            applicant=request.user, service_id=service_id, data=values, idempotency_key=key,
            consent=request.POST.get("consent") == "1", by=request.user, source_ip=request.META.get("REMOTE_ADDR"))
    except ValidationError as error:
        errors = error.field_errors or {"__all__": [error.message]}
        return _form_page(request, definition, template="applications/apply.html", channel="online", values=values,
                          errors=errors, key=key, extra=extra, status=400)
    return HttpResponseRedirect(reverse("applications:detail", args=[application.id]))


@access(CITIZEN)
@require_http_methods(["GET"])
def mine(request: HttpRequest) -> HttpResponse:
    items = selectors.applications_of(applicant_id=application_access.signed_in_user_id(request))
    return render(request, "applications/mine.html", {"items": items})


@access(CITIZEN)
@require_http_methods(["GET"])
def detail(request: HttpRequest, application_id: UUID) -> HttpResponse:
    application = application_access.application_for_applicant(user=request.user, application_id=application_id)
    item = selectors.view(application, with_history=True)
    actions = workflow.case_available_transitions(case_id=application.case_id, by=f"user:{request.user.id}",
                                                  roles=["applicant"])
    return render(request, "applications/detail.html", {"item": item, "actions": actions})


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


def _answers(application: Any, language: str) -> list[tuple[str, str]]:
    """The form's answers under the questions' labels, in the order of the form the case was filed under."""
    definition = service_definition(application.service_id, application.service_version)
    form = dict(application.form)
    known = [(item, form[item.name]) for item in definition.form if item.name in form]
    extra = [(None, name, value) for name, value in form.items() if all(item.name != name for item, _v in known)]
    return ([(item.label.get(language), _answer_text(item, value, language)) for item, value in known]
            + [(name, _answer_text(None, value, language)) for _none, name, value in extra])


def _case_page(request: HttpRequest, application: Any, decides: bool, *, errors: dict[str, list[str]] | None = None,
               status: int = 200) -> HttpResponse:
    actions = workflow.case_available_transitions(case_id=application.case_id, by=f"user:{request.user.id}")
    actions = [a for a in actions if a in services.OFFICIAL_ACTIONS] if decides else []
    return render(request, "applications/backoffice/case.html", {
        "item": selectors.view(application, with_history=True), "actions": actions, "decides": decides,
        "answers": _answers(application, _language()), "errors": errors or {},
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
    values = presenters.answers_from_post(definition, request.POST, request.FILES)
    key = request.POST.get("idempotency_key", "")
    visitor_name = request.POST.get("visitor", "").strip()
    visitor = get_user_model().objects.filter(username=visitor_name, is_active=True).first() if visitor_name else None
    extra: dict[str, Any] = {"visitor": visitor_name}
    try:
        if visitor is None:
            raise ValidationError(_("Find the visitor's account first."), field_errors={
                "visitor": [_("No account has this user name: ask the visitor for the one they sign in with.")]})
        application = services.application_submit(
            applicant=visitor, service_id=service_id, data=values, idempotency_key=key, channel="counter",
            consent=request.POST.get("consent") == "1", by=request.user, source_ip=request.META.get("REMOTE_ADDR"))
    except ValidationError as error:
        errors = error.field_errors or {"__all__": [error.message]}
        extra["visitor_errors"] = errors.get("visitor", [])
        return _form_page(request, definition, template=template, channel="counter", values=values, errors=errors,
                          key=key, extra=extra, status=400)
    return HttpResponseRedirect(reverse("applications_backoffice:case", args=[application.case_id]))

"""Pages of identity proofing: the clerk's counter, the citizen's proof page, the operators' contact outbox.

Thin: parse the form, call one service, render. Numbers and codes travel only in POST
bodies (never in addresses, which end up in logs), the pages are never cached, and
Django's error reports leave those fields out.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from egov.core.access import CITIZEN, OPERATOR, access, official
from egov.core.errors import ApplicationError
from egov.registries import proofing
from egov.registries.proofing_forms import CodeRequestForm, CounterIssueForm, CounterLookupForm, ProofForm


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


@access(official(proofing.PERMISSION))
@sensitive_post_parameters("number")
@never_cache
@require_http_methods(["GET", "POST"])
def counter(request: HttpRequest) -> HttpResponse:
    """Look the visitor up by the number on their ID card, then issue a code shown once."""
    provider = proofing.identity_provider()
    action = request.POST.get("action", "lookup") if request.method == "POST" else ""
    form = CounterLookupForm(request.POST if action == "lookup" else None)
    context: dict[str, Any] = {"provider": provider, "form": form}
    status = 200
    if action == "issue":
        issue = CounterIssueForm(request.POST)
        if not issue.is_valid():
            form.add_error(None, _("Look the visitor up again."))
            status = 400
        else:
            try:
                issued = proofing.proofing_code_issue_at_counter(
                    clerk=request.user, resident_id=issue.cleaned_data["resident"], source_ip=_ip(request)
                )
            except ApplicationError as error:
                form.add_service_error(error)
                status = error.status
            else:
                context["issued"] = issued
    elif action == "lookup":
        status = 400
        if form.is_valid():
            try:
                context["record"] = proofing.proofing_resident_lookup(
                    clerk=request.user, number=form.cleaned_data["number"], source_ip=_ip(request)
                )
                status = 200
            except ApplicationError as error:
                form.add_service_error(error)
                status = error.status
    return render(request, "registries/proofing/counter.html", context, status=status)


@access(OPERATOR)
@never_cache
def contact_outbox(request: HttpRequest) -> HttpResponse:
    """What the local identity provider "sent" to residents' phones and mailboxes."""
    provider = proofing.identity_provider()
    return render(
        request, "registries/proofing/outbox.html",
        {"provider": provider, "outbox": proofing.contact_outbox_list(limit=50)},
    )


@access(CITIZEN)
@sensitive_post_parameters("proof-number", "proof-code", "send-number")
@never_cache
@require_http_methods(["GET", "POST"])
def proof(request: HttpRequest) -> HttpResponse:
    """The citizen proves who they are and their account is linked to their resident record."""
    provider = proofing.identity_provider()
    user = request.user
    action = request.POST.get("action", "") if request.method == "POST" else ""
    proof_form = ProofForm(request.POST if action == "prove" else None, prefix="proof")
    send_form = CodeRequestForm(request.POST if action == "send" else None, prefix="send")
    status = 200
    if action and getattr(user, "resident_id", None):
        status = 409  # already linked: the page says so and offers no form
    elif action == "start" and provider.redirects:
        return_url = request.build_absolute_uri(reverse("registries:proof_return"))
        assert user.pk is not None  # @access(CITIZEN)
        return HttpResponseRedirect(provider.start(user_id=user.pk, return_url=return_url, session=request.session))
    elif action == "prove":
        status = 400
        if proof_form.is_valid():
            try:
                proofing.identity_proof(
                    user=user, evidence=proof_form.cleaned_data, session=request.session, source_ip=_ip(request)
                )
            except ApplicationError as error:
                proof_form.add_service_error(error)
                status = error.status
            else:
                return _proven(request)
    elif action == "send":
        status = 400
        if send_form.is_valid():
            try:
                proofing.identity_code_request(user=user, number=send_form.cleaned_data["number"], source_ip=_ip(request))
            except ApplicationError as error:
                send_form.add_service_error(error)
                status = error.status
            else:
                messages.info(request, _(
                    "If this number is on the resident register with a mobile phone number or an e-mail address, "
                    "a code has been sent there. Enter it below."
                ))
                return redirect("registries:proof")
    context = {"provider": provider, "proof_form": proof_form, "send_form": send_form,
               "ttl_minutes": settings.EGOV_PROOFING_CODE_TTL_MINUTES}
    return render(request, "registries/proofing/proof.html", context, status=status)


@access(CITIZEN)
@never_cache
def proof_return(request: HttpRequest) -> HttpResponse:
    """Where a redirecting identity provider sends the citizen back, its answer in the query."""
    provider = proofing.identity_provider()
    if not provider.redirects or getattr(request.user, "resident_id", None):
        return redirect("registries:proof")
    try:
        proofing.identity_proof(
            user=request.user, evidence=request.GET.dict(), session=request.session, source_ip=_ip(request)
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("registries:proof")
    return _proven(request)


def _proven(request: HttpRequest) -> HttpResponse:
    messages.success(request, _("Your identity is proven: your account is now linked to your resident record."))
    return redirect("portal:my_gov")

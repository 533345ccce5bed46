"""Pages of the information-sharing gate: a citizen's consents on My Gov, the operators' back office.

A citizen whose account is linked to a resident record sees their consents, gives one
(which data, for what purpose, to which organisation, for how long) and revokes one;
the gate checks the consent on every request that cites it. Operators see the data
products, grant and revoke access rights, and read the exchange log. Views are thin:
parse the form, call one service or selector, render; writes are POSTs with CSRF, so
every page works without JavaScript.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from egov.core.access import CITIZEN, access, official
from egov.core.audit import request_actor
from egov.core.errors import ApplicationError
from egov.exchange import public, selectors, services
from egov.exchange.forms import DEFAULT_CONSENT_DAYS, AccessRightGrantForm, ConsentGrantForm

READ = "exchange.read"
MANAGE = "exchange.manage"


def _ip(request: HttpRequest) -> str | None:
    return request_actor(request).get("source_ip")


# --- My Gov: consents -------------------------------------------------------------------------------


@access(CITIZEN)
@never_cache
@require_http_methods(["GET", "POST"])
def consents(request: HttpRequest) -> HttpResponse:
    """The person's consents and the form to give one.

    An organisation may link here with ``?product=…&purpose=…&recipient=…`` to have the
    form filled in; the person still reads it and decides.
    """
    user: Any = request.user
    resident_id = getattr(user, "resident_id", None)
    if resident_id is None:
        return render(request, "exchange/consents.html", {"linked": False})
    status = 200
    if request.method == "POST":
        form = ConsentGrantForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                public.consent_grant(user=user, product_code=data["product"], purpose=data["purpose"],
                                     recipient=data["recipient"], days=data["days"], source_ip=_ip(request))
            except ApplicationError as error:
                form.add_service_error(error)
                status = error.status
            else:
                messages.success(request, _("Your consent is recorded. You can revoke it here at any time."))
                return redirect("exchange_consents:list")
    else:
        suggested = request.GET.get("recipient", "").strip()[:60]
        initial = {"product": request.GET.get("product", ""), "purpose": request.GET.get("purpose", ""),
                   "recipient": suggested, "days": DEFAULT_CONSENT_DAYS}
        form = ConsentGrantForm(initial=initial, suggested_recipient=suggested)
    context = {"linked": True, "consents": public.consents_of(resident_id=resident_id), "form": form}
    return render(request, "exchange/consents.html", context, status=status)


@access(CITIZEN)
@never_cache
@require_POST
def consent_revoke(request: HttpRequest, consent_id: uuid.UUID) -> HttpResponse:
    """Withdraw one of the person's consents; the gate refuses every later request that cites it."""
    try:
        public.consent_revoke(user=request.user, consent_id=consent_id, source_ip=_ip(request))
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("exchange_consents:list")
    messages.success(request, _("The consent is revoked. Requests that cite it are refused from now on."))
    return redirect("exchange_consents:list")


# --- back office -------------------------------------------------------------------------------------


@access(official(READ))
@require_safe
@never_cache
def products(request: HttpRequest) -> HttpResponse:
    """The data products: what each releases, who owns it, under which act."""
    return render(request, "exchange/backoffice/products.html",
                  {"products": selectors.products_list(active_only=False).order_by("code", "-version")})


def _rights_page(request: HttpRequest, form: AccessRightGrantForm | None, status: int = 200) -> HttpResponse:
    user: Any = request.user
    rights = selectors.rights_list(include_revoked=request.GET.get("revoked") == "1")
    return render(request, "exchange/backoffice/rights.html",
                  {"rights": rights, "form": form, "may_manage": user.has_egov_perm(MANAGE),
                   "show_revoked": request.GET.get("revoked") == "1"}, status=status)


@access(official(READ))
@require_safe
@never_cache
def rights(request: HttpRequest) -> HttpResponse:
    """The access rights: which consumer may read which product for which purpose, and whether consent is needed."""
    user: Any = request.user
    return _rights_page(request, AccessRightGrantForm() if user.has_egov_perm(MANAGE) else None)


@access(official(MANAGE))
@never_cache
@require_http_methods(["GET", "POST"])
def right_grant(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _rights_page(request, AccessRightGrantForm())
    form = AccessRightGrantForm(request.POST)
    if not form.is_valid():
        return _rights_page(request, form, status=400)
    data = form.cleaned_data
    try:
        services.access_right_grant(by=request.user, consumer=data["consumer"], product_code=data["product_code"],
                                    purpose=data["purpose"], consent_exempt_article=data["consent_exempt_article"])
    except ApplicationError as error:
        form.add_service_error(error)
        return _rights_page(request, form, status=error.status)
    messages.success(request, _("The access right is granted."))
    return redirect("exchange_backoffice:rights")


@access(official(MANAGE))
@never_cache
@require_POST
def right_revoke(request: HttpRequest, right_id: uuid.UUID) -> HttpResponse:
    try:
        services.access_right_revoke(by=request.user, right_id=right_id)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The access right is revoked: the consumer's next request under it is refused."))
    return redirect("exchange_backoffice:rights")


@access(official(READ))
@require_safe
@never_cache
def log(request: HttpRequest) -> HttpResponse:
    """The latest requests through the gate, released or refused."""
    return render(request, "exchange/backoffice/log.html", {"entries": selectors.log_list(limit=100)})

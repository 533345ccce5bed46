"""The registries' back office: officials look up and correct records under the registry's act.

Every page that shows a person's data reads it through ``egov.registries.public``
with the official as the reader, the purpose they chose and the registry's legal
basis, so each view is one audit entry the person concerned sees on My Gov. A
resident page first checks the official's jurisdiction (``access``) and refuses,
as if there were no such resident, before anything is read or logged. Pages work
without JavaScript: searches are GET forms, the correction a POST.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from egov.core.access import access, official
from egov.core.audit import request_actor
from egov.core.errors import ApplicationError, NotFound, ValidationError
from egov.registries import public
from egov.registries.access import access_resident, access_resident_by_number, jurisdiction_of
from egov.registries.forms import (
    BusinessSearchForm,
    ParcelSearchForm,
    PurposeForm,
    ResidentCorrectionForm,
    ResidentSearchForm,
    VehicleSearchForm,
)
from egov.registries.history import Cause
from egov.registries.models import Registry
from egov.registries.services import residents as resident_services

# Officials correct a record of their own motion after fact-finding (직권 정정).
CORRECTION_BASIS = gettext_noop("Resident Registration Act, Article 20")


def _reader(request: HttpRequest) -> public.Reader:
    return public.reader_for_user(request.user, source_ip=request_actor(request).get("source_ip"))


def _resident_url(resident_id: uuid.UUID, purpose: str) -> str:
    return reverse("registries_backoffice:resident", args=[resident_id]) + "?" + urlencode({"purpose": purpose})


@access(official("backoffice.view"))
@require_safe
@never_cache
def home(request: HttpRequest) -> HttpResponse:
    """The registries an official may open, by their permissions."""
    user: Any = request.user
    links = [
        (perm, name, label)
        for perm, name, label in (
            ("registry.residents.read", "registries_backoffice:residents", _("Residents and households")),
            ("registry.vehicles.read", "registries_backoffice:vehicles", _("Vehicles")),
            ("registry.property.read", "registries_backoffice:property", _("Land and buildings")),
            ("registry.businesses.read", "registries_backoffice:businesses", _("Businesses")),
        )
        if user.has_egov_perm(perm)
    ]
    return render(request, "registries/backoffice/home.html",
                  {"registers": [(reverse(name), label) for _perm, name, label in links]})


@access(official("registry.residents.read"))
@require_safe
@never_cache
def resident_search(request: HttpRequest) -> HttpResponse:
    """Find a resident by number (straight to their page), by name or by road, within the jurisdiction."""
    form = ResidentSearchForm(request.GET or None)
    results: list[public.PersonSummary] | None = None
    purpose = ""
    status = 200
    if request.GET and form.is_valid():
        by, text, purpose = form.cleaned_data["by"], form.cleaned_data["q"], form.cleaned_data["purpose"]
        if by == ResidentSearchForm.BY_NUMBER:
            try:
                resident_id = access_resident_by_number(user=request.user, number=text)
            except NotFound as error:
                form.add_error("q", error.message)
                status = 404
            else:
                return HttpResponseRedirect(_resident_url(resident_id, purpose))
        else:
            results = public.resident_search(
                reader=_reader(request), purpose=purpose, basis=public.LEGAL_BASES[Registry.RESIDENTS],
                name=text if by == ResidentSearchForm.BY_NAME else "",
                road=text if by == ResidentSearchForm.BY_ROAD else "",
                admin_dong_codes=jurisdiction_of(request.user).search_codes,
            )
    elif request.GET:
        status = 400
    return render(request, "registries/backoffice/resident_search.html",
                  {"form": form, "results": results, "purpose": purpose}, status=status)


@access(official("registry.residents.read"))
@require_safe
@never_cache
def resident_detail(request: HttpRequest, resident_id: uuid.UUID) -> HttpResponse:
    """A resident's file: record, address history, household, family and events; asks the purpose first."""
    access_resident(user=request.user, resident_id=resident_id)
    form = PurposeForm(request.GET if "purpose" in request.GET else None)
    if not form.is_valid():
        return render(request, "registries/backoffice/resident_purpose.html",
                      {"form": form, "resident_id": resident_id}, status=400 if form.is_bound else 200)
    purpose = form.cleaned_data["purpose"]
    dossier = public.resident_dossier(resident_id=resident_id, reader=_reader(request), purpose=purpose,
                                      basis=public.LEGAL_BASES[Registry.RESIDENTS])
    if dossier is None:
        raise NotFound(_("There is no resident with this number in your jurisdiction."))
    jurisdiction = jurisdiction_of(request.user)
    people = [*(dossier.household.members if dossier.household else ()),
              *(tie.person for ties in (dossier.family.parents, dossier.family.spouses, dossier.family.children)
                for tie in ties)]
    return render(request, "registries/backoffice/resident_detail.html", {
        "dossier": dossier, "record": dossier.record, "purpose": purpose, "purpose_label": _(public.PURPOSES[purpose]),
        # Relatives are linked only where the official may open them.
        "linkable": {p.id for p in people if p.id != resident_id and jurisdiction.covers(p.admin_dong_code)},
        "can_correct": request.user.has_egov_perm("registry.residents.correct"),  # type: ignore[union-attr]
    })


@access(official("registry.residents.correct"))
@require_http_methods(["GET", "POST"])
@never_cache
def resident_correct(request: HttpRequest, resident_id: uuid.UUID) -> HttpResponse:
    """Correct a resident's name or registration base, with a reason; the correction is an event."""
    access_resident(user=request.user, resident_id=resident_id)
    record = public.resident_record(resident_id=resident_id, reader=_reader(request), purpose="record_correction",
                                    basis=public.LEGAL_BASES[Registry.RESIDENTS])
    if record is None:
        raise NotFound(_("There is no resident with this number in your jurisdiction."))
    current = {name: getattr(record, name) for name in ResidentCorrectionForm.CORRECTABLE}
    form = ResidentCorrectionForm(request.POST if request.method == "POST" else None, initial=current)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            changes = form.changes(current)
            if not changes:
                form.add_error(None, _("Nothing was changed: correct at least one field, or go back."))
            else:
                try:
                    _correct(request, resident_id, changes, form.cleaned_data["reason"])
                except ApplicationError as error:
                    form.add_service_error(error)
                    status = 400 if isinstance(error, ValidationError) else error.status
                else:
                    messages.success(request, _("The correction was recorded with its reason."))
                    return HttpResponseRedirect(_resident_url(resident_id, "record_correction"))
    return render(request, "registries/backoffice/resident_correct.html",
                  {"form": form, "record": record}, status=status)


def _correct(request: HttpRequest, resident_id: uuid.UUID, changes: dict[str, Any], reason: str) -> None:
    cause = Cause(kind="official", ref=f"backoffice:{request.user.pk}", official_id=request.user.pk,
                  legal_basis=CORRECTION_BASIS, reason=reason)
    resident_services.resident_correct(resident_id=resident_id, changes=changes, reason=reason, cause=cause)


def _lookup_page(
    request: HttpRequest, form_class: type, template: str, lookup: Any, registry: str, key: str,
) -> HttpResponse:
    """A search of one thing by its number, shown on the search page itself (with its purpose)."""
    form = form_class(request.GET or None)
    found: Any = None
    searched = False
    status = 200
    if request.GET:
        if form.is_valid():
            searched = True
            found = lookup(form.cleaned_data[key], reader=_reader(request), purpose=form.cleaned_data["purpose"],
                           basis=public.LEGAL_BASES[registry])
            status = 200 if found is not None else 404
        else:
            status = 400
    return render(request, template, {"form": form, "found": found, "searched": searched}, status=status)


@access(official("registry.vehicles.read"))
@require_safe
@never_cache
def vehicle_search(request: HttpRequest) -> HttpResponse:
    return _lookup_page(request, VehicleSearchForm, "registries/backoffice/vehicle_search.html",
                        lambda plate, **kw: public.vehicle_by_plate(plate=plate, **kw), Registry.VEHICLES, "plate")


@access(official("registry.property.read"))
@require_safe
@never_cache
def property_search(request: HttpRequest) -> HttpResponse:
    return _lookup_page(request, ParcelSearchForm, "registries/backoffice/property_search.html",
                        lambda pnu, **kw: public.parcel_by_pnu(pnu=pnu, **kw), Registry.LAND, "pnu")


@access(official("registry.businesses.read"))
@require_safe
@never_cache
def business_search(request: HttpRequest) -> HttpResponse:
    return _lookup_page(request, BusinessSearchForm, "registries/backoffice/business_search.html",
                        lambda number, **kw: public.business_by_number(number=number, **kw), Registry.BUSINESSES,
                        "number")

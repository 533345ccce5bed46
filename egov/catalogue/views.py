"""The catalogue's public pages: search, browse by task area, life event and organisation, one service."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from egov.catalogue import selectors
from egov.catalogue.forms import CatalogueSearchForm
from egov.catalogue.loader import load_pack
from egov.catalogue.presenters import service_page
from egov.core.access import PUBLIC, access
from egov.core.errors import NotFound


def _language() -> str:
    return get_language() or "ko"


@access(PUBLIC)
def index(request: HttpRequest) -> HttpResponse:
    form = CatalogueSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    language = _language()
    return render(request, "catalogue/index.html", {
        "form": form, "query": query,
        "results": selectors.service_search(query=query, language=language) if query else [],
        "task_areas": selectors.task_area_list(language=language),
        "life_events": selectors.life_event_list(language=language),
        "organisations": selectors.organisation_list(language=language),
    })


def _browse(request: HttpRequest, *, title: str, description: str, **filters: str) -> HttpResponse:
    services = selectors.service_list(language=_language(), **filters)
    return render(request, "catalogue/list.html", {"title": title, "description": description, "services": services})


@access(PUBLIC)
def task_area(request: HttpRequest, slug: str) -> HttpResponse:
    area = next((a for a in selectors.task_area_list(language=_language()) if a.key == slug), None)
    if area is None:
        raise NotFound(_("There is no such list in the catalogue."))
    return _browse(request, title=area.name, description="", task_area=slug)


@access(PUBLIC)
def life_event(request: HttpRequest, slug: str) -> HttpResponse:
    event = next((e for e in selectors.life_event_list(language=_language()) if e.key == slug), None)
    if event is None:
        raise NotFound(_("There is no such list in the catalogue."))
    return _browse(request, title=event.name, description=event.description, life_event=slug)


@access(PUBLIC)
def organisation(request: HttpRequest, key: str) -> HttpResponse:
    group = next((g for g in selectors.organisation_list(language=_language()) if g.key == key), None)
    if group is None:
        raise NotFound(_("There is no such list in the catalogue."))
    return _browse(request, title=group.name, description="", organisation=key)


@access(PUBLIC)
def service(request: HttpRequest, service_id: str) -> HttpResponse:
    definition = selectors.current_definition(service_id)
    return render(request, "catalogue/service.html", service_page(load_pack(), definition, _language()))

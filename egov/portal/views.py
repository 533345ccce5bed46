"""The citizen-facing pages of the portal shell: home, search, services, My Gov, information pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from egov.accounts import public as accounts
from egov.core import audit
from egov.core.access import CITIZEN, PUBLIC, access
from egov.exchange import public as exchange
from egov.notifications import public as notifications
from egov.portal.forms import ServiceSearchForm
from egov.portal.organisations import chart_from_tree
from egov.portal.presenters import access_records


@access(PUBLIC)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"form": ServiceSearchForm()})


@access(PUBLIC)
def search(request: HttpRequest) -> HttpResponse:
    """Service search. The catalogue of services arrives with a later issue; until then nothing matches."""
    form = ServiceSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    return render(request, "portal/search.html", {"form": form, "query": query, "results": []})


@access(PUBLIC)
def services(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/services.html", {"form": ServiceSearchForm(), "services": []})


@access(CITIZEN)
def my_gov(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own page: their account, their records, who viewed their data, their messages.

    A person whose account is linked to a resident record (by identity proofing) sees
    their records, read under their right of access and logged like any other read;
    "Who viewed my data" then covers both the account and the resident record.
    """
    user = request.user
    user_id = user.pk
    assert user_id is not None  # @access(CITIZEN): only signed-in people get here
    resident_id = getattr(user, "resident_id", None)
    records = None
    if resident_id is not None:
        label = getattr(user, "display_name", "") or user.get_username()
        records = exchange.own_records(user_id=user_id, resident_id=resident_id, label=label)
    subjects = exchange.audit_subjects(user_id=user_id, resident_id=resident_id)
    return render(
        request,
        "portal/my_gov.html",
        {
            "records": records,
            "linked": resident_id is not None,
            "viewed": access_records(audit.entries_about(subjects, limit=50)),
            "inbox": notifications.inbox_list(user_id, limit=20),
        },
    )


@access(PUBLIC)
def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/contact.html")


@access(PUBLIC)
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/privacy.html")


@access(PUBLIC)
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/accessibility.html")


@access(PUBLIC)
def terms(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/terms.html")


@access(PUBLIC)
def organisations(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/organisations.html", {"chart": chart_from_tree(accounts.organisation_tree())})

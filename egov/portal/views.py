"""The citizen-facing pages of the portal shell: home, search, services, My Gov, information pages."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from egov.accounts import public as accounts
from egov.applications import public as applications
from egov.catalogue import public as catalogue
from egov.certificates import public as certificates
from egov.core import access_log, clock
from egov.core.access import CITIZEN, PUBLIC, access
from egov.exchange import public as exchange
from egov.notifications import public as notifications
from egov.portal.forms import ServiceSearchForm
from egov.portal.organisations import chart_from_tree
from egov.portal.presenters import COLUMNS, AccessRecord, access_records, download_rows


@access(PUBLIC)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"form": ServiceSearchForm()})


@access(PUBLIC)
def search(request: HttpRequest) -> HttpResponse:
    """Service search over the catalogue: tolerant of spacing, partial words and everyday words (이사 → 전입신고)."""
    form = ServiceSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    results = [found.service for found in catalogue.search(query, get_language() or "ko")] if query else []
    return render(request, "portal/search.html", {"form": form, "query": query, "results": results})


@access(PUBLIC)
def services(request: HttpRequest) -> HttpResponse:
    """The services by life event and by subject; each list and each service page is the catalogue's."""
    language = get_language() or "ko"
    return render(request, "portal/services.html", {
        "form": ServiceSearchForm(), "life_events": catalogue.life_events(language),
        "task_areas": catalogue.task_areas(language),
    })


# How many entries of "Who viewed my data" My Gov shows; the download has them all.
MY_GOV_LATEST = 50
# How many of the person's latest applications My Gov shows; /applications/mine/ has them all.
MY_GOV_APPLICATIONS = 5


@access(CITIZEN)
def my_gov(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own page: account, applications, records, who viewed their data, consents,
    messages and notices, and how they are told (channels, opt-outs, notice subscriptions).

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
    consents = exchange.consents_of(resident_id=resident_id) if resident_id is not None else []
    return render(
        request,
        "portal/my_gov.html",
        {
            "records": records,
            "linked": resident_id is not None,
            "viewed": access_records(access_log.entries_about(subjects, limit=MY_GOV_LATEST)),
            "latest": MY_GOV_LATEST,
            "active_consents": sum(1 for consent in consents if consent.state == "active"),
            "inbox": notifications.inbox_list(user_id, limit=20),
            "unread": notifications.inbox_unread_count(user_id),
            "telling": _telling(user_id, get_language() or "ko"),
            "applications": applications.applications_of(applicant_id=user_id, limit=MY_GOV_APPLICATIONS),
            "wallet": certificates.wallet_list(holder_id=user_id)[:MY_GOV_APPLICATIONS],
        },
    )


def _telling(user_id: Any, language: str) -> dict[str, Any]:
    """How the person is told, for My Gov: channels, what they switched off, the notices they subscribe to."""
    preferences = notifications.preferences_of(user_id)
    labels = dict(notifications.CHANNEL_LABELS)
    rules = {rule.id: rule.name for rule in notifications.notice_rules(language)}
    names = notifications.category_names(language)
    return {
        "channels": [str(labels.get(channel, channel)) for channel in preferences.channels],
        "opted_out": [names.get(code, code) for code in preferences.opted_out],
        "subscriptions": [rules.get(rule, rule) for rule in preferences.subscriptions],
    }


def _access_log(request: HttpRequest) -> list[AccessRecord]:
    """Every entry about the signed-in person from the last two years at least (the download's content)."""
    user = request.user
    assert user.pk is not None  # @access(CITIZEN)
    subjects = exchange.audit_subjects(user_id=user.pk, resident_id=getattr(user, "resident_id", None))
    since = clock.now() - timedelta(days=settings.EGOV_ACCESS_LOG_DOWNLOAD_DAYS)
    return access_records(access_log.entries_about(subjects, limit=None, since=since))


def _download_name(extension: str) -> str:
    return f"access-log-{clock.today().isoformat()}.{extension}"


@access(CITIZEN)
@require_safe
@never_cache
def access_log_csv(request: HttpRequest) -> HttpResponse:
    """"Who viewed my data" as a spreadsheet: every entry of the period, with the PIPA access-log fields.

    UTF-8 with a byte-order mark, so that spreadsheet programs read the Korean correctly.
    """
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_download_name("csv")}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([str(heading) for _key, heading, _value in COLUMNS])
    for row in download_rows(_access_log(request)):
        writer.writerow([row[key] for key, _heading, _value in COLUMNS])
    return response


@access(CITIZEN)
@require_safe
@never_cache
def access_log_json(request: HttpRequest) -> HttpResponse:
    """"Who viewed my data" as JSON, for a person's own tools: the same entries as the CSV file."""
    user = request.user
    document = {
        "subject": user.get_username(),
        "generated_at": clock.now(),
        "period_days": settings.EGOV_ACCESS_LOG_DOWNLOAD_DAYS,
        "description": _("Every access to your personal data and every change to your account, newest first."),
        "entries": download_rows(_access_log(request)),
    }
    response = HttpResponse(json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_download_name("json")}"'
    return response


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

"""Pages: a person's inbox and message preferences (with notice subscriptions), the officials'
template pages, the operators' outbox."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from egov.core.access import CITIZEN, OPERATOR, access, official
from egov.core.errors import NotFound, ValidationError
from egov.notifications import access as message_access
from egov.notifications import notices, selectors, services
from egov.notifications.models import CHOOSABLE_CHANNELS, Template

INBOX_PAGE_SIZE = 50
# Heads of organisation and operators write the message templates (docs/notifications.md); a permission of
# its own, so that a role for a communications officer can be given it without the power over officials.
TEMPLATES_PERMISSION = "notifications.templates"


@access(CITIZEN)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user_id = message_access.signed_in_user_id(request)
    return render(
        request,
        "notifications/inbox.html",
        {
            "items": selectors.inbox_list(user_id=user_id, limit=INBOX_PAGE_SIZE),
            "unread": selectors.inbox_unread_count(user_id=user_id),
        },
    )


@access(CITIZEN)
@require_POST
def mark_read(request: HttpRequest, message_id: UUID) -> HttpResponse:
    message = message_access.message_for_recipient(user=request.user, message_id=message_id)
    services.message_mark_read(message=message)
    return HttpResponseRedirect(f"{reverse('notifications:inbox')}#message-{message.id}")


def _preferences_context(request: HttpRequest, *, chosen: list[str], phone: str, opted_out: list[str],
                         subscribed: list[str], errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    language = get_language() or "ko"
    return {
        "channels": [{"value": c.value, "label": c.label, "checked": c.value in chosen} for c in CHOOSABLE_CHANNELS],
        "phone": phone,
        "categories": [
            {"code": c.code, "name": c.name_en if language.startswith("en") else c.name_ko,
             "required": c.required_by_law, "legal_basis": c.legal_basis, "received": c.code not in opted_out}
            for c in selectors.categories_list()
        ],
        "rules": [{"id": r.id, "name": r.name.get(language), "description": r.description.get(language),
                   "checked": r.id in subscribed} for r in notices.rules()],
        "errors": errors or {},
        "has_email": bool(getattr(request.user, "email", "")),
        "linked": getattr(request.user, "resident_id", None) is not None,
    }


@access(CITIZEN)
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """How the person wants to be told, and the proactive notices they subscribe to (part of My Gov)."""
    user_id = message_access.signed_in_user_id(request)
    by = f"user:{user_id}"
    if request.method == "POST":
        chosen = request.POST.getlist("channels")
        phone = request.POST.get("phone", "").strip()
        received = set(request.POST.getlist("categories"))
        optional = [c.code for c in selectors.categories_list() if not c.required_by_law]
        opted_out = [code for code in optional if code not in received]
        subscribed = request.POST.getlist("notices")
        try:
            services.preference_save(user_id=user_id, channels=chosen, phone=phone, opted_out=opted_out, by=by)
            services.subscriptions_set(user_id=user_id, rules=subscribed, known_rules=notices.rule_ids(), by=by)
        except ValidationError as error:
            context = _preferences_context(request, chosen=chosen, phone=phone, opted_out=opted_out,
                                           subscribed=subscribed, errors=error.field_errors or {"__all__": [error.message]})
            context["error"] = error.message
            return render(request, "notifications/preferences.html", context, status=400)
        messages.success(request, _("Your choices are saved."))
        return HttpResponseRedirect(reverse("notifications:preferences"))
    preference = selectors.preference_get(user_id=user_id)
    context = _preferences_context(
        request, chosen=preference.channels() if preference else [], phone=preference.phone if preference else "",
        opted_out=list(preference.opted_out) if preference else [], subscribed=selectors.subscriptions_of(user_id=user_id),
    )
    return render(request, "notifications/preferences.html", context)


@access(official(TEMPLATES_PERMISSION))
@require_GET
def templates(request: HttpRequest) -> HttpResponse:
    return render(request, "notifications/templates.html", {"templates": selectors.templates_current()})


def _template_form(template: Template | None, data: Any = None) -> dict[str, str]:
    fields = ("key", "category", "placeholders", "subject_ko", "body_ko", "subject_en", "body_en")
    if data is not None:
        return {name: str(data.get(name, "")).strip() if name in ("key", "category", "placeholders")
                else str(data.get(name, "")) for name in fields}
    if template is None:
        return dict.fromkeys(fields, "")
    return {"key": template.key, "category": template.category, "placeholders": ", ".join(template.placeholders),
            "subject_ko": template.subject_ko, "body_ko": template.body_ko, "subject_en": template.subject_en,
            "body_en": template.body_en}


@access(official(TEMPLATES_PERMISSION))
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, key: str | None = None) -> HttpResponse:
    """Edit a template (saving adds a version) or write a new one; an unknown placeholder is refused."""
    current = services.template_current(key=key) if key else None
    if key and current is None:
        raise NotFound(_("There is no template with this id."))
    if request.method == "POST":
        form = _template_form(current, request.POST)
        if current is not None:
            form["key"] = current.key
        placeholders = [p.strip() for p in form["placeholders"].replace(",", " ").split() if p.strip()]
        try:
            saved = services.template_save(
                key=form["key"], category=form["category"], placeholders=placeholders, subject_ko=form["subject_ko"],
                body_ko=form["body_ko"], subject_en=form["subject_en"], body_en=form["body_en"],
                by=f"user:{request.user.pk}",
            )
        except ValidationError as error:
            return render(request, "notifications/template_edit.html", {
                "template": current, "form": form, "errors": error.field_errors or {}, "error": error.message,
                "categories": selectors.categories_list(), "versions": selectors.template_versions(key=key) if key else [],
            }, status=400)
        messages.success(request, _("Version %(version)d of the template is saved.") % {"version": saved.version})
        return HttpResponseRedirect(reverse("notifications:template_edit", args=[saved.key]))
    return render(request, "notifications/template_edit.html", {
        "template": current, "form": _template_form(current), "errors": {},
        "categories": selectors.categories_list(), "versions": selectors.template_versions(key=key) if key else [],
    })


@access(OPERATOR)
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "notifications/outbox.html",
        {"entries": selectors.outbox_list(limit=100), "problems": selectors.delivery_problems_list(limit=100)},
    )

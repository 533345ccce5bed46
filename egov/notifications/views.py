"""Pages: a person's inbox (and marking a message read), the operators' outbox."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from egov.core.access import CITIZEN, OPERATOR, access
from egov.notifications import access as message_access
from egov.notifications import selectors, services

INBOX_PAGE_SIZE = 50


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


@access(OPERATOR)
@require_GET
def outbox(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "notifications/outbox.html",
        {"entries": selectors.outbox_list(limit=100), "problems": selectors.delivery_problems_list(limit=100)},
    )

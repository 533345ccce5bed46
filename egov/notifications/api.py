"""The notifications API (mounted at /api/v1/notifications/).

For people: their own messages. For agency systems (their credentials, like every
agency API): a send/status/list API shaped like GOV.UK Notify's — send a template by
id with personalisation and your own ``reference``, read the status of a
notification, list what you sent (``older_than`` pages on). A system sees only the
notifications it sent.
"""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from egov.core.api_auth import AGENCY_API, CITIZEN_API
from egov.core.errors import Conflict, NotFound
from egov.notifications import access as message_access
from egov.notifications import selectors, services
from egov.notifications.models import DeliveryStatus, Message
from egov.notifications.schemas import (
    DeliveryOut,
    MessageOut,
    NotificationIn,
    NotificationList,
    NotificationOut,
    TemplateRef,
)

router = Router(tags=["notifications"])


class MessageFilters(Schema):
    limit: int = Field(20, ge=1, le=100, description="How many messages, newest first (1 to 100).")


class NotificationFilters(Schema):
    reference: str = Field("", max_length=150, description="Only the notification sent with this reference.")
    template_id: str = Field("", max_length=80, description="Only notifications from this template.")
    older_than: UUID | None = Field(None, description="Only notifications sent before this one (the next page).")
    limit: int = Field(50, ge=1, le=250)


@router.get("/messages", response=list[MessageOut], auth=CITIZEN_API, summary="List my messages")
def messages_list(request: HttpRequest, filters: Query[MessageFilters]) -> list[MessageOut]:
    messages = selectors.inbox_list(user_id=message_access.signed_in_user_id(request), limit=filters.limit)
    return [MessageOut.model_validate(m) for m in messages]


@router.post("/messages/{message_id}/read", response=MessageOut, auth=CITIZEN_API, summary="Mark one of my messages read")
def messages_mark_read(request: HttpRequest, message_id: UUID) -> MessageOut:
    message = message_access.message_for_recipient(user=request.user, message_id=message_id)
    return MessageOut.model_validate(services.message_mark_read(message=message))


def _sender(request: HttpRequest) -> str:
    system = request.egov_agency  # type: ignore[attr-defined]
    return f"agency:{system.organisation_code}:{system.id}"


def _overall(statuses: list[str]) -> str:
    for status in (DeliveryStatus.FAILED, DeliveryStatus.SENDING, DeliveryStatus.CREATED):
        if status in statuses:
            return str(status)
    return str(DeliveryStatus.DELIVERED)


def _out(message: Message, sent_by: str) -> NotificationOut:
    deliveries = sorted(message.deliveries.all(), key=lambda d: d.channel)
    key = message.idempotency_key or ""
    prefix = f"{sent_by}:"
    return NotificationOut(
        id=message.id, reference=key[len(prefix):] if key.startswith(prefix) else None,
        template=TemplateRef(id=message.template_key, version=message.template_version), subject=message.subject,
        body=message.body, category=message.category, status=_overall([d.status for d in deliveries]),
        created_at=message.created_at,
        deliveries=[DeliveryOut(channel=d.channel, status=d.status, attempts=d.attempts, last_error=d.last_error,
                                delivered_at=d.delivered_at) for d in deliveries],
    )


@router.post("/send", response={200: NotificationOut, 201: NotificationOut}, auth=AGENCY_API,
             summary="Send a notification from a template")
def notification_send(request: HttpRequest, body: NotificationIn) -> Status[NotificationOut]:
    """201 with the new notification; 200 with the first one when the same reference was sent before."""
    sent_by = _sender(request)
    message = services.message_send_template(
        recipient_user_id=body.recipient_user_id, template_key=body.template_id, personalisation=body.personalisation,
        idempotency_key=f"{sent_by}:{body.reference}" if body.reference else None, channels=body.channels,
        language=body.language, link=body.link, sent_by=sent_by,
    )
    if message is None:
        raise Conflict(_("The person has opted out of messages of this kind; nothing was sent."))
    replay = not hasattr(message, "sent_deliveries")
    found = selectors.notification_for_sender(message_id=message.id, sent_by=sent_by)
    assert found is not None
    return Status(200 if replay else 201, _out(found, sent_by))


@router.get("/sent/{notification_id}", response=NotificationOut, auth=AGENCY_API, summary="The status of a notification")
def notification_status(request: HttpRequest, notification_id: UUID) -> NotificationOut:
    sent_by = _sender(request)
    message = selectors.notification_for_sender(message_id=notification_id, sent_by=sent_by)
    if message is None:
        raise NotFound(_("There is no notification with this id sent by your system."))
    return _out(message, sent_by)


@router.get("/sent", response=NotificationList, auth=AGENCY_API, summary="List the notifications you sent")
def notifications_list(request: HttpRequest, filters: Query[NotificationFilters]) -> NotificationList:
    sent_by = _sender(request)
    found = selectors.notifications_for_sender(sent_by=sent_by, reference=filters.reference,
                                               template_id=filters.template_id, limit=filters.limit,
                                               older_than=filters.older_than)
    return NotificationList(notifications=[_out(m, sent_by) for m in found])

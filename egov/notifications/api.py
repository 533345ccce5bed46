"""The notifications API: a signed-in person's own messages (mounted at /api/v1/notifications/)."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from egov.core.api_auth import CITIZEN_API
from egov.notifications import access as message_access
from egov.notifications import selectors, services
from egov.notifications.schemas import MessageOut

router = Router(tags=["notifications"])


class MessageFilters(Schema):
    limit: int = Field(20, ge=1, le=100, description="How many messages, newest first (1 to 100).")


@router.get("/messages", response=list[MessageOut], auth=CITIZEN_API, summary="List my messages")
def messages_list(request: HttpRequest, filters: Query[MessageFilters]) -> list[MessageOut]:
    messages = selectors.inbox_list(user_id=message_access.signed_in_user_id(request), limit=filters.limit)
    return [MessageOut.model_validate(m) for m in messages]


@router.post("/messages/{message_id}/read", response=MessageOut, auth=CITIZEN_API, summary="Mark one of my messages read")
def messages_mark_read(request: HttpRequest, message_id: UUID) -> MessageOut:
    message = message_access.message_for_recipient(user=request.user, message_id=message_id)
    return MessageOut.model_validate(services.message_mark_read(message=message))

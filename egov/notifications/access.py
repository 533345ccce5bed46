"""The only way to load a message for a person: their own, or not found."""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _

from egov.core.errors import NotFound
from egov.notifications.models import Message


def message_for_recipient(*, user: Any, message_id: UUID) -> Message:
    """The message if ``user`` is its recipient. Someone else's message is "not found", not "forbidden",
    so that its existence is not revealed."""
    message = Message.objects.filter(pk=message_id, recipient_id=user.pk).first()
    if message is None:
        raise NotFound(_("There is no such message in your inbox."))
    return message


def signed_in_user_id(request: HttpRequest) -> UUID:
    """The signed-in person's id (the view's access declaration has already refused anyone else)."""
    return cast(UUID, request.user.pk)

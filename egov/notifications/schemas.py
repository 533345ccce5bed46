"""API shapes of the notifications app."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Schema
from pydantic import Field


class MessageOut(Schema):
    """A message in the signed-in person's inbox."""

    id: UUID
    subject: str
    body: str
    category: str
    created_at: datetime
    read: bool
    link: str = ""


class NotificationIn(Schema):
    """A notification to send from a template (GOV.UK Notify's ``POST /v2/notifications/{channel}``, one call for all)."""

    recipient_user_id: UUID = Field(description="The person's account id.")
    template_id: str = Field(min_length=1, max_length=80, description="The template's id; its current version is used.")
    personalisation: dict[str, Any] = Field(default_factory=dict, description="A value for each placeholder of the template.")
    reference: str | None = Field(None, min_length=1, max_length=150,
                                  description="Your own id for this notification: sending it again returns the first one.")
    channels: list[str] | None = Field(None, description="Leave out to use the person's chosen channels (recommended).")
    language: str | None = Field(None, pattern="^(ko|en)$", description="ko or en; the deployment's language if left out.")
    link: str = Field("", max_length=500, description="Where the person acts on the message.")


class TemplateRef(Schema):
    id: str
    version: int | None


class DeliveryOut(Schema):
    channel: str
    status: str
    attempts: int
    last_error: str
    delivered_at: datetime | None


class NotificationOut(Schema):
    """A notification and its delivery status on each channel (``status`` sums them up)."""

    id: UUID
    reference: str | None
    template: TemplateRef
    subject: str
    body: str
    category: str
    status: str
    created_at: datetime
    deliveries: list[DeliveryOut]


class NotificationList(Schema):
    notifications: list[NotificationOut]

"""API shapes of the notifications app."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Schema


class MessageOut(Schema):
    """A message in the signed-in person's inbox."""

    id: UUID
    subject: str
    body: str
    category: str
    created_at: datetime
    read: bool

"""In/Out schemas of the accounts API."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field


class OrganisationOut(Schema):
    code: str
    name: str
    name_en: str
    kind: str


class MeOut(Schema):
    id: UUID
    username: str
    display_name: str
    kind: str = Field(description="citizen, business or official")
    resident_linked: bool = Field(description="Whether identity proofing has linked the account to a resident record")
    organisation: OrganisationOut | None = None
    roles: list[str] = Field(default_factory=list)
    permissions: list[str] = Field(default_factory=list)


class TokenOut(Schema):
    id: UUID
    name: str
    prefix: str = Field(description="The first characters of the token, to recognise it")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100, description="What the token is for")
    lifetime_days: int = Field(30, description="7, 30, 90 or 365")


class TokenCreatedOut(Schema):
    id: UUID
    name: str
    token: str = Field(description="The secret token, shown only in this response")
    expires_at: datetime | None

"""The accounts API (mounted at /api/v1/accounts/): who am I, and my personal access tokens."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from egov.accounts import selectors, services
from egov.accounts.permissions import permissions_for
from egov.accounts.schemas import MeOut, OrganisationOut, TokenCreatedOut, TokenIn, TokenOut
from egov.core.api_auth import CITIZEN_API
from egov.core.audit import request_actor

router = Router(tags=["accounts"])


def _user(request: HttpRequest) -> Any:
    return request.user


@router.get("/me", response=MeOut, auth=CITIZEN_API, summary="The signed-in account")
def me(request: HttpRequest) -> MeOut:
    user = _user(request)
    official = selectors.official_get(user=user)
    organisation = None
    if official is not None:
        org = official.organisation
        organisation = OrganisationOut(code=org.code, name=org.name, name_en=org.name_en, kind=org.kind)
    return MeOut(
        id=user.id, username=user.username, display_name=user.display_name, kind=user.kind,
        resident_linked=user.resident_id is not None, organisation=organisation,
        roles=sorted(user.roles), permissions=sorted(permissions_for(user.roles)),
    )


@router.get("/tokens", response=list[TokenOut], auth=CITIZEN_API, summary="List my personal access tokens")
def tokens_list(request: HttpRequest) -> list[TokenOut]:
    return [TokenOut.model_validate(t, from_attributes=True) for t in selectors.personal_tokens_of(user=_user(request))]


@router.post("/tokens", response={201: TokenCreatedOut}, auth=CITIZEN_API, summary="Create a personal access token")
def tokens_create(request: HttpRequest, payload: TokenIn) -> Status[TokenCreatedOut]:
    created = services.personal_token_create(user=_user(request), name=payload.name, lifetime_days=payload.lifetime_days,
                                             source_ip=request_actor(request).get("source_ip"))
    return Status(201, TokenCreatedOut(id=UUID(created.id), name=created.name, token=created.token,
                                       expires_at=created.expires_at))


@router.delete("/tokens/{token_id}", response={204: None}, auth=CITIZEN_API, summary="Revoke one of my tokens")
def tokens_revoke(request: HttpRequest, token_id: UUID) -> Status[None]:
    services.personal_token_revoke(user=_user(request), token_id=token_id,
                                   source_ip=request_actor(request).get("source_ip"))
    return Status(204, None)

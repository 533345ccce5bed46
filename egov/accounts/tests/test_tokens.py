"""Personal access tokens on the account page and the API; agency credentials."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from egov.accounts import public
from egov.accounts.models import Organisation, PersonalAccessToken
from egov.accounts.services import agency_credential_revoke, agency_system_create, personal_token_create
from egov.accounts.tests.helpers import audit_actions


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_a_token_made_on_the_account_page_works_on_the_api_until_revoked(citizen_client: Client, alice: Any) -> None:
    response = citizen_client.post("/accounts/tokens/", {"action": "create", "name": "tax software", "lifetime_days": "30"})
    assert response.status_code == 201
    token = re.search(r"pat_[A-Za-z0-9_-]+", response.content.decode())
    assert token is not None
    api = Client()
    me = api.get("/api/v1/accounts/me", **bearer(token.group(0)))
    assert me.status_code == 200 and me.json()["username"] == "alice"
    # The secret itself is never stored, and never shown again.
    record = PersonalAccessToken.objects.get(user=alice)
    assert token.group(0) not in (record.digest, record.prefix)
    assert token.group(0) not in citizen_client.get("/accounts/tokens/").content.decode()
    citizen_client.post("/accounts/tokens/", {"action": "revoke", "token_id": str(record.id)})
    assert api.get("/api/v1/accounts/me", **bearer(token.group(0))).status_code == 401
    assert [a for a, _ in audit_actions(subject=f"user:{alice.id}")] == ["account.token_create", "account.token_revoke"]


def test_a_token_stops_working_when_it_expires(alice: Any, monkeypatch: Any) -> None:
    from datetime import timedelta

    from egov.core import clock

    created = personal_token_create(user=alice, name="short", lifetime_days=7)
    assert Client().get("/api/v1/accounts/me", **bearer(created.token)).status_code == 200
    monkeypatch.setenv("EGOV_NOW", (clock.now() + timedelta(days=8)).isoformat())
    assert Client().get("/api/v1/accounts/me", **bearer(created.token)).status_code == 401


def test_tokens_are_listed_created_and_revoked_through_the_api(alice: Any) -> None:
    first = personal_token_create(user=alice, name="first", lifetime_days=30)
    api = Client()
    response = api.post("/api/v1/accounts/tokens", {"name": "second", "lifetime_days": 90},
                        content_type="application/json", **bearer(first.token))
    assert response.status_code == 201
    second = response.json()
    assert second["token"].startswith("pat_")
    listed = api.get("/api/v1/accounts/tokens", **bearer(first.token)).json()
    assert {t["name"] for t in listed} == {"first", "second"}
    assert all("token" not in t for t in listed)
    assert api.delete(f"/api/v1/accounts/tokens/{second['id']}", **bearer(first.token)).status_code == 204
    assert api.get("/api/v1/accounts/me", **bearer(second["token"])).status_code == 401


def test_a_bad_lifetime_is_refused_with_a_field_message_and_creates_nothing(alice: Any) -> None:
    first = personal_token_create(user=alice, name="first", lifetime_days=30)
    response = Client().post("/api/v1/accounts/tokens", {"name": "x", "lifetime_days": 3},
                             content_type="application/json", **bearer(first.token))
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert "lifetime_days" in response.json()["errors"]
    assert PersonalAccessToken.objects.filter(user=alice).count() == 1


def test_someone_elses_token_cannot_be_revoked(alice: Any, bob: Any) -> None:
    alices = personal_token_create(user=alice, name="alice's", lifetime_days=30)
    bobs = personal_token_create(user=bob, name="bob's", lifetime_days=30)
    response = Client().delete(f"/api/v1/accounts/tokens/{alices.id}", **bearer(bobs.token))
    assert response.status_code == 404
    assert Client().get("/api/v1/accounts/me", **bearer(alices.token)).status_code == 200


def test_an_unknown_token_is_refused(db: None) -> None:
    assert Client().get("/api/v1/accounts/me", **bearer("pat_not-a-real-token")).status_code == 401


def test_me_tells_an_official_their_organisation_and_roles(clerk: Any) -> None:
    token = personal_token_create(user=clerk, name="cli", lifetime_days=7)
    body = Client().get("/api/v1/accounts/me", **bearer(token.token)).json()
    assert body["organisation"]["name"] == "청운효자동"
    assert body["roles"] == ["clerk"]
    assert "cases.process" in body["permissions"] and "cases.decide" not in body["permissions"]


def test_agency_credentials_identify_the_system_and_its_organisation_until_revoked(head: Any) -> None:
    organisation = Organisation.objects.get(code="cen-pps")
    system, token = agency_system_create(organisation=organisation, name="KONEPS", by=head)
    assert token.startswith("agy_")
    found = public.agency_system_for_token(token)
    assert found is not None
    assert (found.name, found.organisation_code, found.organisation_name) == ("KONEPS", "cen-pps", "조달청")
    assert public.agency_system_for_token(token + "x") is None
    assert public.agency_system_for_token("pat_" + token[4:]) is None
    agency_credential_revoke(credential_id=system.credentials.get().id, by=head)
    assert public.agency_system_for_token(token) is None


def test_an_officials_token_passes_an_official_endpoints_second_factor_check(clerk: Any) -> None:
    from egov.core.access import official
    from egov.core.api_auth import ApiAccess

    token = personal_token_create(user=clerk, name="cli", lifetime_days=7)
    request = Client().get("/").wsgi_request
    request.META["HTTP_AUTHORIZATION"] = f"Bearer {token.token}"
    assert ApiAccess(official("cases.process"))(request).username == "clerk"

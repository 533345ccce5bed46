"""My Gov's consent page: Alice sees her consents, gives one, revokes one; errors are shown under the fields.

Alice's account is linked to her resident record (``alice_resident``); Bob's is not.
The clerk works at the 청운효자동 office (adm-1101072), which the pack's services let
read a family-relations record for a benefit, with the person's consent.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from egov.exchange import public as exchange
from egov.exchange.models import Consent

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def linked_client(client_for: Any, alice: Any, alice_resident: Any, exchange_pack: Any, clerk: Any) -> Client:
    return client_for(alice)


def _grant(client: Client, **fields: Any) -> Any:
    data = {"product": "family-relations", "purpose": "benefit_eligibility", "recipient": "",
            "recipient_code": "adm-1101072", "days": "30", **fields}
    return client.post("/my/consents/", data, **EN)


def test_a_visitor_is_sent_to_sign_in_first() -> None:
    response = Client().get("/my/consents/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_person_not_linked_to_a_resident_record_is_asked_to_prove_their_identity(
    client_for: Any, bob: Any, exchange_pack: Any,
) -> None:
    page = client_for(bob).get("/my/consents/", **EN).content.decode()
    assert "Prove your identity" in page
    assert "Give my consent" not in page


def test_alice_gives_a_consent_and_sees_it_listed_as_active(linked_client: Client, alice_resident: Any) -> None:
    response = _grant(linked_client)
    assert response.status_code == 302 and response["Location"] == "/my/consents/"
    consent = Consent.objects.get(subject_resident_id=alice_resident.id)
    assert consent.recipient == "adm-1101072" and consent.purpose_id == "benefit_eligibility"
    page = linked_client.get("/my/consents/", **EN).content.decode()
    assert "Your consent is recorded." in page
    assert "Family relations" in page
    assert "청운효자동" in page
    assert "Checking eligibility for a welfare benefit" in page
    assert "Active" in page
    assert f"/my/consents/{consent.id}/revoke/" in page


def test_the_page_is_korean_by_default(linked_client: Client) -> None:
    _grant(linked_client)
    page = linked_client.get("/my/consents/").content.decode()
    assert "<h1>내 동의</h1>" in page
    assert "복지급여 수급 자격 확인" in page
    assert "가족관계 정보" in page


def test_an_organisation_can_link_to_a_filled_in_form_that_alice_still_submits(linked_client: Client) -> None:
    page = linked_client.get(
        "/my/consents/?product=family-relations&purpose=benefit_eligibility&recipient=adm-1101072", **EN,
    ).content.decode()
    assert '<option value="adm-1101072" selected>청운효자동</option>' in page
    assert '<option value="benefit_eligibility" selected>' in page
    assert not Consent.objects.exists()


def test_missing_choices_are_shown_under_their_fields_and_nothing_is_recorded(linked_client: Client) -> None:
    response = linked_client.post("/my/consents/", {"product": "", "purpose": "", "recipient": "", "days": ""}, **EN)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose which data the organisation may check." in page
    assert "Choose the purpose the data may be used for." in page
    assert "Choose the organisation, or enter its code." in page
    assert "Say for how many days the consent is valid." in page
    assert not Consent.objects.exists()


def test_the_services_refusals_appear_next_to_the_fields_in_the_readers_language(linked_client: Client) -> None:
    response = _grant(linked_client, recipient_code="no-such-org", days="9999")
    page = response.content.decode()
    assert response.status_code == 422
    assert "Choose an organisation from the list." in page
    assert "A consent lasts between 1 and 365 days." in page
    assert 'id="id_recipient_code_error"' in page and 'id="id_days_error"' in page
    korean = linked_client.post("/my/consents/", {"product": "family-relations", "purpose": "benefit_eligibility",
                                                  "recipient_code": "adm-1101072", "days": "9999"}).content.decode()
    assert "동의는 1일부터 365일까지 유효합니다." in korean
    assert "A consent lasts" not in korean
    assert not Consent.objects.exists()


def test_alice_revokes_a_consent_and_the_gate_refuses_the_next_request_citing_it(
    linked_client: Client, alice_resident: Any, clerk: Any,
) -> None:
    _grant(linked_client)
    consent = Consent.objects.get()
    requester = exchange.requester_for_user(clerk)
    exchange.fetch(requester=requester, product="family-relations", purpose="benefit_eligibility",
                   service="child-allowance", subject_resident_id=alice_resident.id, consent_id=consent.id)
    response = linked_client.post(f"/my/consents/{consent.id}/revoke/", **EN)
    assert response.status_code == 302
    page = linked_client.get("/my/consents/", **EN).content.decode()
    assert "The consent is revoked." in page and "Revoked" in page
    assert f"/my/consents/{consent.id}/revoke/" not in page
    with pytest.raises(exchange.Refused) as refused:
        exchange.fetch(requester=requester, product="family-relations", purpose="benefit_eligibility",
                       service="child-allowance", subject_resident_id=alice_resident.id, consent_id=consent.id)
    assert refused.value.reason == "consent_revoked"


def test_revoking_needs_a_post_and_only_works_on_ones_own_consent(
    linked_client: Client, client_for: Any, bob: Any,
) -> None:
    _grant(linked_client)
    consent = Consent.objects.get()
    assert linked_client.get(f"/my/consents/{consent.id}/revoke/").status_code == 405
    bob_page = client_for(bob).post(f"/my/consents/{consent.id}/revoke/", follow=True, **EN).content.decode()
    assert "There is no such consent among yours." in bob_page
    unknown = linked_client.post(f"/my/consents/{uuid.uuid4()}/revoke/", follow=True, **EN).content.decode()
    assert "There is no such consent among yours." in unknown
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_revoking_without_the_csrf_token_is_refused(
    alice: Any, alice_resident: Any, exchange_pack: Any, clerk: Any,
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    consent_id = exchange.consent_grant(user=alice, product_code="family-relations", purpose="benefit_eligibility",
                                        recipient="adm-1101072", days=10)
    assert client.post(f"/my/consents/{consent_id}/revoke/").status_code == 403
    assert Consent.objects.get(id=consent_id).revoked_at is None

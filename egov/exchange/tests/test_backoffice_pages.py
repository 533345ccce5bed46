"""The information-sharing back office: Olivia the operator sees the data products, grants and revokes access
rights and reads the exchange log; the head of an office may read them; Casey the clerk may not.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from egov.exchange import public as exchange
from egov.exchange.models import AccessRight

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def operator(operator_client: Client, exchange_pack: Any) -> Client:
    return operator_client


def test_the_operator_sees_each_data_product_with_its_fields_and_legal_basis(operator: Client) -> None:
    page = operator.get("/back-office/exchange/", **EN).content.decode()
    assert "Family relations" in page and "family-relations v1" in page
    assert "Registration base, parents, spouses and children." in page
    assert "<code>registration_base</code>" in page and "<code>spouses</code>" in page
    assert "Act on the Registration, etc. of Family Relationships, Article 14" in page


def test_the_rights_list_shows_consumer_purpose_and_whether_consent_is_needed(operator: Client) -> None:
    page = operator.get("/back-office/exchange/rights/", **EN).content.decode()
    assert "Every organisation of the kind “dong”" in page
    assert "Not required: Resident Registration Act, Article 30" in page
    assert "Evidence list of a service definition" in page
    assert "Grant an access right" in page


def test_the_operator_grants_a_right_and_it_lets_the_consumer_through_the_gate(
    operator: Client, alice_resident: Any, clerk: Any,
) -> None:
    response = operator.post("/back-office/exchange/rights/grant/", {
        "consumer": "adm-1101072", "product_code": "vehicle-record", "purpose": "vehicle_administration",
        "consent_exempt_article": "Motor Vehicle Management Act, Article 7",
    }, **EN)
    assert response.status_code == 302
    right = AccessRight.objects.get(consumer="adm-1101072", product_code="vehicle-record")
    assert right.source == "operator"
    assert "The access right is granted." in operator.get("/back-office/exchange/rights/", **EN).content.decode()
    release = exchange.fetch(
        requester=exchange.requester_for_user(clerk), product="vehicle-record", purpose="vehicle_administration",
        service="vehicle-check", subject_resident_id=alice_resident.id,
        legal_basis="Motor Vehicle Management Act, Article 7",
    )
    assert release.product == "vehicle-record"


def test_bad_grants_are_explained_under_their_fields_and_change_nothing(operator: Client) -> None:
    before = AccessRight.objects.count()
    response = operator.post("/back-office/exchange/rights/grant/", {
        "consumer": "nobody", "product_code": "family-relations", "purpose": "benefit_eligibility",
    }, **EN)
    page = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_consumer_error"' in page and "No organisation or member has this code." in page
    empty = operator.post("/back-office/exchange/rights/grant/", {}, **EN).content.decode()
    assert "Name the consumer organisation (its code) or an organisation kind." in empty
    assert "Choose the data product." in empty
    assert AccessRight.objects.count() == before


def test_revoking_a_right_makes_the_gate_refuse_the_next_request(
    operator: Client, alice_resident: Any, clerk: Any,
) -> None:
    right = AccessRight.objects.get(consumer="kind:dong", product_code="resident-registration-extract",
                                    purpose="civil_application")
    response = operator.post(f"/back-office/exchange/rights/{right.id}/revoke/", **EN)
    assert response.status_code == 302
    right.refresh_from_db()
    assert right.revoked_at is not None
    with pytest.raises(exchange.Refused) as refused:
        exchange.fetch(requester=exchange.requester_for_user(clerk), product="resident-registration-extract",
                       purpose="civil_application", service="move-in-report", subject_resident_id=alice_resident.id,
                       legal_basis="Resident Registration Act, Article 30")
    assert refused.value.reason == "no_access_right"
    page = operator.get("/back-office/exchange/rights/?revoked=1", **EN).content.decode()
    assert "Revoked" in page


def test_the_exchange_log_shows_released_and_refused_requests_with_their_reason(
    operator: Client, alice_resident: Any, clerk: Any,
) -> None:
    requester = exchange.requester_for_user(clerk)
    exchange.fetch(requester=requester, product="resident-registration-extract", purpose="civil_application",
                   service="move-in-report", subject_resident_id=alice_resident.id,
                   legal_basis="Resident Registration Act, Article 30")
    with pytest.raises(exchange.Refused):
        exchange.fetch(requester=requester, product="family-relations", purpose="benefit_eligibility",
                       service="child-allowance", subject_resident_id=alice_resident.id)
    page = operator.get("/back-office/exchange/log/", **EN).content.decode()
    assert "Released" in page and "Refused" in page
    assert "<code>no_consent_or_basis</code>" in page
    assert "Within this deployment" in page
    assert "adm-1101072" in page and "move-in-report" in page


def test_the_clerk_may_not_open_the_exchange_back_office(clerk_client: Client) -> None:
    for url in ("/back-office/exchange/", "/back-office/exchange/rights/", "/back-office/exchange/log/"):
        assert clerk_client.get(url).status_code == 403
    assert clerk_client.post("/back-office/exchange/rights/grant/", {"consumer": "kind:dong"}).status_code == 403


def test_the_head_of_an_office_reads_the_rights_but_is_offered_no_grant_or_revoke(
    client_for: Any, head: Any, exchange_pack: Any,
) -> None:
    client = client_for(head)
    page = client.get("/back-office/exchange/rights/", **EN).content.decode()
    assert "Every organisation of the kind “dong”" in page
    assert "Grant an access right" not in page and "/revoke/" not in page
    assert client.post("/back-office/exchange/rights/grant/", {"consumer": "kind:dong"}).status_code == 403

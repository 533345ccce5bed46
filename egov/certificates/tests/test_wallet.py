"""The document wallet: Alice's documents with their PDF, e-certificate and status; nobody else's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from egov.certificates import credentials, public, sdjwt

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_the_wallet_lists_the_document_with_its_pdf_and_e_certificate(citizen_client: Client, document: Any) -> None:
    page = citizen_client.get("/certificates/wallet/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Resident registration abstract" in page and document.number in page
    assert 'data-status="valid"' in page
    assert f"/documents/{document.id}/download/" in page
    assert f"/certificates/wallet/{document.id}/credential/" in page


def test_the_e_certificate_download_is_an_sd_jwt_bound_to_alices_wallet_key(
    citizen_client: Client, document: Any
) -> None:
    response = citizen_client.get(f"/certificates/wallet/{document.id}/credential/")
    assert response.status_code == 200 and response["Content-Type"] == "application/dc+sd-jwt"
    text = response.content.decode()
    assert credentials.presentation_check(presentation=text).verdict == "valid"
    assert len(sdjwt.parse(text).disclosures) == 5
    # The same credential is kept: a second download gives the same one.
    assert citizen_client.get(f"/certificates/wallet/{document.id}/credential/").content.decode() == text


def test_an_expired_document_says_so_and_offers_no_sharing(
    citizen_client: Client, document: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EGOV_NOW", (document.expires_at + timedelta(days=1)).isoformat())
    page = citizen_client.get("/certificates/wallet/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-status="expired"' in page and "/share/" not in page


def test_bob_sees_none_of_alices_documents(client_for: Any, bob: Any, document: Any) -> None:
    bobs = client_for(bob)
    page = bobs.get("/certificates/wallet/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert document.number not in page and "No document has been issued to you yet" in page
    assert bobs.get(f"/certificates/wallet/{document.id}/credential/").status_code == 404


def test_signed_out_the_wallet_asks_to_sign_in(client: Client) -> None:
    response = client.get("/certificates/wallet/")
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_my_gov_gets_the_wallet_as_plain_data(alice: Any, bob: Any, document: Any) -> None:
    entries = public.wallet_list(holder_id=alice.pk)
    assert [(e.number, e.status) for e in entries] == [(document.number, "valid")]
    assert entries[0].wallet_url.endswith(f"#document-{document.id}")
    assert public.wallet_list(holder_id=bob.pk) == []


def test_the_wallet_is_in_korean_too(citizen_client: Client, document: Any) -> None:
    page = citizen_client.get("/certificates/wallet/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "주민등록표 초본" in page and "전자문서지갑" in page


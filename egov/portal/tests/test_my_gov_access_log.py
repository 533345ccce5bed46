"""My Gov's "Who viewed my data" for the information-sharing gate's entries, and its download.

Each line names the organisation, the official or system, the time, the data product,
the purpose (in the reader's language), the consent or legal basis, the outcome with
the reason of a refusal, and the network address it came from — the PIPA access-log
fields. The entries here are written as the gate writes them; the gate itself is
exercised end to end in tests/browser/test_exchange_consent_journey.py.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from egov.core.audit import audit_append
from egov.exchange import public as exchange

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
CONSENT = str(uuid.UUID(int=7))


@pytest.fixture
def gate_entries(alice: Any, clerk: Any) -> Any:
    """A release to the 청운효자동 office under Alice's consent, then a refusal after she revoked it."""
    exchange.load_exchange_pack()
    subject = f"user:{alice.pk}"
    with transaction.atomic():
        audit_append(
            action="person.read", actor=f"user:{clerk.pk}", actor_label="청운효자동 · Casey Clerk",
            source_ip="192.0.2.10", subject=subject, purpose="Checking eligibility for a welfare benefit",
            legal_basis="Act on the Registration, etc. of Family Relationships, Article 14", consent=CONSENT,
            object_ref="resident:x",
            detail={"service": "child-allowance", "product": "family-relations@1", "organisation": "adm-1101072"},
        )
        audit_append(
            action="exchange.refused", actor=f"user:{clerk.pk}", actor_label="청운효자동 · Casey Clerk",
            source_ip="192.0.2.10", subject=subject, purpose="Checking eligibility for a welfare benefit",
            consent=CONSENT, object_ref="exchange:family-relations", outcome="denied",
            detail={"reason": "consent_revoked", "service": "child-allowance", "organisation": "adm-1101072",
                    "product": "family-relations"},
        )
    return subject


def _viewed_section(page: str) -> str:
    return page[page.index('id="viewed"'):page.index('id="inbox"')]


def test_a_gate_read_shows_organisation_official_data_purpose_consent_and_place(
    gate_entries: Any, alice_client: Client,
) -> None:
    viewed = _viewed_section(alice_client.get("/my/", **EN).content.decode())
    assert "<dd>청운효자동</dd>" in viewed
    assert "청운효자동 · Casey Clerk" in viewed
    assert "<dd>Family relations</dd>" in viewed
    assert "<dd>Checking eligibility for a welfare benefit</dd>" in viewed
    assert "Act on the Registration, etc. of Family Relationships, Article 14" in viewed
    assert "<dd>192.0.2.10</dd>" in viewed


def test_a_refused_request_is_shown_as_refused_with_its_reason(gate_entries: Any, alice_client: Client) -> None:
    viewed = _viewed_section(alice_client.get("/my/", **EN).content.decode())
    assert "Request for your data refused" in viewed
    assert "Refused: you had revoked your consent" in viewed
    assert f"Your consent ({CONSENT})" in viewed


def test_a_korean_reader_gets_the_packs_korean_purpose_and_data_product(gate_entries: Any, alice_client: Client) -> None:
    viewed = _viewed_section(alice_client.get("/my/").content.decode())
    assert "<dd>복지급여 수급 자격 확인</dd>" in viewed
    assert "<dd>가족관계 정보</dd>" in viewed
    assert "동의를 철회함" in viewed
    assert "Checking eligibility" not in viewed


def test_consent_entries_name_the_data_and_the_organisation_it_was_given_to(
    alice: Any, alice_client: Client, clerk: Any,
) -> None:
    exchange.load_exchange_pack()
    with transaction.atomic():
        audit_append(action="consent.granted", actor=f"user:{alice.pk}", actor_label="Alice Kim",
                     subject=f"user:{alice.pk}", consent=CONSENT, object_ref="exchange:family-relations",
                     detail={"recipient": "adm-1101072", "channel": "my_gov"})
        audit_append(action="consent.revoked", actor=f"user:{alice.pk}", actor_label="Alice Kim",
                     subject=f"user:{alice.pk}", consent=CONSENT, object_ref="exchange:family-relations",
                     detail={"recipient": "adm-1101072"})
    viewed = _viewed_section(alice_client.get("/my/", **EN).content.decode())
    assert "<dd>Consent given</dd>" in viewed and "<dd>Consent revoked</dd>" in viewed
    assert viewed.count("<dd>청운효자동</dd>") == 2 and viewed.count("<dd>Family relations</dd>") == 2


def test_my_gov_links_to_the_consents_page_for_a_person_linked_to_a_resident_record(
    alice: Any, alice_client: Client,
) -> None:
    assert "/my/consents/" not in alice_client.get("/my/", **EN).content.decode()
    alice.resident_id = uuid.uuid4()
    alice.save(update_fields=["resident_id"])
    page = alice_client.get("/my/", **EN).content.decode()
    assert "You have 0 active consents." in page and 'href="/my/consents/"' in page


def test_the_download_is_a_csv_file_of_every_entry_of_the_last_two_years(
    gate_entries: Any, alice: Any, alice_client: Client, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EGOV_NOW", "2020-01-02T03:04:05+00:00")
    with transaction.atomic():
        audit_append(action="auth.login", actor=f"user:{alice.pk}", actor_label="alice", subject=f"user:{alice.pk}",
                     purpose="too old to list")
    monkeypatch.delenv("EGOV_NOW")
    with transaction.atomic():
        for _ in range(60):
            audit_append(action="auth.login", actor=f"user:{alice.pk}", actor_label="alice", subject=f"user:{alice.pk}")
        audit_append(action="person.read", actor="user:x", actor_label="Someone else's reader", subject="user:other")
    response = alice_client.get("/my/access-log.csv", **EN)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="access-log-')
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 62  # the 60 sign-ins and the two gate entries: more than My Gov shows, none too old
    refused = next(row for row in rows if row["Action code"] == "exchange.refused")
    assert refused["Organisation"] == "청운효자동"
    assert refused["Data product"] == "Family relations"
    assert refused["Outcome"] == "Refused" and refused["Reason for refusal"] == "you had revoked your consent"
    assert refused["Place (network address)"] == "192.0.2.10"
    assert refused["Time"].endswith("+09:00")
    assert "too old to list" not in text and "Someone else's reader" not in text


def test_the_download_is_also_offered_as_json(gate_entries: Any, alice_client: Client) -> None:
    response = alice_client.get("/my/access-log.json", **EN)
    document = json.loads(response.content)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert document["period_days"] >= 730
    [read] = [entry for entry in document["entries"] if entry["action"] == "person.read"]
    assert read["organisation"] == "청운효자동" and read["data_product"] == "Family relations"
    assert read["purpose"] == "Checking eligibility for a welfare benefit" and read["consent"] == CONSENT


def test_the_download_is_only_for_the_signed_in_person() -> None:
    for url in ("/my/access-log.csv", "/my/access-log.json"):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

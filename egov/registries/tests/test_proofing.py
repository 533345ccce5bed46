"""Identity proofing: only a valid code (or the configured provider's proof) links an account to a resident.

Casey the clerk works at the 청운효자동 office; 홍길동 lives in its area and 김서울
across town; Alice and Bob are citizens with fresh accounts.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, MutableMapping
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from django.test import Client
from django.urls import reverse

from egov.core import clock
from egov.core.models.audit import AuditEntry
from egov.registries import proofing
from egov.registries.models import ProofingCode, Resident
from egov.registries.tests.factories import make_household, make_resident

pytestmark = pytest.mark.django_db

PROOF_URL = "/registries/proof/"
COUNTER_URL = "/back-office/identity/"
FAILURE = "The registration number and the code do not match a valid code."


@pytest.fixture(autouse=True)
def english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def hong(db: None) -> Resident:
    return make_resident(name_ko="홍길동", name_en="HONG GILDONG", phone="010-1234-5678")


@pytest.fixture
def kim(db: None) -> Resident:
    return make_resident(name_ko="김철수", name_en="KIM CHEOLSU", email="cheolsu@example.org")


@pytest.fixture
def across_town(db: None) -> Resident:
    """김서울 lives in 사직동, outside the clerk's office's area."""
    household = make_household(road="사직로", building_number="9", legal_dong_code="1111011500", admin_dong_code="1101053")
    return make_resident(name_ko="김서울", name_en="KIM SEOUL", household=household)


def _en(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def _issue_at_counter(clerk_client: Client, resident: Resident) -> str:
    """The clerk looks the visitor up and issues a code, as on the page; returns the code as shown."""
    found = clerk_client.post(COUNTER_URL, {"action": "lookup", "number": resident.identifier})
    assert found.status_code == 200, found.content.decode()
    issued = clerk_client.post(COUNTER_URL, {"action": "issue", "resident": str(resident.pk)})
    assert issued.status_code == 200
    shown = re.search(r'id="proofing-code">(\d{4} \d{4})<', issued.content.decode())
    assert shown, "the code is shown on the page"
    return shown.group(1)


def _prove(client: Client, number: str, code: str) -> Any:
    return client.post(PROOF_URL, {"action": "prove", "proof-number": number, "proof-code": code})


def _linked(user: Any) -> UUID | None:
    user.refresh_from_db()
    return user.resident_id  # type: ignore[no-any-return]


# --- the journey through the pages ---------------------------------------------------------


def test_a_code_from_the_counter_links_the_account_and_leads_to_my_gov(
    clerk_client: Client, client_for: Any, alice: Any, hong: Resident
) -> None:
    code = _issue_at_counter(_en(clerk_client), hong)
    citizen = _en(client_for(alice))
    response = _prove(citizen, hong.identifier[:6] + "-" + hong.identifier[6:], code)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:my_gov")
    assert _linked(alice) == hong.pk
    page = citizen.get(response["Location"])
    assert "Your identity is proven" in page.content.decode()


def test_the_counter_page_asks_for_the_id_card_and_shows_the_record_masked(clerk_client: Client, hong: Resident) -> None:
    page = _en(clerk_client).get(COUNTER_URL).content.decode()
    assert "check the visitor's ID card" in page
    found = clerk_client.post(COUNTER_URL, {"action": "lookup", "number": hong.identifier}).content.decode()
    assert "홍길동" in found and "자하문로" in found
    assert hong.identifier[:6] + "-" + hong.identifier[6] + "******" in found
    assert hong.identifier not in found


def test_the_code_is_shown_once_and_stored_only_as_a_keyed_hash(clerk_client: Client, hong: Resident) -> None:
    code = _issue_at_counter(clerk_client, hong).replace(" ", "")
    row = ProofingCode.objects.get(resident=hong)
    assert row.channel == "counter" and row.code_hash != code and code not in row.code_hash
    assert len(code) == 8
    again = clerk_client.get(COUNTER_URL).content.decode()
    assert code[:4] + " " + code[4:] not in again


# --- typing a number proves nothing --------------------------------------------------------


def test_typing_someones_number_without_a_valid_code_links_nothing(client_for: Any, alice: Any, hong: Resident) -> None:
    response = _prove(_en(client_for(alice)), hong.identifier, "12345678")
    assert response.status_code == 422
    assert FAILURE in response.content.decode()
    assert _linked(alice) is None


def test_a_code_issued_for_another_resident_fails_and_links_nothing(
    clerk_client: Client, client_for: Any, alice: Any, hong: Resident, kim: Resident
) -> None:
    code = _issue_at_counter(clerk_client, hong)
    response = _prove(_en(client_for(alice)), kim.identifier, code)
    assert response.status_code == 422
    assert FAILURE in response.content.decode()
    assert _linked(alice) is None
    assert not ProofingCode.objects.filter(used_at__isnull=False).exists()


def test_an_unknown_number_gets_the_very_same_answer_as_a_wrong_code(
    client_for: Any, alice: Any, hong: Resident, clerk_client: Client
) -> None:
    _issue_at_counter(clerk_client, hong)
    citizen = _en(client_for(alice))
    wrong_code = _prove(citizen, hong.identifier, "00000000")
    unknown = _prove(citizen, "9001011234568", "00000000")
    assert wrong_code.status_code == unknown.status_code == 422

    def error_of(response: Any) -> str:
        return re.findall(r'class="form-hint-invalid"[^>]*>([^<]*)<', response.content.decode())[0]

    assert error_of(wrong_code) == error_of(unknown)


def test_an_expired_code_fails(clerk_client: Client, client_for: Any, alice: Any, hong: Resident) -> None:
    code = _issue_at_counter(clerk_client, hong)
    ProofingCode.objects.filter(resident=hong).update(expires_at=clock.now() - timedelta(seconds=1))
    response = _prove(_en(client_for(alice)), hong.identifier, code)
    assert FAILURE in response.content.decode()
    assert _linked(alice) is None


def test_a_code_stops_working_after_its_time_on_the_platform_clock(
    clerk_client: Client, client_for: Any, alice: Any, hong: Resident, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = _issue_at_counter(clerk_client, hong)
    later = clock.now() + timedelta(minutes=16)
    monkeypatch.setenv("EGOV_NOW", later.isoformat())
    response = _prove(_en(client_for(alice)), hong.identifier, code)
    assert FAILURE in response.content.decode()
    assert _linked(alice) is None


def test_five_wrong_codes_burn_the_code(clerk_client: Client, client_for: Any, alice: Any, hong: Resident) -> None:
    code = _issue_at_counter(clerk_client, hong)
    citizen = _en(client_for(alice))
    for _attempt in range(5):
        assert _prove(citizen, hong.identifier, "99999999" if code != "9999 9999" else "11111111").status_code == 422
    response = _prove(citizen, hong.identifier, code)
    assert FAILURE in response.content.decode()
    assert _linked(alice) is None


def test_a_code_is_used_once(clerk_client: Client, client_for: Any, alice: Any, bob: Any, hong: Resident) -> None:
    code = _issue_at_counter(clerk_client, hong)
    assert _prove(client_for(alice), hong.identifier, code).status_code == 302
    response = _prove(_en(client_for(bob)), hong.identifier, code)
    assert FAILURE in response.content.decode()
    assert _linked(bob) is None
    row = ProofingCode.objects.get(resident=hong)
    assert row.used_by_id == alice.pk and row.used_at is not None


def test_too_many_failures_stop_even_a_right_code_for_a_while(
    clerk_client: Client, client_for: Any, alice: Any, hong: Resident, kim: Resident
) -> None:
    citizen = _en(client_for(alice))
    for _attempt in range(proofing.FAILURES_PER_WINDOW):
        _prove(citizen, kim.identifier, "12345678")
    code = _issue_at_counter(clerk_client, hong)
    response = _prove(citizen, hong.identifier, code)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert _linked(alice) is None


# --- who may link what ---------------------------------------------------------------------


def test_an_account_already_linked_is_told_so(clerk_client: Client, client_for: Any, alice: Any, hong: Resident, kim: Resident) -> None:
    assert _prove(client_for(alice), hong.identifier, _issue_at_counter(clerk_client, hong)).status_code == 302
    response = _prove(_en(client_for(alice)), kim.identifier, _issue_at_counter(clerk_client, kim))
    assert response.status_code == 409
    assert "Your account is already linked to your resident record." in response.content.decode()
    assert _linked(alice) == hong.pk


def test_a_resident_linked_to_another_account_is_refused_clearly(
    clerk_client: Client, client_for: Any, alice: Any, bob: Any, hong: Resident
) -> None:
    assert _prove(client_for(alice), hong.identifier, _issue_at_counter(clerk_client, hong)).status_code == 302
    code = _issue_at_counter(clerk_client, hong)
    response = _prove(_en(client_for(bob)), hong.identifier, code)
    assert response.status_code == 409
    assert "already linked to another account" in response.content.decode()
    assert _linked(bob) is None
    assert AuditEntry.objects.filter(action="identity.proof.refused", subject=f"resident:{hong.pk}").exists()


def test_a_clerk_cannot_look_up_or_issue_for_a_resident_outside_the_office_area(
    clerk_client: Client, clerk: Any, across_town: Resident
) -> None:
    response = _en(clerk_client).post(COUNTER_URL, {"action": "lookup", "number": across_town.identifier})
    assert response.status_code == 403
    page = html.unescape(response.content.decode())
    assert "outside your office's area" in page and "김서울" not in page
    issued = clerk_client.post(COUNTER_URL, {"action": "issue", "resident": str(across_town.pk)})
    assert issued.status_code == 403
    assert not ProofingCode.objects.filter(resident=across_town).exists()
    refused = AuditEntry.objects.filter(action="person.read", subject=f"resident:{across_town.pk}")
    assert set(refused.values_list("outcome", flat=True)) == {"denied"}


def test_the_counter_is_only_for_officials_who_may_prove_identity(
    client_for: Any, alice: Any, reviewer: Any, hong: Resident
) -> None:
    assert client_for(alice).get(COUNTER_URL).status_code == 403
    assert client_for(reviewer).post(COUNTER_URL, {"action": "lookup", "number": hong.identifier}).status_code == 403
    with pytest.raises(proofing.PermissionDenied):
        proofing.proofing_code_issue_at_counter(clerk=reviewer, resident_id=hong.pk)


def test_no_code_is_issued_for_a_deceased_resident(clerk_client: Client) -> None:
    from datetime import date

    late = make_resident(name_ko="고인", status="deceased", died_on=date(2020, 1, 1))
    page = _en(clerk_client).post(COUNTER_URL, {"action": "lookup", "number": late.identifier}).content.decode()
    assert "no code can be issued" in page
    assert clerk_client.post(COUNTER_URL, {"action": "issue", "resident": str(late.pk)}).status_code == 422
    assert not ProofingCode.objects.filter(resident=late).exists()


# --- the audit log -------------------------------------------------------------------------


def test_issuing_and_linking_are_written_to_the_audit_log(
    clerk_client: Client, clerk: Any, client_for: Any, alice: Any, hong: Resident
) -> None:
    code = _issue_at_counter(clerk_client, hong)
    reads = AuditEntry.objects.filter(action="person.read", subject=f"resident:{hong.pk}", actor=f"user:{clerk.pk}")
    assert reads.exists()
    assert {(e.purpose, e.legal_basis, e.outcome) for e in reads} == {
        ("identity proofing", "Resident Registration Act", "success")
    }
    issued = AuditEntry.objects.get(action="identity.code.issued", subject=f"resident:{hong.pk}")
    assert issued.actor == f"user:{clerk.pk}" and issued.detail["channel"] == "counter"
    assert code.replace(" ", "") not in str(issued.detail)

    _prove(client_for(alice), hong.identifier, code)
    proofed = AuditEntry.objects.filter(action="identity.proofed")
    assert set(proofed.values_list("subject", flat=True)) == {f"user:{alice.pk}", f"resident:{hong.pk}"}


def test_a_failed_attempt_is_logged_against_the_account(client_for: Any, alice: Any, hong: Resident) -> None:
    _prove(client_for(alice), hong.identifier, "12345678")
    failed = AuditEntry.objects.get(action="identity.proof.failed")
    assert failed.subject == f"user:{alice.pk}" and failed.outcome == "failure"


# --- a code sent to the contact on the record ----------------------------------------------


def _send(client: Client, number: str) -> Any:
    return client.post(PROOF_URL, {"action": "send", "send-number": number}, follow=True)


def test_asking_for_a_code_answers_the_same_whether_the_number_exists_or_not(
    client_for: Any, alice: Any, hong: Resident
) -> None:
    citizen = _en(client_for(alice))
    known = _send(citizen, hong.identifier)
    unknown = _send(citizen, "9001011234568")
    assert known.status_code == unknown.status_code == 200
    said = [str(m) for m in known.context["messages"]]
    assert said == [str(m) for m in unknown.context["messages"]]
    assert "If this number is on the resident register" in said[0]


def test_a_code_sent_to_the_phone_on_record_links_the_account(
    client_for: Any, alice: Any, hong: Resident, operator_client: Client
) -> None:
    _send(client_for(alice), hong.identifier)
    sent = proofing.contact_outbox_list()
    assert [(m.channel, m.to) for m in sent] == [("sms", "010-1234-5678")]
    code = re.search(r"\b(\d{8})\b", sent[0].body)
    assert code
    outbox_page = operator_client.get("/back-office/identity/outbox/").content.decode()
    assert code.group(1) in outbox_page
    assert _prove(client_for(alice), hong.identifier, code.group(1)).status_code == 302
    assert _linked(alice) == hong.pk
    assert AuditEntry.objects.get(action="identity.code.issued").detail["to"] == "010-****-5678"


def test_a_record_without_a_contact_gets_no_code_and_the_page_does_not_say_so(client_for: Any, alice: Any) -> None:
    nobody = make_resident(name_ko="무연락")
    response = _send(_en(client_for(alice)), nobody.identifier)
    assert "If this number is on the resident register" in response.content.decode()
    assert not ProofingCode.objects.filter(resident=nobody).exists()
    assert proofing.contact_outbox_list() == []


def test_codes_to_one_contact_are_limited_and_so_are_requests_per_account(
    client_for: Any, alice: Any, bob: Any, kim: Resident
) -> None:
    for _request in range(proofing.REQUESTS_PER_WINDOW):
        _send(client_for(alice), kim.identifier)
    refused = _send(_en(client_for(alice)), kim.identifier)
    assert "You have asked for several codes" in refused.content.decode()
    _send(client_for(bob), kim.identifier)
    assert ProofingCode.objects.filter(resident=kim, channel="email").count() == proofing.CONTACT_CODES_PER_WINDOW


def test_production_sends_no_codes_through_the_local_outbox(settings: Any, client_for: Any, alice: Any, hong: Resident) -> None:
    settings.PRODUCTION = True
    page = _en(client_for(alice)).get(PROOF_URL).content.decode()
    assert "Send me a code" not in page
    with pytest.raises(proofing.ValidationError):
        proofing.identity_code_request(user=alice, number=hong.identifier)
    assert not ProofingCode.objects.exists()


# --- the adapter: another provider plugs in by dotted path ----------------------------------


class NationalProviderStandIn(proofing.IdentityProvider):
    """A stand-in for a national identity provider that sends the citizen away and back.

    The real one answers with a signed assertion; this one trusts its ``resident``
    parameter, which is enough to exercise the platform's side of the flow.
    """

    key = "national-stand-in"
    name = "National ID"
    redirects = True

    def start(self, *, user_id: UUID, return_url: str, session: MutableMapping[str, Any]) -> str:
        session["stand_in_state"] = "s3cret-state"
        return f"https://idp.example/authorize?state=s3cret-state&redirect_uri={return_url}"

    def verify(self, *, user_id: UUID, evidence: Mapping[str, str], session: MutableMapping[str, Any]) -> proofing.Proof:
        if not evidence.get("state") or evidence.get("state") != session.pop("stand_in_state", None):
            raise proofing.ProofingFailed
        return proofing.Proof(resident_id=UUID(evidence["resident"]), method="national-id", reference="txn-1")


def test_a_redirecting_provider_configured_by_dotted_path_proves_identity(
    settings: Any, client_for: Any, alice: Any, bob: Any, hong: Resident, kim: Resident
) -> None:
    settings.EGOV_IDENTITY_PROVIDER = f"{__name__}.NationalProviderStandIn"
    citizen = _en(client_for(alice))
    assert "Continue with National ID" in citizen.get(PROOF_URL).content.decode()
    away = citizen.post(PROOF_URL, {"action": "start"})
    assert away.status_code == 302 and away["Location"].startswith("https://idp.example/authorize")
    back = citizen.get("/registries/proof/return/", {"state": "s3cret-state", "resident": str(hong.pk)})
    assert back["Location"] == reverse("portal:my_gov")
    assert _linked(alice) == hong.pk

    forged = _en(client_for(bob)).get("/registries/proof/return/", {"state": "guessed", "resident": str(kim.pk)}, follow=True)
    assert FAILURE in forged.content.decode()
    assert _linked(bob) is None

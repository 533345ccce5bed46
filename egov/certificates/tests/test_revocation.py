"""Revocation: a death registered, a move, an official's decision; the holder is told and verification says so."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from django.test import Client

from egov.certificates import credentials, sdjwt
from egov.certificates.models import DocumentStatus
from egov.certificates.revocation import EVENT, on_resident_changed
from egov.certificates.tests.conftest import FACTS
from egov.core.events import Event
from egov.core.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


BUSAN = {
    "sido": "부산광역시", "sigungu": "해운대구", "road": "해운대로", "building_number": "570", "detail": "",
    "postcode": "48094", "legal_dong_code": "2635010500", "admin_dong_code": "2635052000",
}


@pytest.fixture
def resident(db: None) -> Any:
    from egov.registries.tests.factories import make_resident

    return make_resident(name_ko="김하늘", birth_date=date(1990, 1, 1), sex="F")


@pytest.fixture
def issue(alice: Any, resident: Any) -> Any:
    """``issue(document_type)``: a document about Alice's resident record, issued as the approval path does."""
    from egov.certificates import services

    def make(document_type: str = "resident-registration-extract") -> Any:
        return services.document_issue_with_facts(
            document_type=document_type,
            holder_id=alice.pk,
            subject_resident_ids=[resident.id],
            case_reference="2026-000001",
            application_id=uuid.uuid4(),
            values={"facts": FACTS, "form": {}, "applicant": {"name": "김하늘"}, "case": {}},
            authority="서울특별시 종로구 청운효자동",
            by="system:applications",
        )

    return make


def _inbox(user: Any) -> list[Any]:
    from egov.notifications import public as notifications

    return notifications.inbox_list(user.pk)


def test_a_registered_death_revokes_the_documents_about_the_person_and_tells_the_holder(
    alice: Any, resident: Any, issue: Any, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    from egov.exchange import public as registries  # registry writes reach us as they reach applications

    document = issue()
    unrelated = issue()
    unrelated.subject_resident_ids = [str(uuid.uuid4())]
    unrelated.save(update_fields=["subject_resident_ids"])
    presentation = sdjwt.select(credentials.wallet_credential(document=document, by="t").sd_jwt, ["name"])

    with django_capture_on_commit_callbacks(execute=True):
        registries.death_report(
            deceased_number=resident.identifier, reporter_id=None, died_on=date(2026, 11, 1),
            cause_ref="2026-000099", by="system:applications",
        )

    document.refresh_from_db()
    unrelated.refresh_from_db()
    assert document.status == DocumentStatus.REVOKED and document.revoked_at is not None
    assert "death" in document.revocation_cause or "사망" in document.revocation_cause
    assert unrelated.status == DocumentStatus.VALID
    # Alice's inbox says which document and why.
    notice = _inbox(alice)[0]
    assert document.number in notice.body
    # Every way of verifying now says revoked, with the date.
    page = client.get(f"/verify/{document.number}/").content.decode()
    assert 'data-verdict="revoked"' in page and "Revoked on" in page
    api = client.post("/api/v1/certificates/verify", {"number": document.number}).json()
    assert api["verdict"] == "revoked" and api["revoked_at"]
    assert credentials.presentation_check(presentation=presentation).verdict == "revoked"
    entry = AuditEntry.objects.filter(action="certificate.revoked").get()
    assert entry.subject == f"user:{alice.pk}" and entry.actor == "system:registries"


def test_a_move_revokes_the_abstract_which_prints_the_address(
    resident: Any, issue: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from egov.exchange import public as registries  # registry writes reach us as they reach applications

    document = issue()
    with django_capture_on_commit_callbacks(execute=True):
        registries.resident_move_in(
            resident_id=resident.id, address=BUSAN, moved_in_on=date(2026, 11, 2), cause_ref="2026-000100",
            by="system:applications",
        )
    document.refresh_from_db()
    assert document.status == DocumentStatus.REVOKED


def test_a_correction_of_the_phone_alone_revokes_nothing(resident: Any, issue: Any) -> None:
    document = issue()
    on_resident_changed(Event(EVENT, {"resident_ids": [str(resident.id)], "change": "corrected", "fields": ["phone"]}))
    document.refresh_from_db()
    assert document.status == DocumentStatus.VALID
    on_resident_changed(Event(EVENT, {"resident_ids": [str(resident.id)], "change": "corrected",
                                      "fields": ["registration_base"]}))
    document.refresh_from_db()
    assert document.status == DocumentStatus.REVOKED


def test_a_reviewer_revokes_a_document_by_hand_with_a_reason(
    alice: Any, reviewer: Any, client_for: Any, issue: Any
) -> None:
    document = issue()
    official = client_for(reviewer)
    official.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    refused = official.post("/certificates/backoffice/revoke/", {"number": document.number, "reason": " "})
    assert refused.status_code == 400 and "Say why" in refused.content.decode()
    document.refresh_from_db()
    assert document.status == DocumentStatus.VALID

    done = official.post("/certificates/backoffice/revoke/", {"number": document.number, "reason": "Issued in error"})
    assert done.status_code == 200 and 'id="revoked"' in done.content.decode()
    document.refresh_from_db()
    assert document.status == DocumentStatus.REVOKED and document.revocation_cause == "Issued in error"
    assert "Issued in error" in _inbox(alice)[0].body
    entry = AuditEntry.objects.filter(action="certificate.revoked").get()
    assert entry.actor == f"user:{reviewer.pk}" and entry.subject == f"user:{alice.pk}"

    again = official.post("/certificates/backoffice/revoke/", {"number": document.number, "reason": "Twice"})
    assert again.status_code == 400 and "already revoked" in again.content.decode()


def test_a_clerk_without_the_decision_permission_cannot_revoke(clerk_client: Client, issue: Any) -> None:
    document = issue()
    response = clerk_client.post("/certificates/backoffice/revoke/", {"number": document.number, "reason": "x"})
    assert response.status_code == 403
    document.refresh_from_db()
    assert document.status == DocumentStatus.VALID


def test_alice_sees_the_revocation_on_her_wallet_page(citizen_client: Client, issue: Any) -> None:
    from egov.certificates import revocation

    document = issue()
    revocation.document_revoke(document_id=document.id, reason="Issued in error", by="user:test")
    page = citizen_client.get("/certificates/wallet/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-status="revoked"' in page and "Issued in error" in page
    assert f"/certificates/wallet/{document.id}/share/" not in page  # a revoked document cannot be shared

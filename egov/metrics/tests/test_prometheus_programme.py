"""``/metrics`` gains documents issued and verified, deliveries and SLA breaches, computed from the records."""

from __future__ import annotations

from uuid import UUID

import pytest
from django.test import Client, TestCase

from egov.applications import public as applications

pytestmark = pytest.mark.django_db


def test_an_issued_and_verified_document_shows_in_the_scrape(
    people: list[UUID], monkeypatch: pytest.MonkeyPatch, operator_client: Client, client: Client,
) -> None:
    from egov.certificates import public as certificates

    monkeypatch.setenv("EGOV_NOW", "2026-03-10T10:00:00+09:00")
    with TestCase.captureOnCommitCallbacks(execute=True):  # the document is issued once the approval commits
        applications.application_file(applicant_id=people[0], service_id="resident-registration-copy",
                                      data={"copies": 1}, idempotency_key="p-1")
    (document,) = certificates.wallet_list(holder_id=people[0])
    client.get(f"/verify/{document.number}/")

    text = operator_client.get("/metrics").content.decode()

    assert 'egov_documents_issued{document_type="resident-registration-copy"} 1.0' in text
    assert 'egov_document_verifications{outcome="success"} 1.0' in text
    assert 'egov_sla_breaches{kind="open_overdue"} 0.0' in text
    assert "egov_message_deliveries" in text


def test_the_scrape_stays_closed_to_the_public(client: Client) -> None:
    assert client.get("/metrics").status_code in (302, 403)

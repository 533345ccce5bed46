"""POST /api/v1/certificates/verify: what a bank's system sends (a number or the PDF) and gets back."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

pytestmark = pytest.mark.django_db

URL = "/api/v1/certificates/verify"


def test_a_bank_verifies_by_number_and_gets_only_the_public_facts(client: Client, issue: Any) -> None:
    document = issue()
    answer = client.post(URL, {"number": document.number}).json()
    assert answer["verdict"] == "valid" and answer["number"] == document.number
    assert answer["public_facts"] == [{"label": {"ko": "성명", "en": "Name"}, "value": "김하늘"}]
    assert answer["title"]["en"] == "Resident registration abstract"


def test_a_bank_verifies_the_pdf_itself(client: Client, issue: Any) -> None:
    pdf = bytes(issue().pdf)
    answer = client.post(
        URL, {"file": SimpleUploadedFile("d.pdf", pdf, content_type="application/pdf")}
    ).json()
    assert answer["verdict"] == "valid"
    tampered = pdf.replace(b"/Type /Page", b"/Type /Pag ", 1)
    answer = client.post(
        URL, {"file": SimpleUploadedFile("d.pdf", tampered, content_type="application/pdf")}
    ).json()
    assert answer["verdict"] == "not_valid" and answer["public_facts"] == []


def test_a_mistyped_number_is_a_problem_document_naming_the_field(client: Client) -> None:
    response = client.post(URL, {"number": "1234-5678"})
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert "number" in response.json()["errors"]


def test_a_request_with_neither_number_nor_file_says_what_to_send(client: Client) -> None:
    response = client.post(URL, {})
    assert response.status_code == 422 and "file" in response.json()["detail"]


def test_a_bank_reads_the_dates_and_the_holder_is_told_of_each_verification(client: Client, issue: Any) -> None:
    from egov.core.models.audit import AuditEntry

    document = issue()
    for _time in range(3):
        answer = client.post(URL, {"number": document.number}).json()
        assert answer["verdict"] == "valid"
        # To the millisecond, as the JSON writes them.
        assert abs(datetime.fromisoformat(answer["issued_at"]) - document.issued_at) < timedelta(milliseconds=1)
        assert abs(datetime.fromisoformat(answer["expires_at"]) - document.expires_at) < timedelta(milliseconds=1)
    entries = AuditEntry.objects.filter(action="certificate.verified", object_ref=f"document:{document.id}")
    assert entries.count() == 3
    assert {entry.subject for entry in entries} == {f"user:{document.holder_id}"}


def test_an_unknown_number_is_not_valid_and_is_still_recorded(client: Client) -> None:
    from egov.certificates import numbers
    from egov.core.models.audit import AuditEntry

    number = numbers.new_number()
    answer = client.post(URL, {"number": number}).json()
    assert answer["verdict"] == "not_valid" and answer["public_facts"] == [] and answer["authority"] == ""
    entry = AuditEntry.objects.get(action="certificate.verified")
    assert entry.subject is None and entry.outcome == "failure"

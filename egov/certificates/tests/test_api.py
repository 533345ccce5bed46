"""POST /api/v1/certificates/verify: what a bank's system sends (a number or the PDF) and gets back."""

from __future__ import annotations

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

"""The public verification page, signed out: by number (the QR's link), by upload; verdicts, limits, audit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from egov.accounts.fixtures import sign_in_client
from egov.certificates.models import DocumentStatus
from egov.certificates.rendering import format_number
from egov.core import clock
from egov.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _verdict(response: Any) -> str:
    text = response.content.decode()
    return text.split('data-verdict="', 1)[1].split('"', 1)[0]


def test_the_verify_page_opens_without_signing_in_and_is_in_the_navigation(client: Client) -> None:
    response = client.get("/verify/")
    assert response.status_code == 200
    assert (
        'href="/verify/" class="gnb-main-trigger is-link active" aria-current="page"'
        in response.content.decode()
    )


def test_the_qr_link_shows_valid_and_only_the_public_facts(client: Client, issue: Any) -> None:
    document = issue()
    response = client.get(f"/verify/{document.number}/")
    assert _verdict(response) == "valid"
    page = response.content.decode()
    assert "김하늘" in page and format_number(document.number) in page and "청운효자동" in page
    assert "900101" not in page and "자하문로" not in page  # the number and the address are not public


def test_a_typed_number_with_dashes_goes_to_its_verdict(client: Client, issue: Any) -> None:
    document = issue()
    response = client.get("/verify/", {"number": format_number(document.number)})
    assert response.status_code == 302 and response["Location"] == f"/verify/{document.number}/"


def test_a_mistyped_number_is_caught_by_its_check_digit_with_a_message(client: Client, issue: Any) -> None:
    number = issue().number
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    response = client.get("/verify/", {"number": wrong})
    assert response.status_code == 400
    assert "check digit" in response.content.decode()
    assert not AuditEntry.objects.filter(action="certificate.verified").exists()


def test_a_well_formed_number_that_was_never_issued_is_not_valid(client: Client) -> None:
    from egov.certificates.numbers import new_number

    assert _verdict(client.get(f"/verify/{new_number()}/")) == "not_valid"


def test_a_revoked_document_says_revoked(client: Client, issue: Any) -> None:
    document = issue()
    document.status = DocumentStatus.REVOKED
    document.save(update_fields=["status"])
    assert _verdict(client.get(f"/verify/{document.number}/")) == "revoked"


def test_a_document_past_its_verification_period_says_expired(client: Client, issue: Any) -> None:
    document = issue()
    document.expires_at = clock.now() - timedelta(minutes=1)
    document.save(update_fields=["expires_at"])
    assert _verdict(client.get(f"/verify/{document.number}/")) == "expired"


def test_the_uploaded_pdf_as_issued_is_valid_and_one_changed_byte_is_not(client: Client, issue: Any) -> None:
    document = issue()
    pdf = bytes(document.pdf)
    upload = SimpleUploadedFile("doc.pdf", pdf, content_type="application/pdf")
    assert _verdict(client.post(reverse("certificates:verify_upload"), {"file": upload})) == "valid"
    changed = bytearray(pdf)
    changed[len(changed) // 2] ^= 0x01
    upload = SimpleUploadedFile("doc.pdf", bytes(changed), content_type="application/pdf")
    response = client.post(reverse("certificates:verify_upload"), {"file": upload})
    assert _verdict(response) == "not_valid"
    assert "김하늘" not in response.content.decode()


def test_an_upload_without_a_file_asks_for_one(client: Client) -> None:
    response = client.post(reverse("certificates:verify_upload"), {})
    assert response.status_code == 400 and "Choose a PDF file." in response.content.decode()


def test_the_holder_sees_each_verification_in_who_viewed_my_data(
    client: Client, issue: Any, alice: Any
) -> None:
    document = issue()
    client.get(f"/verify/{document.number}/")
    entry = AuditEntry.objects.get(action="certificate.verified")
    assert entry.subject == f"user:{alice.pk}" and entry.actor == "anonymous"
    assert entry.detail["verdict"] == "valid"


def test_too_many_verifications_from_one_address_are_refused(
    client: Client, issue: Any, settings: Any
) -> None:
    settings.EGOV_CERTIFICATE_VERIFY_RATE = 3
    document = issue()
    for _ in range(3):
        assert client.get(f"/verify/{document.number}/").status_code == 200
    response = client.get(f"/verify/{document.number}/")
    assert response.status_code == 429
    assert "Wait a minute" in response.content.decode()


def test_the_holder_downloads_their_pdf_and_nobody_else_can(
    client: Client, issue: Any, alice: Any, bob: Any
) -> None:
    document = issue()
    url = reverse("certificates:download", args=[document.id])
    sign_in_client(client, alice)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == bytes(document.pdf)
    other = sign_in_client(Client(), bob)
    assert other.get(url).status_code == 404


def test_the_page_comes_in_korean(client: Client, issue: Any) -> None:
    document = issue()
    response = client.get(f"/verify/{document.number}/", HTTP_ACCEPT_LANGUAGE="ko")
    assert "유효" in response.content.decode() and "주민등록표 초본" in response.content.decode()


def test_a_link_cut_short_leads_to_the_form_with_the_message(client: Client) -> None:
    response = client.get("/verify/12345/", follow=True)
    assert response.status_code == 400 and "Enter the 16 digits" in response.content.decode()

"""Issuing a document: the PDF/A-2b parts, the PAdES B-T signature and its time-stamp, the key rollover."""

from __future__ import annotations

import hashlib
import re
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.test import override_settings
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from egov.certificates import numbers
from egov.certificates.models import IssuedDocument
from egov.certificates.rendering import FontMissing
from egov.core import keys
from egov.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _reader(document: IssuedDocument) -> PdfFileReader:
    return PdfFileReader(BytesIO(bytes(document.pdf)))


def _platform_root() -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(
        keys.load_certificate("root-ca").public_bytes(serialization.Encoding.DER)
    )


def test_a_document_gets_a_well_formed_unguessable_number(issue: Any) -> None:
    first, second = issue(), issue()
    assert numbers.is_well_formed(first.number) and numbers.is_well_formed(second.number)
    assert first.number != second.number
    assert first.sha256 == hashlib.sha256(bytes(first.pdf)).hexdigest()
    assert (first.expires_at - first.issued_at).days == 90


def test_a_mistyped_digit_or_swapped_neighbours_fail_the_check_digit() -> None:
    number = numbers.new_number()
    wrong = number[:3] + str((int(number[3]) + 1) % 10) + number[4:]
    assert not numbers.is_well_formed(wrong)
    # Luhn catches every swap of neighbours except 09 and 90 (its one known blind spot).
    if number[5] != number[6] and {number[5], number[6]} != {"0", "9"}:
        assert not numbers.is_well_formed(number[:5] + number[6] + number[5] + number[7:])


def test_the_pdf_declares_pdfa_2b_in_its_xmp(issue: Any) -> None:
    reader = _reader(issue())
    xmp = reader.root["/Metadata"].get_object().data.decode()
    assert 'pdfaid:part="2"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert xmp.count("pdfaid:part") == 1 and xmp.count("<rdf:Description") == 1
    assert "주민등록표 초본" in xmp  # the title, the same as in the information dictionary
    info = reader.trailer["/Info"]
    for entry in ("/Producer", "/Keywords", "/Creator"):
        assert info[entry] and info[entry] in xmp


def test_every_font_is_embedded_and_korean_text_uses_pretendard(issue: Any) -> None:
    reader = _reader(issue())
    fonts = reader.root["/Pages"]["/Kids"][0].get_object()["/Resources"]["/Font"]
    names = []
    for font in fonts.values():
        font = font.get_object()
        names.append(str(font["/BaseFont"]))
        assert "/FontFile2" in font["/FontDescriptor"].get_object()
    assert names and all("PretendardGOV" in name for name in names)


def test_the_pdf_has_an_srgb_output_intent(issue: Any) -> None:
    intent = _reader(issue()).root["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3 and profile.data[36:40] == b"acsp"  # an ICC profile's signature


def test_the_signature_validates_against_the_platform_root_with_a_timestamp(issue: Any) -> None:
    signature = _reader(issue()).embedded_signatures[0]
    context = ValidationContext(trust_roots=[_platform_root()], allow_fetching=False)
    status = validate_pdf_signature(signature, context, ts_validation_context=context)
    assert status.bottom_line and status.trusted and status.intact
    assert status.coverage.name == "ENTIRE_FILE"
    assert "Document Signing" in status.signing_cert.subject.human_friendly
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert "Time Stamping Authority" in status.timestamp_validity.signing_cert.subject.human_friendly


def test_a_signature_under_a_foreign_root_is_not_trusted(issue: Any, tmp_path: Path) -> None:
    document = issue()
    with override_settings(EGOV_KEYS_DIR=tmp_path):  # another platform's keys
        foreign_root = _platform_root()
    context = ValidationContext(trust_roots=[foreign_root], allow_fetching=False)
    status = validate_pdf_signature(_reader(document).embedded_signatures[0], context)
    assert not status.bottom_line


def test_a_document_signed_under_the_previous_key_still_verifies_after_a_rollover(
    issue: Any,
    tmp_path: Path,
) -> None:
    from egov.certificates import services

    with override_settings(EGOV_KEYS_DIR=tmp_path):  # a keys directory of its own: the rollover stays here
        before = issue()
        keys.rollover("document-signing")
        after = issue()
        assert before.signing_key_id != after.signing_key_id
        for document in (before, after):
            assert services.document_verify_pdf(pdf=bytes(document.pdf)).verdict == "valid"


def test_issuing_is_audited_with_the_holder_as_subject(issue: Any, alice: Any) -> None:
    document = issue()
    entry = AuditEntry.objects.get(action="certificate.issued")
    assert entry.subject == f"user:{alice.pk}" and entry.object_ref == f"document:{document.id}"


def test_an_applications_document_issued_twice_is_the_first_one(issue: Any) -> None:
    from egov.certificates import services

    first = issue()
    with pytest.raises(services.AlreadyIssued) as again:
        issue(application_id=first.application_id)
    assert again.value.document.number == first.number
    assert IssuedDocument.objects.filter(application_id=first.application_id).count() == 1
    assert AuditEntry.objects.filter(action="certificate.issued").count() == 1


def test_a_number_drawn_again_and_again_stores_nothing_and_says_to_try_again(
    issue: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from egov.core.errors import ValidationError

    taken = issue().number
    monkeypatch.setattr(numbers, "new_number", lambda: taken)
    with pytest.raises(ValidationError, match="try again"):
        issue()
    assert IssuedDocument.objects.count() == 1
    assert AuditEntry.objects.filter(action="certificate.issued").count() == 1


def test_no_resident_registration_number_is_public(issue: Any) -> None:
    document = issue()
    public = " ".join(str(fact["value"]) for fact in document.public_facts)
    assert public == "김하늘"
    assert not re.search(r"\d{6}-\d", public)


def test_without_the_font_nothing_is_issued_and_the_message_says_what_to_do(
    issue: Any,
    tmp_path: Path,
    settings: Any,
) -> None:
    from egov.certificates import rendering

    rendering._register_fonts.cache_clear()
    settings.EGOV_CERTIFICATE_FONT_DIR = tmp_path
    try:
        with pytest.raises(FontMissing, match="make install"):
            issue()
    finally:
        rendering._register_fonts.cache_clear()
    assert not IssuedDocument.objects.exists()


def test_egov_check_names_a_template_that_does_not_parse(tmp_path: Path, settings: Any) -> None:
    from egov.certificates.checks import document_templates_validate

    (tmp_path / "certificates").mkdir()
    (tmp_path / "certificates" / "broken.yaml").write_text(
        "type: broken\ntitle: {ko: 깨짐}\n", encoding="utf-8"
    )
    settings.EGOV_COUNTRY_DIR = tmp_path
    [message] = document_templates_validate(None)
    assert message.id == "egov.certificates.E001" and "broken.yaml" in message.msg


def test_the_basic_certificate_is_issued_from_the_family_facts(issue: Any) -> None:
    document = issue(
        document_type="basic-certificate",
        values={
            "facts": {"family": {"registration_base": "서울특별시 종로구 자하문로 1"}},
            "applicant": {"name": "김하늘"},
        },
    )
    assert document.title["ko"] == "기본증명서"
    assert document.public_facts == [{"label": {"ko": "성명", "en": "Name"}, "value": "김하늘"}]

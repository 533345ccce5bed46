"""The document's signature and its time-stamp token, assembled from prepared DER (ADR 0125).

Every document's PAdES signature and the TSA's token inside it are joined from parts
serialised once per key (signing.py); these tests hold the result to what pyHanko itself
would write: DER that asn1crypto re-encodes to the same bytes, the same attributes,
certificates and algorithms, and a time-stamp at the platform's time over the signature.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any

import pytest
from asn1crypto import cms
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers

from egov.certificates import rendering, signing


def _signed_pdf() -> bytes:
    issued_at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    page = rendering.Page(
        number="1234567890123452",
        title_ko="주민등록표 초본",
        title_en="Resident registration abstract",
        rows=[("성명 (Name)", "김하늘")],
        authority="서울특별시 종로구 청운효자동",
        issued_at=issued_at,
        verify_until="2026-05-31",
        verify_url="http://testserver/verify/1234567890123452/",
    )
    return signing.sign_pdf(rendering.render_pdf(page), reason="test", location="test")


def _token(signature: cms.ContentInfo) -> cms.ContentInfo:
    [attribute] = signature["content"]["signer_infos"][0]["unsigned_attrs"]
    assert attribute["type"].native == "signature_time_stamp_token"
    return attribute["values"][0]


def _shape(content_info: cms.ContentInfo) -> dict[str, Any]:
    """What a signature is made of, without the values that differ from one signing to the next."""
    signed_data = content_info["content"]
    [signer_info] = signed_data["signer_infos"]
    return {
        "content_type": content_info["content_type"].native,
        "version": signed_data["version"].native,
        "digest_algorithms": signed_data["digest_algorithms"].native,
        "encapsulated": signed_data["encap_content_info"]["content_type"].native,
        "certificates": sorted(c.chosen.dump() for c in signed_data["certificates"]),
        "signer_version": signer_info["version"].native,
        "signer": signer_info["sid"].native,
        "digest_algorithm": signer_info["digest_algorithm"].native,
        "signature_algorithm": signer_info["signature_algorithm"].native,
        "signed_attributes": sorted(a["type"].native for a in signer_info["signed_attrs"]),
        "signing_certificate": next(
            a["values"].native
            for a in signer_info["signed_attrs"]
            if a["type"].native == "signing_certificate_v2"
        ),
        "unsigned_attributes": sorted(a["type"].native for a in signer_info["unsigned_attrs"] or []),
    }


def _rewritten(value: Any) -> bool:
    """Whether asn1crypto, re-encoding the parsed value from scratch, writes the same bytes."""
    der = value.dump()
    return type(value).load(der).dump(force=True) == der  # type: ignore[no-any-return]


def _reassembled(signature: cms.ContentInfo, content: cms.ContentInfo | cms.EncapsulatedContentInfo) -> bytes:
    """The same SignedData put together by asn1crypto around the signature's parts (RFC 5652 section 5)."""
    signed_data = signature["content"]
    [signer] = signed_data["signer_infos"]
    info = {
        "version": signer["version"].native,
        "sid": signer["sid"],
        "digest_algorithm": signer["digest_algorithm"],
        "signed_attrs": cms.CMSAttributes([cms.CMSAttribute.load(a.dump()) for a in signer["signed_attrs"]]),
        "signature_algorithm": signer["signature_algorithm"],
        "signature": signer["signature"].native,
    }
    if signer["unsigned_attrs"].native is not None:
        info["unsigned_attrs"] = cms.CMSAttributes(
            [cms.CMSAttribute.load(a.dump()) for a in signer["unsigned_attrs"]]
        )
    rebuilt = cms.SignedData(
        {
            "version": signed_data["version"].native,
            "digest_algorithms": [signer["digest_algorithm"]],
            "encap_content_info": content,
            "certificates": [cms.CertificateChoices.load(c.dump()) for c in signed_data["certificates"]],
            "signer_infos": [cms.SignerInfo(info)],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": rebuilt}).dump()  # type: ignore[no-any-return]


def test_the_signature_and_its_token_are_der_as_asn1crypto_writes_them() -> None:
    contents = PdfFileReader(BytesIO(_signed_pdf())).embedded_signatures[0].pkcs7_content
    signature = cms.ContentInfo.load(contents, strict=False)
    der = signature.dump()
    assert contents.startswith(der) and not contents[len(der) :].strip(
        b"\0"
    )  # the rest is the reserved padding
    token = _token(signature)
    tst_info = token["content"]["encap_content_info"]["content"].parsed
    for signer_info in (signature["content"]["signer_infos"][0], token["content"]["signer_infos"][0]):
        assert all(_rewritten(attribute) for attribute in signer_info["signed_attrs"])
        encodings = [attribute.dump() for attribute in signer_info["signed_attrs"]]
        assert encodings == sorted(encodings)  # a SET OF in DER is in the order of its encodings
        assert _rewritten(signer_info["sid"]) and _rewritten(signer_info["signature_algorithm"])
    assert _rewritten(tst_info)
    data = cms.ContentInfo({"content_type": "data"})  # asn1crypto's spelling of a v1 encapsulated content
    assert _reassembled(signature, data) == der
    stamped = cms.EncapsulatedContentInfo(
        {"content_type": "tst_info", "content": cms.ParsableOctetString(tst_info.dump())}
    )
    assert _reassembled(token, stamped) == token.dump()


def test_the_signature_has_what_pyhanko_puts_in_a_pades_signature_with_a_time_stamp() -> None:
    kit = signing.signing_kit()
    digest = hashlib.sha256(b"the byte range of a document").digest()
    ours = asyncio.run(kit.signer.async_sign(digest, "sha256", use_pades=True, timestamper=kit.timestamper))
    pyhankos = asyncio.run(
        signers.SimpleSigner.async_sign(
            kit.signer, digest, "sha256", use_pades=True, timestamper=kit.timestamper
        )
    )
    assert _shape(ours) == _shape(pyhankos)
    assert _shape(_token(ours)) == _shape(_token(pyhankos))
    [message_digest] = (
        a["values"][0].native
        for a in ours["content"]["signer_infos"][0]["signed_attrs"]
        if a["type"].native == "message_digest"
    )
    assert message_digest == digest
    ours_info = _token(ours)["content"]["encap_content_info"]["content"].parsed.native
    pyhankos_info = _token(pyhankos)["content"]["encap_content_info"]["content"].parsed.native
    for varying in ("serial_number", "gen_time", "nonce", "message_imprint"):
        assert ours_info.pop(varying) and pyhankos_info.pop(varying)
    assert ours_info == pyhankos_info


def test_the_time_stamp_is_over_the_signature_and_at_the_platform_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EGOV_NOW", "2027-03-02T10:00:00+09:00")
    pdf = _signed_pdf()
    check = signing.validate_pdf(pdf)
    assert check.valid, check.problem
    assert check.timestamped_at is not None
    assert abs(check.timestamped_at - datetime(2027, 3, 2, 1, 0, tzinfo=UTC)) < timedelta(minutes=5)
    signature = cms.ContentInfo.load(
        PdfFileReader(BytesIO(pdf)).embedded_signatures[0].pkcs7_content, strict=False
    )
    info = _token(signature)["content"]["encap_content_info"]["content"].parsed
    value = signature["content"]["signer_infos"][0]["signature"].native
    assert info["message_imprint"]["hashed_message"].native == hashlib.sha256(value).digest()

"""PAdES B-T signatures on issued documents, and their validation (ADR 0080).

A document is signed with the platform's ``document-signing`` key, whose certificate
the issuing CA certified (egov/core/keys.py, ADR 0013), and carries in the signature an
RFC 3161 time-stamp token over that signature from the platform's own time-stamping
authority (the ``timestamping`` key): that is PAdES baseline B-T, which pyHanko's
validator and any PDF reader recognise.

The time-stamping authority runs in-process behind :class:`PlatformTimeStamper`, a
pyHanko ``TimeStamper``: the token is a CMS SignedData over a TSTInfo, signed with the
TSA key, exactly what an external TSA would answer over HTTP. A deployment that must
use an accredited TSA replaces the adapter (pyHanko's ``HTTPTimeStamper``) and nothing
else changes.

Validation trusts only the platform's root CA, so a document signed under an earlier
document-signing key (after ``egov keys rollover document-signing``) still verifies:
the earlier certificate travels inside the signature and chains to the same root.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from asn1crypto import cms, keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from egov.core import clock
from egov.core import keys as platform_keys

SIGNING_KEY = "document-signing"
TSA_KEY = "timestamping"
SIGNATURE_FIELD = "Signature1"
# The time-stamping policy of the platform's TSA, under the UUID-derived arc of ITU-T X.667
# (2.25.<uuid as an integer>): no registration needed and no collision with anyone's.
TSA_POLICY = "2.25.190427453016736547125530214125364118041"


def _asn1_certificate(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _asn1_key(name: str) -> keys.PrivateKeyInfo:
    key = platform_keys.load_private_key(name)
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return keys.PrivateKeyInfo.load(der)


def _signer(name: str) -> signers.SimpleSigner:
    chain = [_asn1_certificate(c) for c in platform_keys.certificate_chain(name)]
    return signers.SimpleSigner(
        signing_cert=chain[0],
        signing_key=_asn1_key(name),
        cert_registry=SimpleCertificateStore.from_certs(chain[1:]),  # type: ignore[no-untyped-call]
    )


class PlatformTimeStamper(TimeStamper):
    """The platform's RFC 3161 time-stamping authority, answering in-process.

    Each request gets a TSTInfo (the imprint it was asked to stamp, the time from the
    platform clock, a random serial number, the request's nonce) signed as CMS
    SignedData with the ``timestamping`` key; the TSA certificate and its chain travel
    in the token so that a validator needs only the root.
    """

    def __init__(self) -> None:
        super().__init__(include_nonce=True)  # type: ignore[no-untyped-call]
        self._signer = _signer(TSA_KEY)
        assert self._signer.signing_cert is not None
        self._subject = self._signer.signing_cert.subject

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        tst_info = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": TSA_POLICY,
                "message_imprint": req["message_imprint"],
                "serial_number": secrets.randbits(127),
                "gen_time": clock.now(),
                "tsa": asn1_x509.GeneralName(name="directory_name", value=self._subject),
                **({"nonce": req["nonce"]} if req["nonce"].native is not None else {}),
            }
        )
        content = cms.EncapsulatedContentInfo(
            {"content_type": "tst_info", "content": cms.ParsableOctetString(tst_info.dump())}
        )
        # CAdES attributes include signing-certificate-v2, which RFC 5816 lets a TSA use.
        token = await self._signer.async_sign_general_data(content, "sha256", detached=False, use_cades=True)
        return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})


def sign_pdf(
    pdf: bytes,
    *,
    reason: str,
    location: str,
    prepare: Callable[[IncrementalPdfFileWriter], None] | None = None,
) -> bytes:
    """The PDF with a PAdES B-T signature by the platform's document-signing key, time-stamped.

    ``prepare`` changes the document in the same incremental update as the signature
    (the PDF/A metadata and OutputIntent), so that the signature covers them.
    """
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    signer = signers.PdfSigner(metadata, signer=_signer(SIGNING_KEY), timestamper=PlatformTimeStamper())
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    if prepare is not None:
        prepare(writer)
    output = signer.sign_pdf(writer, in_place=False)
    return output.getvalue()  # type: ignore[no-any-return]


@dataclass(frozen=True)
class SignatureCheck:
    """What the validator found: a verdict and, when valid, who signed and when the TSA stamped it."""

    valid: bool
    signer: str = ""
    timestamped_at: datetime | None = None
    problem: str = ""


def _context() -> ValidationContext:
    root = _asn1_certificate(platform_keys.load_certificate("root-ca"))
    # No CRL or OCSP endpoints are published yet: revocation is checked softly (ADR 0080).
    return ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")


def validate_pdf(pdf: bytes) -> SignatureCheck:
    """Check the PDF's one signature against the platform root: intact, trusted, whole file, time-stamped."""
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as error:  # noqa: BLE001 - any parse failure of an upload is "not a valid document"
        return SignatureCheck(False, problem=f"unreadable: {type(error).__name__}")
    if len(signatures) != 1:
        return SignatureCheck(False, problem=f"{len(signatures)} signatures")
    try:
        status = validate_pdf_signature(signatures[0], _context(), ts_validation_context=_context())
    except (SignatureValidationError, ValueError, KeyError, TypeError) as error:
        return SignatureCheck(False, problem=f"invalid: {type(error).__name__}")
    if not status.bottom_line:
        return SignatureCheck(False, problem="signature not valid or not trusted")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return SignatureCheck(False, problem="content added after signing")
    stamp = status.timestamp_validity
    if stamp is None or not (stamp.intact and stamp.valid and stamp.trusted):
        return SignatureCheck(False, problem="no trusted time-stamp")
    return SignatureCheck(
        True, signer=status.signing_cert.subject.human_friendly, timestamped_at=stamp.timestamp
    )

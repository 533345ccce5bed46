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

import asyncio
import functools
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO

from asn1crypto import cms, keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
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


def _key_state() -> tuple[str, str, str]:
    """What the signing kit depends on: the keys directory and the current key of each of the two keys."""
    return (
        str(settings.EGOV_KEYS_DIR),
        platform_keys.current_key_id(SIGNING_KEY),
        platform_keys.current_key_id(TSA_KEY),
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


@dataclass
class _SigningKit:
    """The parsed signer, the time-stamper and the signature's reserved size, kept across documents.

    Building them costs more than signing (reading and parsing keys and certificates), and
    pyHanko, left to itself, sizes each signature by signing it once in a dry run with a
    dummy time-stamp before signing it for real. The size depends only on the keys and
    their certificates, so it is measured once per key state, the same way pyHanko
    measures it (with its 50% margin for the time-stamp's variable parts), and then
    reserved directly: one CMS signature and one time-stamp per document remain, which
    is what PAdES B-T needs.
    """

    signer: signers.SimpleSigner
    timestamper: PlatformTimeStamper
    bytes_reserved: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reserved(self) -> int:
        with self.lock:
            if not self.bytes_reserved:
                self.bytes_reserved = asyncio.run(self._estimate())
            return self.bytes_reserved

    async def _estimate(self) -> int:
        dummy_digest = hashes.Hash(hashes.SHA256()).finalize()
        test = await self.signer.async_sign(
            dummy_digest,
            "sha256",
            use_pades=True,
            dry_run=True,
            timestamper=self.timestamper,
            signed_attr_settings=PdfCMSSignedAttributes(signing_time=clock.now()),
        )
        length = len(test.dump()) * 2  # hexadecimal in the PDF
        return length + 2 * (length // 4)


@functools.lru_cache(maxsize=8)
def _kit(state: tuple[str, str, str]) -> _SigningKit:
    return _SigningKit(signer=_signer(SIGNING_KEY), timestamper=PlatformTimeStamper())


def signing_kit() -> _SigningKit:
    """The kit of the current keys (a rollover changes the key id, so the next document gets a new kit)."""
    return _kit(_key_state())


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
    kit = signing_kit()
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    signer = signers.PdfSigner(metadata, signer=kit.signer, timestamper=kit.timestamper)
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    if prepare is not None:
        prepare(writer)
    output = signer.sign_pdf(writer, in_place=False, bytes_reserved=kit.reserved())
    return output.getvalue()  # type: ignore[no-any-return]


@dataclass(frozen=True)
class SignatureCheck:
    """What the validator found: a verdict and, when valid, who signed and when the TSA stamped it."""

    valid: bool
    signer: str = ""
    timestamped_at: datetime | None = None
    problem: str = ""


@functools.lru_cache(maxsize=8)
def _root(keys_dir: str, stamp: str) -> asn1_x509.Certificate:
    return _asn1_certificate(platform_keys.load_certificate("root-ca"))


def _context() -> ValidationContext:
    # A fresh context each time (it collects what it learns while validating), over the root parsed once.
    root = _root(str(settings.EGOV_KEYS_DIR), platform_keys.current_key_id("root-ca"))
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

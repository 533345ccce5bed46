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

pyHanko places the signature in the PDF and validates it; the two CMS structures (the
signature and the token) are assembled from DER parts prepared once per key
(:class:`DocumentSigner`, ADR 0125), which is most of what signing a document used to cost.

Validation trusts only the platform's root CA, so a document signed under an earlier
document-signing key (after ``egov keys rollover document-signing``) still verifies:
the earlier certificate travels inside the signature and chains to the same root.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

from asn1crypto import algos, cms, core, keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import general, signers
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


def _key_state() -> tuple[str, str, str]:
    """What the signing kit depends on: the keys directory and the current key of each of the two keys."""
    return (
        str(settings.EGOV_KEYS_DIR),
        platform_keys.current_key_id(SIGNING_KEY),
        platform_keys.current_key_id(TSA_KEY),
    )


# --- the two CMS structures of a document, in DER (ADR 0125) --------------------------------
#
# pyHanko builds each CMS SignedData (the document's signature, and the TSA's token inside
# it) as a tree of asn1crypto objects and serialises it; for structures of a few hundred
# bytes that was two thirds of the time of a document (bench-issue profile). Everything in
# them but a digest, a time, a serial number and the two signatures depends only on the key
# and its certificates, so those parts are serialised once per key (by asn1crypto, from the
# objects pyHanko itself would use) and each document joins them around its own values.
# The result is the same SignedData pyHanko writes, in DER; tests/test_signing_der.py (in this
# app) holds it to that.


def _der(tag: int, content: bytes) -> bytes:
    """One DER element: the tag octet, the definite length, the content."""
    length = len(content)
    if length < 0x80:
        return bytes((tag, length)) + content
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(octets))) + octets + content


def _sequence(*parts: bytes) -> bytes:
    return _der(0x30, b"".join(parts))


def _integer(value: int) -> bytes:
    """A non-negative INTEGER in its fewest octets (a leading zero octet when the top bit is set)."""
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _attribute(attribute_type: bytes, value: bytes) -> bytes:
    """A CMS Attribute with one value: SEQUENCE { type, SET { value } }."""
    return _sequence(attribute_type, _der(0x31, value))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _utc_time(moment: datetime) -> bytes:
    return _der(0x17, _utc(moment).strftime("%y%m%d%H%M%SZ").encode())


def _generalized_time(moment: datetime) -> bytes:
    """GeneralizedTime with the fraction of a second written as asn1crypto writes it (no trailing zeros)."""
    moment = _utc(moment)
    fraction = f".{moment.microsecond:06d}".rstrip("0") if moment.microsecond else ""
    return _der(0x18, (moment.strftime("%Y%m%d%H%M%S") + fraction + "Z").encode())


_DATA = cms.ContentType("data").dump()
_SIGNED_DATA = cms.ContentType("signed_data").dump()
_TST_INFO = cms.ContentType("tst_info").dump()
_CONTENT_TYPE = cms.CMSAttributeType("content_type").dump()
_MESSAGE_DIGEST = cms.CMSAttributeType("message_digest").dump()
_SIGNING_TIME = cms.CMSAttributeType("signing_time").dump()
_TIME_STAMP_TOKEN = cms.CMSAttributeType("signature_time_stamp_token").dump()
_SHA256 = algos.DigestAlgorithm({"algorithm": "sha256"}).dump()
_POLICY = core.ObjectIdentifier(TSA_POLICY).dump()


def _nonce() -> int:
    # Eight octets with a fixed first one, as pyHanko makes its requests' nonces: same width every time.
    return int.from_bytes(b"\x01" + secrets.token_bytes(7), "big")


@dataclass(frozen=True)
class _CmsSigner:
    """What one signer puts in every SignedData it makes, serialised once, and its key."""

    key: ec.EllipticCurvePrivateKey
    signer_identifier: bytes  # IssuerAndSerialNumber
    signature_algorithm: bytes
    certificates: bytes  # [0] IMPLICIT SET OF Certificate: the signer's and its chain up to the root
    signing_certificate: bytes  # the signing-certificate-v2 attribute (RFC 5035) naming that certificate

    @classmethod
    def of(cls, signer: signers.SimpleSigner, key: ec.EllipticCurvePrivateKey) -> _CmsSigner:
        certificate = signer.signing_cert
        assert certificate is not None
        chain = [certificate, *(c for c in signer.cert_registry if c.dump() != certificate.dump())]
        identifier = cms.IssuerAndSerialNumber(
            {"issuer": certificate.issuer, "serial_number": certificate.serial_number}
        )
        reference = general.simple_cms_attribute(  # type: ignore[no-untyped-call]
            "signing_certificate_v2", general.as_signing_certificate_v2(certificate)
        )
        return cls(
            key=key,
            signer_identifier=identifier.dump(),
            signature_algorithm=signer.get_signature_mechanism_for_digest("sha256").dump(),
            certificates=_der(0xA0, b"".join(sorted(c.dump() for c in chain))),  # SET OF, in DER order
            signing_certificate=reference.dump(),
        )

    def sign(self, attributes: list[bytes]) -> tuple[bytes, bytes]:
        """The signed attributes (with the signing certificate's) in DER order, and the signature over them."""
        signed = b"".join(sorted([*attributes, self.signing_certificate]))
        return signed, self.key.sign(_der(0x31, signed), ec.ECDSA(hashes.SHA256()))

    def content_info(
        self, *, version: int, content: bytes, signed: bytes, signature: bytes, unsigned: bytes = b""
    ) -> bytes:
        """ContentInfo { signedData, [0] SignedData } around one SignerInfo, as RFC 5652 section 5 lays it out."""
        signer_info = _sequence(
            _integer(1),
            self.signer_identifier,
            _SHA256,
            _der(0xA0, signed),
            self.signature_algorithm,
            _der(0x04, signature),
            unsigned,
        )
        signed_data = _sequence(
            _integer(version), _der(0x31, _SHA256), content, self.certificates, _der(0x31, signer_info)
        )
        return _sequence(_SIGNED_DATA, _der(0xA0, signed_data))


def _signer_parts(name: str) -> tuple[list[asn1_x509.Certificate], keys.PrivateKeyInfo]:
    return [_asn1_certificate(c) for c in platform_keys.certificate_chain(name)], _asn1_key(name)


class PlatformTimeStamper(TimeStamper):
    """The platform's RFC 3161 time-stamping authority, answering in-process.

    Each request gets a TSTInfo (the imprint it was asked to stamp, the time from the
    platform clock, a random serial number, the request's nonce) signed as CMS
    SignedData with the ``timestamping`` key; the TSA certificate and its chain travel
    in the token so that a validator needs only the root. The token's signed attributes
    are the CAdES ones pyHanko gives a TSA's token (content type, signing time, message
    digest, signing-certificate-v2, which RFC 5816 lets a TSA use); its signing time is
    the generation time, from the platform clock.
    """

    def __init__(self) -> None:
        super().__init__(include_nonce=True)  # type: ignore[no-untyped-call]
        chain, key_info = _signer_parts(TSA_KEY)
        self._signer = signers.SimpleSigner(
            signing_cert=chain[0],
            signing_key=key_info,
            cert_registry=SimpleCertificateStore.from_certs(chain[1:]),  # type: ignore[no-untyped-call]
        )
        key = platform_keys.load_private_key(TSA_KEY)
        # The platform's keys are ECDSA (egov/core/keys.py); another kind of key is signed through pyHanko.
        self._cms = _CmsSigner.of(self._signer, key) if isinstance(key, ec.EllipticCurvePrivateKey) else None
        self._subject = chain[0].subject
        self._tsa = _der(0xA0, asn1_x509.GeneralName(name="directory_name", value=self._subject).dump())

    @property
    def prepared(self) -> bool:
        """Whether tokens are assembled from prepared DER (:meth:`token`), that is, the TSA key is ECDSA."""
        return self._cms is not None

    def token(self, message_imprint: bytes, nonce: int | None) -> bytes:
        """The time-stamp token (a ContentInfo, DER) for a MessageImprint (DER), the TSA's answer to one request."""
        assert self._cms is not None
        now = clock.now()
        tst_info = _sequence(
            _integer(1),
            _POLICY,
            message_imprint,
            _integer(secrets.randbits(127)),
            _generalized_time(now),
            _integer(nonce) if nonce is not None else b"",
            self._tsa,
        )
        signed, signature = self._cms.sign(
            [
                _attribute(_CONTENT_TYPE, _TST_INFO),
                _attribute(_SIGNING_TIME, _utc_time(now)),
                _attribute(_MESSAGE_DIGEST, _der(0x04, hashlib.sha256(tst_info).digest())),
            ]
        )
        content = _sequence(_TST_INFO, _der(0xA0, _der(0x04, tst_info)))
        return self._cms.content_info(version=3, content=content, signed=signed, signature=signature)

    def token_over(self, digest: bytes) -> bytes:
        """The token over a SHA-256 digest, asked in-process: the imprint and nonce a request would carry."""
        return self.token(_sequence(_SHA256, _der(0x04, digest)), _nonce())

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        if self._cms is not None:
            token = cms.ContentInfo.load(self.token(req["message_imprint"].dump(), req["nonce"].native))
        else:
            token = await self._signer.async_sign_general_data(
                self._tst_info(req), "sha256", detached=False, use_cades=True
            )
        return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})

    def _tst_info(self, req: tsp.TimeStampReq) -> cms.EncapsulatedContentInfo:
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
        return cms.EncapsulatedContentInfo(
            {"content_type": "tst_info", "content": cms.ParsableOctetString(tst_info.dump())}
        )


class DocumentSigner(signers.SimpleSigner):
    """pyHanko's signer of the ``document-signing`` key, with the PAdES signature assembled from prepared DER.

    pyHanko calls :meth:`async_sign` with the digest of the document's byte range; for
    the one signature this platform makes (PAdES, SHA-256, ECDSA, no extra CAdES
    attributes) the answer is built by :class:`_CmsSigner`, with the time-stamp token
    over the signature from the platform's TSA (or from any other pyHanko time-stamper,
    such as an accredited TSA over HTTP). Anything else (pyHanko's dry run that sizes a
    signature, another key type) goes through pyHanko's own code.
    """

    def __init__(self, name: str) -> None:
        chain, key_info = _signer_parts(name)
        super().__init__(
            signing_cert=chain[0],
            signing_key=key_info,
            cert_registry=SimpleCertificateStore.from_certs(chain[1:]),  # type: ignore[no-untyped-call]
        )
        key = platform_keys.load_private_key(name)
        self._cms = _CmsSigner.of(self, key) if isinstance(key, ec.EllipticCurvePrivateKey) else None

    async def async_sign(
        self,
        data_digest: bytes,
        digest_algorithm: str,
        dry_run: bool = False,
        use_pades: bool = False,
        timestamper: TimeStamper | None = None,
        signed_attr_settings: PdfCMSSignedAttributes | None = None,
        is_pdf_sig: bool = True,
        encap_content_info: Any = None,
    ) -> cms.ContentInfo:
        prepared = (
            self._cms is not None
            and use_pades
            and is_pdf_sig
            and not dry_run
            and digest_algorithm.lower() == "sha256"
            and encap_content_info is None
            and (signed_attr_settings is None or signed_attr_settings.cades_signed_attrs is None)
        )
        if not prepared:
            return await super().async_sign(
                data_digest,
                digest_algorithm,
                dry_run=dry_run,
                use_pades=use_pades,
                timestamper=timestamper,
                signed_attr_settings=signed_attr_settings,
                is_pdf_sig=is_pdf_sig,
                encap_content_info=encap_content_info,
            )
        assert self._cms is not None
        signed, signature = self._cms.sign(
            [_attribute(_CONTENT_TYPE, _DATA), _attribute(_MESSAGE_DIGEST, _der(0x04, data_digest))]
        )
        unsigned = b""
        if timestamper is not None:
            # The signature time-stamp (RFC 3161 appendix A): a token over the signature value's digest.
            digest = hashlib.sha256(signature).digest()
            if isinstance(timestamper, PlatformTimeStamper) and timestamper.prepared:
                token = timestamper.token_over(digest)
            else:
                token = (await timestamper.async_timestamp(digest, "sha256")).dump()
            unsigned = _der(0xA1, _attribute(_TIME_STAMP_TOKEN, token))
        der = self._cms.content_info(
            version=1, content=_sequence(_DATA), signed=signed, signature=signature, unsigned=unsigned
        )
        return cms.ContentInfo.load(der)


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

    signer: DocumentSigner
    timestamper: PlatformTimeStamper
    key_id: str = ""  # the id of the document-signing key it signs with (stored with each document)
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
    return _SigningKit(signer=DocumentSigner(SIGNING_KEY), timestamper=PlatformTimeStamper(), key_id=state[1])


def signing_kit() -> _SigningKit:
    """The kit of the current keys (a rollover changes the key id, so the next document gets a new kit)."""
    return _kit(_key_state())


def sign_pdf(
    pdf: bytes,
    *,
    reason: str,
    location: str,
    prepare: Callable[[IncrementalPdfFileWriter], None] | None = None,
    kit: _SigningKit | None = None,
) -> bytes:
    """The PDF with a PAdES B-T signature by the platform's document-signing key, time-stamped.

    ``prepare`` changes the document in the same incremental update as the signature
    (the PDF/A metadata and OutputIntent), so that the signature covers them. ``kit`` is
    the :func:`signing_kit` to sign with, when the caller needs to know which key signed
    (its ``key_id``): the one that did, even if a rollover comes in between.
    """
    kit = kit or signing_kit()
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

"""E-certificates: Alice's abstract as an SD-JWT VC, what a verifier checks and what it refuses."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from cryptography import x509
from django.test import Client
from joserfc.jwk import ECKey

from egov.certificates import credentials, sdjwt
from egov.certificates.models import DocumentStatus
from egov.core import clock
from egov.core import keys as platform_keys
from egov.core.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


VERIFY = "/api/v1/certificates/credentials/verify"


def _payload(sd_jwt: str) -> dict[str, Any]:
    return dict(json.loads(sdjwt.b64url_decode(sd_jwt.split("~")[0].split(".")[1])))


def _header(sd_jwt: str) -> dict[str, Any]:
    return dict(json.loads(sdjwt.b64url_decode(sd_jwt.split(".")[0])))


def test_the_wallet_credential_states_every_fact_as_a_salted_disclosure(document: Any) -> None:
    credential = credentials.wallet_credential(document=document, by="user:alice")
    payload = _payload(credential.sd_jwt)
    assert payload["vct"].endswith("/vct/resident-registration-extract")
    assert payload["iss"] == credentials.issuer_id() and payload["jti"] == str(credential.id)
    assert payload["exp"] == int(document.expires_at.timestamp()) and payload["_sd_alg"] == "sha-256"
    assert payload["cnf"]["jwk"]["crv"] == "P-256" and "d" not in payload["cnf"]["jwk"]
    # No fact is readable in the signed part: only digests, one per printed field.
    assert "김하늘" not in json.dumps(payload, ensure_ascii=False) and len(payload["_sd"]) == 5
    disclosed = dict(sdjwt.read_disclosure(d) for d in sdjwt.parse(credential.sd_jwt).disclosures)
    assert disclosed["name"] == "김하늘" and disclosed["number"] == "900101-2******"


def test_the_header_carries_the_chain_up_to_the_platform_root(document: Any) -> None:
    header = _header(credentials.wallet_credential(document=document, by="user:alice").sd_jwt)
    assert header["typ"] == "dc+sd-jwt" and header["alg"] == "ES256"
    leaf, issuing = (x509.load_der_x509_certificate(base64.b64decode(c)) for c in header["x5c"])
    root = platform_keys.load_certificate(platform_keys.ROOT)
    leaf.verify_directly_issued_by(issuing)
    issuing.verify_directly_issued_by(root)


def test_a_verifier_sees_only_the_facts_presented(client: Client, document: Any) -> None:
    full = credentials.wallet_credential(document=document, by="user:alice").sd_jwt
    answer = client.post(
        VERIFY, {"presentation": sdjwt.select(full, ["name", "birth_date"])}, content_type="application/json"
    ).json()
    assert answer["verdict"] == "valid"
    assert {f["name"]: f["value"] for f in answer["facts"]} == {"name": "김하늘", "birth_date": "1990-01-01"}
    assert answer["facts"][0]["label"] == {"ko": "성명", "en": "Name"}
    entry = AuditEntry.objects.filter(action="certificate.verified").latest("id")
    assert entry.subject == f"user:{document.holder_id}" and entry.detail["how"] == "credential"


def test_a_tampered_disclosure_makes_the_whole_presentation_not_valid(client: Client, document: Any) -> None:
    full = credentials.wallet_credential(document=document, by="user:alice").sd_jwt
    parsed = sdjwt.parse(full)
    salt, _name, _value = json.loads(sdjwt.b64url_decode(parsed.disclosures[0]))
    forged = sdjwt.b64url(json.dumps([salt, "name", "홍길동"], ensure_ascii=False).encode())
    presentation = parsed.jwt + "~" + forged + "~"
    answer = client.post(VERIFY, {"presentation": presentation}, content_type="application/json").json()
    assert answer["verdict"] == "not_valid" and answer["reason"] == "disclosure_digest"
    assert answer["facts"] == []


def test_a_changed_claim_in_the_signed_part_breaks_the_signature(document: Any) -> None:
    full = credentials.wallet_credential(document=document, by="user:alice").sd_jwt
    header, payload, signature = full.split("~")[0].split(".")
    claims = _payload(full)
    claims["exp"] += 365 * 86400
    changed = ".".join([header, sdjwt.b64url(json.dumps(claims).encode()), signature]) + "~"
    assert credentials.presentation_check(presentation=changed).reason == "signature"


def test_a_credential_signed_under_another_root_is_not_valid(document: Any) -> None:
    """A forger's key, with a self-made certificate in x5c, does not chain to the platform root."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Document Signing")])
    now = clock.now()
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    forged = sdjwt.issue(
        header={"typ": "dc+sd-jwt", "x5c": [base64.b64encode(certificate.public_bytes(Encoding.DER)).decode()]},
        claims=_payload(credentials.wallet_credential(document=document, by="user:alice").sd_jwt),
        disclosed={"name": "홍길동"},
        key=ECKey.import_key(key),
    )
    assert credentials.presentation_check(presentation=forged).verdict == "not_valid"


def test_the_holders_key_binding_is_checked_nonce_audience_and_key(document: Any) -> None:
    credential = credentials.wallet_credential(document=document, by="user:alice")
    holder = credentials.holder_private_key(credentials.holder_key_for(holder_id=document.holder_id))
    presentation = sdjwt.select(credential.sd_jwt, ["name"])
    now = int(clock.now().timestamp())
    bound = sdjwt.bind(presentation, holder_key=holder, audience="https://bank.example", nonce="n-123", issued_at=now)

    good = credentials.presentation_check(
        presentation=bound, nonce="n-123", audience="https://bank.example", require_key_binding=True
    )
    assert good.verdict == "valid" and good.key_bound
    wrong_nonce = credentials.presentation_check(presentation=bound, nonce="n-999", audience="https://bank.example")
    assert wrong_nonce.verdict == "not_valid" and wrong_nonce.reason == "key_binding"
    # Someone who copied the presentation signs the binding with their own key: refused.
    stranger = sdjwt.bind(presentation, holder_key=ECKey.generate_key("P-256"), audience="https://bank.example",
                          nonce="n-123", issued_at=now)
    assert credentials.presentation_check(presentation=stranger, nonce="n-123").reason == "key_binding"
    # A binding made for the full presentation does not cover another choice of disclosures.
    replayed = sdjwt.select(credential.sd_jwt, ["name", "address"]) + bound.rsplit("~", 1)[1]
    assert credentials.presentation_check(presentation=replayed).reason == "key_binding"
    missing = credentials.presentation_check(presentation=presentation, require_key_binding=True)
    assert missing.verdict == "not_valid" and missing.reason == "key_binding_missing"


def test_a_stale_key_binding_is_refused(document: Any) -> None:
    credential = credentials.wallet_credential(document=document, by="user:alice")
    holder = credentials.holder_private_key(credentials.holder_key_for(holder_id=document.holder_id))
    old = int((clock.now() - timedelta(hours=1)).timestamp())
    bound = sdjwt.bind(sdjwt.select(credential.sd_jwt, ["name"]), holder_key=holder, audience="a", nonce="n",
                       issued_at=old)
    assert credentials.presentation_check(presentation=bound, nonce="n").reason == "key_binding_stale"


def test_an_expired_credential_says_expired_and_shows_nothing(
    document: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    presentation = sdjwt.select(credentials.wallet_credential(document=document, by="user:alice").sd_jwt, ["name"])
    monkeypatch.setenv("EGOV_NOW", (document.expires_at + timedelta(minutes=1)).isoformat())
    result = credentials.presentation_check(presentation=presentation)
    assert result.verdict == "expired" and result.facts == ()


def test_a_revoked_document_makes_its_credential_revoked_with_the_date(client: Client, document: Any) -> None:
    presentation = sdjwt.select(credentials.wallet_credential(document=document, by="user:alice").sd_jwt, ["name"])
    document.status, document.revoked_at = DocumentStatus.REVOKED, clock.now()
    document.save(update_fields=["status", "revoked_at"])
    answer = client.post(VERIFY, {"presentation": presentation}, content_type="application/json").json()
    assert answer["verdict"] == "revoked" and answer["revoked_at"] and answer["facts"] == []


def test_a_holder_app_gets_a_credential_bound_to_its_own_key(citizen_client: Client, document: Any) -> None:
    app_key = ECKey.generate_key("P-256")
    response = citizen_client.post(
        f"/api/v1/certificates/documents/{document.id}/credential",
        {"jwk": app_key.as_dict(private=False)},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    sd_jwt = response.json()["sd_jwt"]
    assert _payload(sd_jwt)["cnf"]["jwk"]["x"] == app_key.as_dict()["x"]
    # The app presents with its own key binding; the platform-held wallet key would not do.
    bound = sdjwt.bind(sdjwt.select(sd_jwt, ["name"]), holder_key=app_key, audience="v", nonce="n",
                       issued_at=int(clock.now().timestamp()))
    assert credentials.presentation_check(presentation=bound, nonce="n", require_key_binding=True).verdict == "valid"


def test_a_private_or_wrong_curve_key_is_refused_with_a_clear_message(citizen_client: Client, document: Any) -> None:
    private = ECKey.generate_key("P-256").as_dict(private=True)
    response = citizen_client.post(
        f"/api/v1/certificates/documents/{document.id}/credential", {"jwk": private}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "P-256" in response.content.decode() and "private" in response.content.decode()
    assert not document.credentials.filter(binding="holder").exists()


def test_nobody_else_gets_a_credential_of_alices_document(client_for: Any, bob: Any, document: Any) -> None:
    response = client_for(bob).post(
        f"/api/v1/certificates/documents/{document.id}/credential",
        {"jwk": ECKey.generate_key("P-256").as_dict(private=False)},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_garbage_is_not_valid_and_empty_input_is_a_clear_error(client: Client) -> None:
    answer = client.post(VERIFY, {"presentation": "not-a-jwt~"}, content_type="application/json").json()
    assert answer["verdict"] == "not_valid"
    response = client.post(VERIFY, {"presentation": "  "}, content_type="application/json")
    assert response.status_code == 422 and "SD-JWT" in response.content.decode()

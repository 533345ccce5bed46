"""The platform's keys: a chain that validates, no overwriting, and production reading from files."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID

from egov.core import keys


@pytest.fixture
def keys_dir(tmp_path: Path, settings: object) -> Path:
    directory = tmp_path / "keys"
    settings.EGOV_KEYS_DIR = directory  # type: ignore[attr-defined]
    return directory


@pytest.fixture
def made(keys_dir: Path) -> Path:
    keys.init_keys()
    return keys_dir


def extension(certificate: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.Extension[x509.ExtensionType]:
    return certificate.extensions.get_extension_for_class(kind)


def test_every_certificate_chains_to_the_root(made: Path) -> None:
    for name in keys.KEY_NAMES:
        chain = keys.certificate_chain(name)
        for certificate, issuer in zip(chain, chain[1:], strict=False):
            certificate.verify_directly_issued_by(issuer)  # raises if the signature is wrong
        root = chain[-1]
        root.verify_directly_issued_by(root)
        assert root.subject == keys.load_certificate("root-ca").subject
    assert len(keys.certificate_chain("document-signing")) == 3
    assert len(keys.certificate_chain("issuing-ca")) == 2


def test_only_the_cas_may_sign_certificates(made: Path) -> None:
    root = keys.load_certificate("root-ca")
    issuing = keys.load_certificate("issuing-ca")
    assert extension(root, x509.BasicConstraints).value.ca
    assert extension(issuing, x509.BasicConstraints).value.path_length == 0
    assert extension(issuing, x509.KeyUsage).value.key_cert_sign
    for name in ("document-signing", "timestamping", "exchange-member", "audit"):
        constraints = extension(keys.load_certificate(name), x509.BasicConstraints)
        assert constraints.critical and not constraints.value.ca


def test_the_document_signing_certificate_is_for_non_repudiable_signatures(made: Path) -> None:
    usage = extension(keys.load_certificate("document-signing"), x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert not usage.key_cert_sign
    assert isinstance(keys.load_private_key("document-signing"), ec.EllipticCurvePrivateKey)


def test_the_time_stamping_certificate_has_only_the_critical_time_stamping_purpose(made: Path) -> None:
    eku = extension(keys.load_certificate("timestamping"), x509.ExtendedKeyUsage)
    assert eku.critical
    assert list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def test_the_audit_key_is_ed25519_and_each_key_matches_its_certificate(made: Path) -> None:
    assert isinstance(keys.load_private_key("audit"), ed25519.Ed25519PrivateKey)
    for name in keys.KEY_NAMES:
        private = keys.load_private_key(name)
        assert keys.key_id_of(private.public_key()) == keys.current_key_id(name)


def test_private_keys_are_readable_by_the_owner_only(made: Path) -> None:
    key_files = list(made.glob("*/*.key.pem"))
    assert len(key_files) == len(keys.KEY_NAMES)
    for path in key_files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(made.stat().st_mode) == 0o700


def test_init_refuses_to_overwrite_existing_keys_and_names_the_directory(made: Path) -> None:
    before = {path: path.read_bytes() for path in made.glob("*/*.pem")}
    with pytest.raises(keys.KeysExist) as refused:
        keys.init_keys()
    assert str(made) in refused.value.message
    assert {path: path.read_bytes() for path in made.glob("*/*.pem")} == before


def test_egov_keys_init_fails_with_a_clear_message_the_second_time(tmp_path: Path) -> None:
    egov = str(Path(sys.executable).with_name("egov"))
    env = {**os.environ, "EGOV_KEYS_DIR": str(tmp_path / "cli-keys"), "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"}
    first = subprocess.run([egov, "keys", "init"], env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    second = subprocess.run([egov, "keys", "init"], env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode != 0
    assert str(tmp_path / "cli-keys") in second.stderr
    listed = subprocess.run([egov, "keys", "list"], env=env, capture_output=True, text=True, timeout=120)
    assert "document-signing" in listed.stdout


def test_development_keys_are_created_once_and_then_left_alone(keys_dir: Path) -> None:
    assert keys.ensure_development_keys() == list(keys.KEY_NAMES)
    certificate = keys.load_certificate("audit")
    assert keys.ensure_development_keys() == []
    assert keys.load_certificate("audit") == certificate


def test_a_missing_key_is_added_under_the_existing_issuing_ca(made: Path) -> None:
    manifest = (made / "manifest.json").read_text().replace('"timestamping"', '"old-timestamping"')
    (made / "manifest.json").write_text(manifest)
    assert keys.ensure_development_keys() == ["timestamping"]
    keys.load_certificate("timestamping").verify_directly_issued_by(keys.load_certificate("issuing-ca"))


def test_after_a_rollover_the_earlier_certificate_stays_loadable_by_its_key_id(made: Path) -> None:
    first = keys.current_key_id("exchange-member")

    second = keys.rollover("exchange-member")

    assert second != first
    assert keys.current_key_id("exchange-member") == second
    assert keys.key_id_of(keys.load_certificate("exchange-member", first).public_key()) == first  # type: ignore[arg-type]
    assert [info.key_id for info in keys.list_keys() if info.name == "exchange-member"] == [first, second]
    keys.load_certificate("exchange-member").verify_directly_issued_by(keys.load_certificate("issuing-ca"))
    with pytest.raises(keys.KeyError_):
        keys.rollover("root-ca")


def test_production_reads_keys_and_certificates_from_the_files_the_environment_names(
    made: Path, tmp_path: Path, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = keys.list_keys()
    kid = {info.name: info.key_id for info in manifest}
    # Production files live elsewhere (a secret store); the keys directory is gone.
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    for name in ("document-signing", "issuing-ca", "root-ca"):
        (secrets / f"{name}.cert").write_bytes((made / name / f"{kid[name]}.cert.pem").read_bytes())
        monkeypatch.setenv(f"EGOV_CERT_{name.upper().replace('-', '_')}_FILE", str(secrets / f"{name}.cert"))
    (secrets / "signing.key").write_bytes((made / "document-signing" / f"{kid['document-signing']}.key.pem").read_bytes())
    monkeypatch.setenv("EGOV_KEY_DOCUMENT_SIGNING_FILE", str(secrets / "signing.key"))
    settings.PRODUCTION = True  # type: ignore[attr-defined]
    settings.EGOV_KEYS_DIR = tmp_path / "nowhere"  # type: ignore[attr-defined]

    key = keys.load_private_key("document-signing")
    assert keys.key_id_of(key.public_key()) == kid["document-signing"]
    assert [keys.key_id_of(c.public_key()) for c in keys.certificate_chain("document-signing")] == [  # type: ignore[arg-type]
        kid["document-signing"], kid["issuing-ca"], kid["root-ca"]
    ]
    assert keys.ensure_development_keys() == []
    assert not (tmp_path / "nowhere").exists()
    with pytest.raises(keys.KeyError_, match="EGOV_KEY_TIMESTAMPING_FILE"):
        keys.load_private_key("timestamping")


def test_an_unknown_key_name_is_refused(made: Path) -> None:
    with pytest.raises(keys.KeyError_):
        keys.load_private_key("master-key")

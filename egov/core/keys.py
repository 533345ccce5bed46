"""The platform's keys and certificates: a small PKI made with ``cryptography`` (ADR 0013).

Named keys (``KEY_NAMES``):

=================== ============ ====================================================
name                algorithm    use
=================== ============ ====================================================
``root-ca``         ECDSA P-256  trust anchor; signs the issuing CA only
``issuing-ca``      ECDSA P-256  signs every other certificate (pathLen 0)
``document-signing`` ECDSA P-256 PAdES signatures on issued documents
                                 (keyUsage digitalSignature + nonRepudiation)
``timestamping``    ECDSA P-256  RFC 3161 time-stamps (extendedKeyUsage timeStamping,
                                 critical, as RFC 3161 requires)
``exchange-member`` ECDSA P-256  signs the platform's information-exchange messages
``audit``           Ed25519      signs the audit chain's checkpoints
=================== ============ ====================================================

Development layout (``settings.EGOV_KEYS_DIR``, made by ``egov keys init`` or by the
bootstrap step :func:`ensure_development_keys`)::

    manifest.json                 every key's current key id and the history of its versions
    <name>/<key id>.key.pem       PKCS#8 private key, mode 0600
    <name>/<key id>.cert.pem      its certificate

The key id is the first 16 hex digits of the SHA-256 of the public key (DER
SubjectPublicKeyInfo), so a future ``--rollover`` adds files next to the old ones and
certificates and checkpoint signatures made with an earlier key stay verifiable.

Production (``EGOV_ENV=production``) never creates keys and reads each one from files
named in the environment (``NAME`` is the key name in upper case with ``_`` for
``-``, e.g. ``DOCUMENT_SIGNING``):

- ``EGOV_KEY_<NAME>_FILE``: the PEM private key (needed only for keys this server
  signs with; the root CA's key belongs offline and is never needed);
- ``EGOV_KEY_<NAME>_PASSPHRASE_FILE``: optional, the passphrase of an encrypted key;
- ``EGOV_CERT_<NAME>_FILE``: the PEM certificate (every name, ``root-ca`` included,
  so chains can be built).

Certificates of earlier key versions are looked up in ``EGOV_KEYS_DIR/<name>/`` in
production too (certificates are public).
"""

from __future__ import annotations

import copy
import datetime as dt
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.utils.translation import gettext as _

from egov.core import clock
from egov.core.errors import ApplicationError

__all__ = [
    "KEY_NAMES",
    "KeyError_",
    "KeyInfo",
    "KeysExist",
    "PrivateKey",
    "PublicKey",
    "certificate_chain",
    "current_key_id",
    "ensure_development_keys",
    "init_keys",
    "key_id_of",
    "keys_present",
    "list_keys",
    "rollover",
    "load_certificate",
    "load_private_key",
    "load_public_key",
]

PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey

ROOT = "root-ca"
ISSUING = "issuing-ca"
# In creation order: each certificate's issuer comes before it.
KEY_NAMES = (ROOT, ISSUING, "document-signing", "timestamping", "exchange-member", "audit")
MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1


@dataclass(frozen=True)
class _Profile:
    algorithm: str  # "ecdsa-p256" or "ed25519"
    common_name: str
    years: int
    ca: bool = False
    path_length: int | None = None
    non_repudiation: bool = False
    time_stamping: bool = False


_PROFILES: dict[str, _Profile] = {
    ROOT: _Profile("ecdsa-p256", "Root CA", 20, ca=True, path_length=1),
    ISSUING: _Profile("ecdsa-p256", "Issuing CA", 10, ca=True, path_length=0),
    "document-signing": _Profile("ecdsa-p256", "Document Signing", 5, non_repudiation=True),
    "timestamping": _Profile("ecdsa-p256", "Time Stamping Authority", 5, time_stamping=True),
    "exchange-member": _Profile("ecdsa-p256", "Information Exchange Member", 5, non_repudiation=True),
    "audit": _Profile("ed25519", "Audit Checkpoints", 5),
}


class KeyError_(ApplicationError):  # noqa: N801 - KeyError is a builtin
    """A key or certificate that is missing or unreadable."""

    code = "key_error"


class KeysExist(ApplicationError):
    """``egov keys init`` found keys already in place and left them alone."""

    status = 409
    code = "keys_exist"


@dataclass(frozen=True)
class KeyInfo:
    name: str
    key_id: str
    algorithm: str
    subject: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime


def _env_name(name: str) -> str:
    return name.upper().replace("-", "_")


def _check_name(name: str) -> None:
    if name not in _PROFILES:
        raise KeyError_(_("There is no platform key called “%(name)s”.") % {"name": name})


def _keys_dir() -> Path:
    return Path(settings.EGOV_KEYS_DIR)


def key_id_of(public_key: PublicKey) -> str:
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()[:16]


# --- reading ------------------------------------------------------------------------


_cache: dict[tuple[str, int, str], Any] = {}


def _read_pem(path: Path, kind: str, passphrase: bytes | None = None) -> Any:
    """Parse a PEM file, caching by path and modification time (signing reads the key often)."""
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise KeyError_(_("The key file %(path)s does not exist.") % {"path": path}) from None
    cache_key = (str(path), stamp, kind)
    if cache_key not in _cache:
        data = path.read_bytes()
        try:
            if kind == "key":
                _cache[cache_key] = serialization.load_pem_private_key(data, password=passphrase)
            else:
                _cache[cache_key] = x509.load_pem_x509_certificate(data)
        except (ValueError, TypeError) as error:
            raise KeyError_(_("%(path)s could not be read: %(error)s") % {"path": path, "error": error}) from None
    return _cache[cache_key]


_manifests: dict[str, tuple[tuple[int, int, int], dict[str, Any]]] = {}


def _read_manifest(directory: Path, *, for_update: bool = False) -> dict[str, Any]:
    """The keys directory's manifest, parsed again only when the file was replaced.

    Every signature looks up its key's current version here; reading and parsing the
    file each time was most of what signing an exchange message cost (bench-exchange
    profile). The manifest is only ever replaced whole (``_write_private`` renames a new
    file over it), so a new inode, size or modification time means a new manifest.
    Readers share the parsed manifest and must not change it; a caller that edits it
    before writing it back asks ``for_update`` and gets a copy of its own.
    """
    path = directory / MANIFEST
    try:
        status = path.stat()
    except FileNotFoundError:
        return {"format": MANIFEST_FORMAT, "keys": {}}
    stamp = (status.st_ino, status.st_size, status.st_mtime_ns)
    cached = _manifests.get(str(path))
    if cached is None or cached[0] != stamp:
        cached = (stamp, json.loads(path.read_bytes()))
        _manifests[str(path)] = cached
    return copy.deepcopy(cached[1]) if for_update else cached[1]


def current_key_id(name: str) -> str:
    """The key id of the version of ``name`` in use now."""
    return key_id_of(load_certificate(name).public_key())  # type: ignore[arg-type]


def _env_file(variable: str) -> Path | None:
    value = os.environ.get(variable, "")
    return Path(value) if value else None


def _development_file(name: str, key_id: str | None, suffix: str) -> Path:
    directory = _keys_dir()
    entry = _read_manifest(directory)["keys"].get(name)
    if entry is None:
        raise KeyError_(
            _("The platform key “%(name)s” does not exist in %(dir)s: run “egov keys init”.")
            % {"name": name, "dir": directory}
        )
    return directory / name / f"{key_id or entry['current']}.{suffix}.pem"


def load_private_key(name: str) -> PrivateKey:
    """The private key ``name`` signs with: from ``EGOV_KEY_<NAME>_FILE`` in production, else the keys directory.

    In development a missing key directory is created first (as the bootstrap does).
    """
    _check_name(name)
    if settings.PRODUCTION:
        path = _env_file(f"EGOV_KEY_{_env_name(name)}_FILE")
        if path is None:
            raise KeyError_(
                _("Set EGOV_KEY_%(env)s_FILE to the file holding the “%(name)s” private key.")
                % {"env": _env_name(name), "name": name}
            )
        secret = _env_file(f"EGOV_KEY_{_env_name(name)}_PASSPHRASE_FILE")
        passphrase = secret.read_bytes().strip() if secret else None
        key = _read_pem(path, "key", passphrase)
    else:
        ensure_development_keys()
        key = _read_pem(_development_file(name, None, "key"), "key")
    if not isinstance(key, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
        raise KeyError_(_("The “%(name)s” key is of an unsupported type.") % {"name": name})
    return key


def load_certificate(name: str, key_id: str | None = None) -> x509.Certificate:
    """The certificate of ``name`` (its current version, or the version ``key_id`` names)."""
    _check_name(name)
    if settings.PRODUCTION:
        path = _env_file(f"EGOV_CERT_{_env_name(name)}_FILE")
        if path is not None:
            certificate: x509.Certificate = _read_pem(path, "cert")
            if key_id is None or key_id_of(certificate.public_key()) == key_id:  # type: ignore[arg-type]
                return certificate
        if key_id is None:
            raise KeyError_(
                _("Set EGOV_CERT_%(env)s_FILE to the file holding the “%(name)s” certificate.")
                % {"env": _env_name(name), "name": name}
            )
        return _read_pem(_keys_dir() / name / f"{key_id}.cert.pem", "cert")  # type: ignore[no-any-return]
    ensure_development_keys()
    return _read_pem(_development_file(name, key_id, "cert"), "cert")  # type: ignore[no-any-return]


def load_public_key(name: str, key_id: str | None = None) -> PublicKey:
    """The public key of ``name`` (for verifying what it signed), from its certificate."""
    public_key = load_certificate(name, key_id).public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        raise KeyError_(_("The “%(name)s” key is of an unsupported type.") % {"name": name})
    return public_key


def certificate_chain(name: str) -> list[x509.Certificate]:
    """``name``'s certificate followed by its issuers up to the root: [leaf, issuing CA, root CA]."""
    chain = [load_certificate(name)]
    if name != ROOT:
        if name != ISSUING:
            chain.append(load_certificate(ISSUING))
        chain.append(load_certificate(ROOT))
    return chain


def list_keys() -> list[KeyInfo]:
    """Every key version the keys directory knows, oldest first within each name."""
    directory = _keys_dir()
    infos: list[KeyInfo] = []
    for name, entry in _read_manifest(directory)["keys"].items():
        for version in entry["versions"]:
            cert: x509.Certificate = _read_pem(directory / name / f"{version['key_id']}.cert.pem", "cert")
            infos.append(
                KeyInfo(
                    name=name,
                    key_id=version["key_id"],
                    algorithm=version["algorithm"],
                    subject=cert.subject.rfc4514_string(),
                    issuer=cert.issuer.rfc4514_string(),
                    not_before=cert.not_valid_before_utc,
                    not_after=cert.not_valid_after_utc,
                )
            )
    return infos


# --- making -------------------------------------------------------------------------


def keys_present(directory: Path | None = None) -> list[str]:
    """The key names the directory's manifest already holds."""
    return sorted(_read_manifest(directory or _keys_dir())["keys"])


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Serialise key creation between processes (two server workers starting at once)."""
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    descriptor = os.open(directory / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)


def _write_private(path: Path, data: bytes) -> None:
    """Write a secret file that is 0600 from its first byte (never briefly world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(path.name + ".tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _generate(algorithm: str) -> PrivateKey:
    if algorithm == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    return ec.generate_private_key(ec.SECP256R1())


def _subject(common_name: str) -> x509.Name:
    organisation = str(getattr(settings, "EGOV_KEYS_ORGANISATION", "") or "egov development")
    country = str(getattr(settings, "EGOV_COUNTRY", "kr")).upper()[:2]
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} {common_name}"),
        ]
    )


def _certificate(
    profile: _Profile,
    key: PrivateKey,
    issuer_key: PrivateKey,
    issuer_cert: x509.Certificate | None,
) -> x509.Certificate:
    # Back-dated a day so that a clock a little behind still accepts a fresh certificate.
    start = clock.now() - dt.timedelta(days=1)
    subject = _subject(profile.common_name)
    public_key = key.public_key()
    issuer_public = issuer_key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject if issuer_cert else subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365 * profile.years))
        .add_extension(x509.BasicConstraints(ca=profile.ca, path_length=profile.path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not profile.ca,
                content_commitment=profile.non_repudiation,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=profile.ca,
                crl_sign=profile.ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public), critical=False)
    )
    if profile.time_stamping:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    # ECDSA signs with SHA-256; an Ed25519 issuer (none today) would take no hash.
    algorithm = None if isinstance(issuer_key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(issuer_key, algorithm)


def _create(directory: Path, name: str, manifest: dict[str, Any]) -> None:
    profile = _PROFILES[name]
    key = _generate(profile.algorithm)
    if name == ROOT:
        issuer_key, issuer_cert = key, None
    else:
        issuer_name = ROOT if name == ISSUING else ISSUING
        issuer_id = manifest["keys"][issuer_name]["current"]
        issuer_key = _read_pem(directory / issuer_name / f"{issuer_id}.key.pem", "key")
        issuer_cert = _read_pem(directory / issuer_name / f"{issuer_id}.cert.pem", "cert")
    certificate = _certificate(profile, key, issuer_key, issuer_cert)
    kid = key_id_of(key.public_key())
    _write_private(
        directory / name / f"{kid}.key.pem",
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )
    _write_private(directory / name / f"{kid}.cert.pem", certificate.public_bytes(serialization.Encoding.PEM))
    entry = manifest["keys"].setdefault(name, {"current": kid, "versions": []})
    entry["current"] = kid
    entry["versions"].append(
        {
            "key_id": kid,
            "algorithm": profile.algorithm,
            "created": clock.now().isoformat(),
            "not_after": certificate.not_valid_after_utc.isoformat(),
        }
    )
    # The manifest is rewritten after each key so that a crash leaves a consistent directory.
    _write_private(directory / MANIFEST, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())


def init_keys(directory: Path | None = None) -> list[str]:
    """Create every platform key in an empty keys directory; refuse if any key is already there."""
    target = directory or _keys_dir()
    with _locked(target):
        existing = keys_present(target) or sorted(
            p.name for p in target.iterdir() if p.is_dir() and any(p.glob("*.pem"))
        )
        if existing:
            raise KeysExist(
                _(
                    "Keys already exist in %(dir)s (%(names)s); they were left untouched. "
                    "Move that directory away first if you really mean to replace them."
                )
                % {"dir": target, "names": ", ".join(existing)}
            )
        manifest = _read_manifest(target, for_update=True)
        for name in KEY_NAMES:
            _create(target, name, manifest)
    return list(KEY_NAMES)


def ensure_development_keys() -> list[str]:
    """Bootstrap step: create whichever platform keys are missing, outside production. Idempotent.

    Returns the names it created (none when every key was there already). In
    production it creates nothing: the keys come from the files the environment names.
    """
    if settings.PRODUCTION:
        return []
    directory = _keys_dir()
    if set(KEY_NAMES) <= set(keys_present(directory)):
        return []
    created: list[str] = []
    with _locked(directory):
        manifest = _read_manifest(directory, for_update=True)
        for name in KEY_NAMES:
            if name not in manifest["keys"]:
                _create(directory, name, manifest)
                created.append(name)
    return created


def rollover(name: str) -> str:
    """Give ``name`` a new key and certificate; earlier versions stay on disk and loadable by key id.

    Only the keys the issuing CA certifies can be rolled over here; replacing a CA is a
    ceremony of its own.
    """
    _check_name(name)
    if name in (ROOT, ISSUING):
        raise KeyError_(_("The certificate authorities cannot be rolled over with this command."))
    if settings.PRODUCTION:
        raise KeyError_(_("In production, keys come from the files the environment names; replace those files."))
    directory = _keys_dir()
    with _locked(directory):
        manifest = _read_manifest(directory, for_update=True)
        if name not in manifest["keys"]:
            raise KeyError_(
                _("The platform key “%(name)s” does not exist in %(dir)s: run “egov keys init”.")
                % {"name": name, "dir": directory}
            )
        _create(directory, name, manifest)
        return str(manifest["keys"][name]["current"])

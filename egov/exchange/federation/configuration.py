"""Member registries ("global configuration"): this deployment's, signed; other deployments', trusted.

A member registry lists a deployment's member organisations: code, name, base URL and
the certificates of every current and earlier non-expired version of its
exchange-member key, with the chain (issuing CA, root CA) that certifies them. It is a
JWS signed with the current exchange-member key, so it proves itself once its root CA
is trusted.

Another deployment trusts it by importing it with the SHA-256 fingerprint of that root
CA, given out of band (the anchor): :func:`configuration_trust` checks the chain up to
the anchor, every member certificate against it, and the signature. Afterwards
:func:`configuration_refresh` fetches the registry again from its URL and accepts it
only under the same anchor and only if it is newer, so key rollovers and withdrawals
reach the other side without another exchange of files. An owner keeps answering on
its cached copy up to ``EGOV_EXCHANGE_CONFIGURATION_MAX_AGE_HOURS`` after the copy was
issued, then refuses until it is refreshed (ADR 0060).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import urllib3
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from egov.accounts import public as accounts
from egov.core import clock, keys
from egov.core.audit import audit_append
from egov.core.errors import ApplicationError, Conflict, ValidationError
from egov.exchange.federation import messages
from egov.exchange.models import Member, MemberCertificate, TrustedConfiguration

logger = logging.getLogger("egov.exchange.federation")

FORMAT = "egov-member-registry/1"
CONFIGURATION_PATH = "/api/v1/exchange/configuration"


class ConfigurationInvalid(ValidationError):
    """A member registry that does not prove itself under the anchor given."""

    code = "exchange_configuration_invalid"


class ConfigurationUnreachable(ApplicationError):
    status = 502
    code = "exchange_configuration_unreachable"


@dataclass(frozen=True)
class MemberCertificateInfo:
    key_id: str
    pem: str
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True)
class MemberInfo:
    code: str
    name: str
    base_url: str
    certificates: tuple[MemberCertificateInfo, ...]


@dataclass(frozen=True)
class ParsedConfiguration:
    anchor: str
    issued_at: datetime
    members: tuple[MemberInfo, ...]
    jws: str


def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def normalise_anchor(anchor: str) -> str:
    """An anchor as typed by a person (colons, spaces, capitals allowed) as 64 lower-case hex digits."""
    return "".join(ch for ch in anchor.lower() if ch in "0123456789abcdef")


def own_anchor() -> str:
    """This deployment's root CA fingerprint: what another deployment's operator must be told out of band."""
    return fingerprint(keys.load_certificate("root-ca"))


def own_member_code() -> str:
    return str(settings.EGOV_EXCHANGE_MEMBER_CODE)


def own_member_name() -> str:
    if settings.EGOV_EXCHANGE_MEMBER_NAME:
        return str(settings.EGOV_EXCHANGE_MEMBER_NAME)
    organisation = accounts.organisation(code=own_member_code())
    return organisation.name if organisation is not None else own_member_code()


def _own_certificates(now: datetime) -> list[str]:
    """PEMs of every exchange-member key version whose certificate is still valid and not withdrawn, oldest first."""
    withdrawn = set(settings.EGOV_EXCHANGE_REVOKED_KEY_IDS)
    key_ids: list[str] = []
    try:
        key_ids = [info.key_id for info in keys.list_keys() if info.name == messages.KEY_NAME]
    except keys.KeyError_:
        key_ids = []
    current = keys.current_key_id(messages.KEY_NAME)
    if current in withdrawn:
        raise ConfigurationInvalid(_(
            "The current exchange-member key is listed as withdrawn; give it a new version first "
            "(egov keys init --rollover exchange-member)."
        ))
    if current not in key_ids:
        key_ids.append(current)
    found = []
    for key_id in key_ids:
        if key_id in withdrawn:
            continue
        certificate = keys.load_certificate(messages.KEY_NAME, key_id)
        if certificate.not_valid_before_utc <= now < certificate.not_valid_after_utc:
            found.append(messages.pem_of(certificate))
    return found


def own_configuration() -> str:
    """This deployment's member registry, signed now with its current exchange-member key."""
    now = clock.now()
    claims = {
        "format": FORMAT,
        "iat": int(now.timestamp()),
        "root_ca": messages.pem_of(keys.load_certificate("root-ca")),
        "issuing_ca": messages.pem_of(keys.load_certificate("issuing-ca")),
        "members": [{
            "code": own_member_code(), "name": own_member_name(),
            "base_url": str(settings.EGOV_EXCHANGE_BASE_URL).rstrip("/"), "certificates": _own_certificates(now),
        }],
    }
    return messages.sign(claims, typ=messages.REGISTRY_TYPE)


def _invalid(message: str) -> ConfigurationInvalid:
    return ConfigurationInvalid(message)


def _certificate(pem: Any) -> x509.Certificate:
    if not isinstance(pem, str):
        raise _invalid(_("The member registry holds something that is not a certificate."))
    try:
        return messages.certificate_from_pem(pem)
    except ValueError:
        raise _invalid(_("The member registry holds something that is not a certificate.")) from None


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def parse_configuration(jws: str, *, anchor: str | None) -> ParsedConfiguration:
    """Check a member registry end to end and return its content; ConfigurationInvalid otherwise.

    With ``anchor`` None the registry is checked against its own root CA only (for an
    evidence file, whose verifier compares the fingerprint printed with the one they
    were given).
    """
    try:
        header, claims = messages.peek(jws.strip())
    except messages.MessageError:
        raise _invalid(_("This is not a signed member registry.")) from None
    if claims.get("format") != FORMAT or not isinstance(claims.get("members"), list):
        raise _invalid(_("This is not a signed member registry."))
    root = _certificate(claims.get("root_ca"))
    issuing = _certificate(claims.get("issuing_ca"))
    found = fingerprint(root)
    if anchor is not None and found != normalise_anchor(anchor):
        raise _invalid(
            _("The registry's root CA has fingerprint %(found)s, not the anchor you were given; it was not trusted.")
            % {"found": found}
        )
    if not _issued_by(root, root) or not _issued_by(issuing, root):
        raise _invalid(_("The registry's certificate authorities do not certify each other."))
    members: list[MemberInfo] = []
    by_key: dict[str, str] = {}
    for entry in claims["members"]:
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) and entry.get(k)
                                                  for k in ("code", "name", "base_url")):
            raise _invalid(_("A member of the registry lacks its code, name or base URL."))
        certificates = []
        for pem in entry.get("certificates") or []:
            certificate = _certificate(pem)
            if not _issued_by(certificate, issuing):
                raise _invalid(_("A member certificate was not issued by the registry's certificate authority."))
            key_id = messages.key_id_of_pem(pem)
            by_key[key_id] = pem
            certificates.append(MemberCertificateInfo(
                key_id=key_id, pem=pem, not_before=certificate.not_valid_before_utc,
                not_after=certificate.not_valid_after_utc,
            ))
        members.append(MemberInfo(code=entry["code"], name=entry["name"], base_url=entry["base_url"].rstrip("/"),
                                  certificates=tuple(certificates)))
    signer = by_key.get(header["kid"])
    if signer is None:
        raise _invalid(_("The registry is not signed by a key it lists."))
    try:
        messages.verify(jws.strip(), signer)
    except messages.MessageError:
        raise _invalid(_("The registry's signature does not verify.")) from None
    if not isinstance(claims.get("iat"), int):
        raise _invalid(_("This is not a signed member registry."))
    issued_at = datetime.fromtimestamp(claims["iat"], tz=UTC)
    return ParsedConfiguration(anchor=found, issued_at=issued_at, members=tuple(members), jws=jws.strip())


@transaction.atomic
def _store(parsed: ParsedConfiguration, *, url: str) -> TrustedConfiguration:
    now = clock.now()
    own = own_member_code()
    configuration = TrustedConfiguration.objects.select_for_update().filter(anchor=parsed.anchor).first()
    if configuration is not None and parsed.issued_at < configuration.issued_at:
        raise Conflict(_("This member registry is older than the one already trusted; it was not taken."))
    for listed_member in parsed.members:
        code = listed_member.code
        if code == own:
            raise _invalid(_("The registry names this deployment's own member code %(code)s.") % {"code": own})
        if Member.objects.filter(code=code).exclude(configuration__anchor=parsed.anchor).exists():
            raise _invalid(_("Member %(code)s already belongs to another trusted registry.") % {"code": code})
    if configuration is None:
        configuration = TrustedConfiguration.objects.create(
            anchor=parsed.anchor, url=url, jws=parsed.jws, issued_at=parsed.issued_at, fetched_at=now,
        )
    else:
        configuration.jws, configuration.issued_at, configuration.fetched_at = parsed.jws, parsed.issued_at, now
        configuration.url = url or configuration.url
        configuration.save(update_fields=["jws", "issued_at", "fetched_at", "url"])
    listed: set[str] = set()
    for info in parsed.members:
        member, _created = Member.objects.update_or_create(
            code=info.code, defaults={"configuration": configuration, "name": info.name, "base_url": info.base_url},
        )
        for cert in info.certificates:
            listed.add(cert.key_id)
            MemberCertificate.objects.update_or_create(
                key_id=cert.key_id,
                defaults={"member": member, "pem": cert.pem, "not_before": cert.not_before,
                          "not_after": cert.not_after, "revoked_at": None},
            )
    MemberCertificate.objects.filter(member__configuration=configuration, revoked_at__isnull=True).exclude(
        key_id__in=listed).update(revoked_at=now)
    _trust_cache.clear()
    transaction.on_commit(_trust_cache.clear)
    return configuration


def configuration_trust(*, jws: str, anchor: str, url: str = "", by: str = "system:egov-exchange") -> TrustedConfiguration:
    """Trust another deployment's member registry, proven under ``anchor`` (its root CA's SHA-256)."""
    if len(normalise_anchor(anchor)) != 64:
        raise _invalid(_("The anchor must be the 64 hexadecimal digits of the root CA's SHA-256 fingerprint."))
    parsed = parse_configuration(jws, anchor=anchor)
    if not url and parsed.members:
        url = parsed.members[0].base_url + CONFIGURATION_PATH
    configuration = _store(parsed, url=url)
    audit_append(action="exchange.configuration_trusted", actor=by, actor_label=by,
                 object_ref=f"exchange-configuration:{parsed.anchor}",
                 detail={"members": [m.code for m in parsed.members], "issued_at": parsed.issued_at})
    return configuration


_pool = urllib3.PoolManager(retries=False)


def configuration_refresh(*, timeout: float | None = None) -> list[tuple[str, str]]:
    """Fetch every trusted registry again from its URL; returns (anchor, "" or the error) for each.

    A registry that cannot be fetched or does not verify leaves the cached copy in
    place (the owner keeps answering on it up to its maximum age).
    """
    results: list[tuple[str, str]] = []
    wait = float(timeout if timeout is not None else settings.EGOV_EXCHANGE_TIMEOUT_SECONDS)
    for configuration in TrustedConfiguration.objects.order_by("anchor"):
        try:
            answer = _pool.request("GET", configuration.url, timeout=urllib3.Timeout(total=wait))
            if answer.status != 200:
                raise ConfigurationUnreachable(
                    _("%(url)s answered with status %(status)d.") % {"url": configuration.url, "status": answer.status}
                )
            body = json.loads(answer.data)
            parsed = parse_configuration(str(body.get("configuration", "")), anchor=configuration.anchor)
            _store(parsed, url=configuration.url)
            results.append((configuration.anchor, ""))
        except (urllib3.exceptions.HTTPError, OSError, ValueError, AttributeError) as error:
            results.append((configuration.anchor, _("%(url)s could not be fetched: %(error)s")
                            % {"url": configuration.url, "error": error}))
        except ApplicationError as error:
            results.append((configuration.anchor, error.message))
    return results


def configuration_max_age() -> timedelta:
    return timedelta(hours=settings.EGOV_EXCHANGE_CONFIGURATION_MAX_AGE_HOURS)


class _TrustCache:
    """Members and certificates by code and key id, per process, valid while the trusted registries are unchanged.

    Every signed message is checked against its signer's certificate, and every request
    looks up the member it goes to: two ORM queries that cost more to compile than the
    signature costs to verify (bench-exchange measured about 1 ms each on the owner
    and on the client). What they read changes only when a registry is trusted,
    refreshed or removed, and each of those changes the trusted registries' count or
    their latest ``fetched_at``: one plain SQL statement checks that token before a
    cached row is used, so a refresh by any process (the worker, an operator's
    command) takes effect on the next message, as without the cache. A trust or
    refresh in this process empties the cache at once. Expiry and revocation are
    still compared with the clock on every message by the callers; a miss (an unknown
    member) is not cached. Rows found under one token are dropped when it changes.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._token: tuple[Any, ...] | None = None
        self._members: dict[str, Member] = {}
        self._certificates: dict[str, MemberCertificate] = {}

    @staticmethod
    def _current_token() -> tuple[Any, ...]:
        with connection.cursor() as cursor:
            cursor.execute(_TOKEN_SQL)
            row = cursor.fetchone()
        return (connection.alias, connection.settings_dict.get("NAME"), *(row or ()))

    def _fresh(self) -> tuple[Any, ...]:
        token = self._current_token()
        if token != self._token:
            with self._lock:
                if token != self._token:
                    self._members, self._certificates, self._token = {}, {}, token
        return token

    def clear(self) -> None:
        with self._lock:
            self._members, self._certificates, self._token = {}, {}, None

    def member(self, code: str) -> Member | None:
        token = self._fresh()
        found = self._members.get(code)
        if found is None:
            found = Member.objects.select_related("configuration").filter(code=code).first()
            if found is not None and token == self._token:
                self._members[code] = found
        return found

    def certificate(self, key_id: str) -> MemberCertificate | None:
        token = self._fresh()
        found = self._certificates.get(key_id)
        if found is None:
            found = MemberCertificate.objects.select_related("member__configuration").filter(key_id=key_id).first()
            if found is not None and token == self._token:
                self._certificates[key_id] = found
        return found


_TOKEN_SQL = f"SELECT COUNT(*), MAX(fetched_at), MAX(issued_at) FROM {TrustedConfiguration._meta.db_table}"  # noqa: S608
_trust_cache = _TrustCache()


def member_get(code: str) -> Member | None:
    """The member of a trusted registry with this code, with its registry (cached while the registries are unchanged)."""
    return _trust_cache.member(code)


def certificate_get(key_id: str) -> MemberCertificate | None:
    """The member certificate with this key id, with its member and registry (cached as :func:`member_get`)."""
    return _trust_cache.certificate(key_id)


def configuration_refresh_daily(*, run_date: date) -> None:
    """Daily job of ``egov worker``: refresh every trusted registry (failures keep the cached copies)."""
    for anchor, problem in configuration_refresh():
        if problem:
            logger.warning("member registry %s could not be refreshed on %s: %s", anchor[:16], run_date, problem)

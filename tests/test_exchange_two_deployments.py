"""Two egov deployments exchange data over HTTP as separate processes (issue 4, "Between deployments").

The ministry (member ``cen-mois``) owns the resident register; the city (member
``city-jongno``) asks it for a resident's household copy. Each runs its own server (Granian) on
loopback with its own SQLite database and its own keys, and is set up with the
operator's commands only: ``egov exchange configuration …`` to trust the other's
signed member registry under its root CA fingerprint, ``egov shell -c`` for what a
citizen and an operator would do on the ministry's pages (a resident, an access
right for the city, the resident's consent). The city's requests are made with
``egov exchange request``; forged and replayed messages are posted by hand.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from egov.core.testing import serve

pytestmark = pytest.mark.committed

EGOV = str(Path(sys.executable).with_name("egov"))
OWNER, CITY = "cen-mois", "city-jongno"
PRODUCT, PURPOSE, SERVICE = "resident-registration-copy", "benefit_eligibility", "basic-livelihood-benefit"

OWNER_SETUP = """
import json
from egov.accounts.fixtures import make_citizen
from egov.exchange import public, services
from egov.registries.tests.factories import make_resident
resident = make_resident(name_ko="김하늘", name_en="KIM HANEUL")
user = make_citizen("haneul", "Kim Haneul")
user.resident_id = resident.id
user.save(update_fields=["resident_id"])
services.access_right_grant(by=None, consumer="city-jongno", product_code="resident-registration-copy",
                            purpose="benefit_eligibility")
consent = public.consent_grant(user=user, product_code="resident-registration-copy",
                               purpose="benefit_eligibility", recipient="city-jongno", days=30, channel="member")
print(json.dumps({"number": resident.identifier, "consent": str(consent),
                  "recipient_name": public.consents_of(resident_id=resident.id)[0].recipient_name}))
"""



@dataclass
class Deployment:
    code: str
    env: dict[str, str]
    url: str = ""
    anchor: str = ""

    def egov(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([EGOV, *args], env=self.env, capture_output=True, text=True, timeout=120)
        if check and done.returncode != 0:
            raise AssertionError(f"egov {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def shell(self, script: str) -> Any:
        return json.loads(self.egov("shell", "-c", script).stdout.strip().splitlines()[-1])

    def log(self) -> list[list[Any]]:
        """The deployment's exchange log as its operator sees it: direction, client, status, reason, request, response kept."""
        database = self.env["DATABASE_URL"].removeprefix("sqlite:///")
        with closing(sqlite3.connect(database)) as db:
            rows = db.execute("SELECT direction, client, status, reason, request_id, response_jws != '' "
                              "FROM exchange_exchangelog ORDER BY id").fetchall()
        return [[d, c, s, r, str(uuid.UUID(i)), bool(kept)] for d, c, s, r, i, kept in rows]


@dataclass
class Federation:
    owner: Deployment
    city: Deployment
    number: str
    consent: str
    recipient_name: str
    stack: ExitStack
    released: dict[str, Any] = field(default_factory=dict)


def _deployment(code: str, directory: Path) -> Deployment:
    directory.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("EGOV_", "DATABASE_URL"))}
    env.update({
        "DATABASE_URL": f"sqlite:///{directory / 'egov.sqlite3'}", "EGOV_KEYS_DIR": str(directory / "keys"),
        "EGOV_AUDIT_CHECKPOINT_FILE": str(directory / "checkpoints.jsonl"), "EGOV_EXCHANGE_MEMBER_CODE": code,
        "EGOV_EXCHANGE_MEMBER_NAME": "종로구청" if code == CITY else "", "LANG": "C",
    })
    return Deployment(code=code, env=env)


def _set_up_both(owner: Deployment, city: Deployment) -> None:
    """Each deployment's first command migrates and seeds its database (both at once) and tells its anchor."""
    running = [subprocess.Popen([EGOV, "exchange", "configuration", "anchor"], env=d.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for d in (owner, city)]
    for deployment, process in zip((owner, city), running, strict=True):
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        deployment.anchor = out.strip().splitlines()[-1]


def _copy_migrated_template(deployment: Deployment) -> None:
    """Start from a copy of the migrated test database when it is SQLite (saves each deployment its migrate)."""
    from django.conf import settings

    template = settings.DATABASES["default"]
    if not template["ENGINE"].endswith("sqlite3"):
        return
    target = deployment.env["DATABASE_URL"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(template["NAME"])) as origin, closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)


@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory, django_db_setup: None) -> Iterator[Federation]:
    root = tmp_path_factory.mktemp("federation")
    owner = _deployment(OWNER, root / "ministry")
    city = _deployment(CITY, root / "city")
    for deployment in (owner, city):
        _copy_migrated_template(deployment)
    _set_up_both(owner, city)
    with ExitStack() as stack:
        owner.url = stack.enter_context(serve(owner.env, root / "ministry.log"))
        city.url = stack.enter_context(serve(city.env, root / "city.log"))
        owner.env["EGOV_EXCHANGE_BASE_URL"] = owner.url
        # The city trusts the ministry's registry from a file handed over with its anchor...
        owner.egov("exchange", "configuration", "export", "--out", str(root / "ministry.jws"))
        city.egov("exchange", "configuration", "trust", str(root / "ministry.jws"), "--anchor", owner.anchor)
        # ...and the ministry the city's, fetched from its configuration URL (which names the city's server).
        owner.egov("exchange", "configuration", "trust", f"{city.url}/api/v1/exchange/configuration",
                   "--anchor", city.anchor)
        facts = owner.shell(OWNER_SETUP)
        yield Federation(owner=owner, city=city, number=facts["number"], consent=facts["consent"],
                         recipient_name=facts["recipient_name"], stack=stack)


def _ask(federation: Federation, *, purpose: str = PURPOSE, consent: str | None = None,
         check: bool = True) -> subprocess.CompletedProcess[str]:
    args = ["exchange", "request", "--provider", OWNER, "--product", PRODUCT, "--purpose", purpose,
            "--service", SERVICE, "--subject", federation.number, "--label", "Casey Clerk", "--timeout", "5"]
    if consent:
        args += ["--consent", consent]
    return federation.city.egov(*args, check=check)


def _claims(message: str) -> dict[str, Any]:
    payload = message.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


def _post(url: str, request_jws: str) -> dict[str, Any]:
    http = urllib.request.Request(f"{url}/api/v1/exchange/requests", data=json.dumps({"request": request_jws}).encode(),
                                  headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(http, timeout=10) as answer:  # noqa: S310 - loopback only
        return _claims(json.loads(answer.read())["response"])


def test_the_city_names_the_ministrys_consent_recipient_from_the_trusted_member_registry(federation: Federation) -> None:
    assert federation.recipient_name == "종로구청"
    members = federation.city.egov("exchange", "members").stdout
    assert OWNER in members and federation.owner.url in members


def test_after_the_city_rolls_its_key_over_the_ministry_refreshes_and_accepts_the_new_key(
    federation: Federation,
) -> None:
    rolled = federation.city.egov("keys", "init", "--rollover", "exchange-member").stdout
    new_key = rolled.strip().rsplit(" ", 1)[1]
    refreshed = federation.owner.egov("exchange", "configuration", "refresh")
    assert refreshed.stdout.strip() == f"{federation.city.anchor[:16]} refreshed"
    released = _round_trip(federation)
    request = json.loads(Path(released["evidence"]).read_text())["request"]
    part = request.split(".")[0]
    header = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    assert header["kid"] == new_key


def _round_trip(federation: Federation) -> dict[str, Any]:
    """The city's consented request, made once for the module; its answer and its evidence file."""
    if not federation.released:
        answer = json.loads(_ask(federation, consent=federation.consent).stdout)
        evidence = Path(federation.owner.env["EGOV_KEYS_DIR"]).parent / f"evidence-{answer['request_id']}.json"
        federation.owner.egov("exchange", "evidence", "export", answer["request_id"], "--out", str(evidence))
        federation.released.update(answer=answer, evidence=evidence)
    return federation.released


def test_a_signed_round_trip_releases_the_household_copy_and_both_sides_keep_the_evidence(
    federation: Federation,
) -> None:
    answer = _round_trip(federation)["answer"]
    assert answer["product"] == PRODUCT and answer["purpose"] == PURPOSE
    assert answer["data"]["members"][0]["name_ko"] == "김하늘"
    request_id = answer["request_id"]
    assert [row[:4] + row[5:] for row in federation.city.log() if row[4] == request_id] == [
        ["outgoing", CITY, "released", "", True]]
    assert [row[:4] + row[5:] for row in federation.owner.log() if row[4] == request_id] == [
        ["incoming", CITY, "released", "", True]]


def test_the_evidence_file_of_an_exchange_verifies_offline_against_both_anchors(federation: Federation) -> None:
    released = _round_trip(federation)
    anchors = [federation.owner.anchor, federation.city.anchor]
    verified = federation.city.egov("exchange", "evidence", "verify", str(released["evidence"]),
                                    "--anchor", anchors[0], "--anchor", anchors[1]).stdout
    assert "evidence verified" in verified
    assert released["answer"]["request_id"] in verified and "released" in verified
    assert federation.number not in verified, "the subject's number is shown masked"


def test_a_request_without_consent_is_refused_by_the_owner(federation: Federation) -> None:
    refused = _ask(federation, check=False)
    assert refused.returncode != 0
    assert "no_consent_or_basis" in refused.stderr
    assert "neither the subject's consent" in refused.stderr


def test_a_request_for_a_purpose_the_consent_does_not_cover_is_refused(federation: Federation) -> None:
    refused = _ask(federation, purpose="tax_assessment", consent=federation.consent, check=False)
    assert refused.returncode != 0
    assert "no_access_right" in refused.stderr
    rows = federation.owner.log()
    assert any(row[0] == "incoming" and row[2] == "refused" and row[3] == "no_access_right" for row in rows)


def test_a_request_with_a_forged_signature_is_refused_and_releases_nothing(federation: Federation) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec
    from joserfc import jws
    from joserfc.jwk import ECKey

    genuine = federation.city.env["EGOV_KEYS_DIR"]
    manifest = json.loads((Path(genuine) / "manifest.json").read_text())
    city_kid = manifest["keys"]["exchange-member"]["current"]
    claims = {"rid": "8c1f8f7e-5d0b-4a43-9d55-0e4d9a1b2c3d", "client": CITY, "provider": OWNER, "product": PRODUCT,
              "purpose": PURPOSE, "service": SERVICE, "consent": federation.consent, "basis": "",
              "subject": federation.number, "actor": "member:city-jongno", "label": "Mallory",
              "iat": int(time.time())}
    forger = ECKey.import_key(ec.generate_private_key(ec.SECP256R1()))
    forged = jws.serialize_compact({"alg": "ES256", "kid": city_kid}, json.dumps(claims).encode(), forger)
    answer = _post(federation.owner.url, forged)
    assert answer["status"] == "refused" and answer["reason"] == "bad_signature"
    assert "data" not in answer
    assert not [row for row in federation.owner.log() if row[4] == claims["rid"]]


def test_a_replayed_request_is_refused(federation: Federation) -> None:
    released = _round_trip(federation)
    original = json.loads(Path(released["evidence"]).read_text())["request"]
    answer = _post(federation.owner.url, original)
    assert answer["status"] == "refused" and answer["reason"] == "replayed"
    rows = [row for row in federation.owner.log() if row[4] == released["answer"]["request_id"]]
    assert [row[2] for row in rows] == ["released"], "the replay released nothing more"


def test_an_unreachable_owner_gives_a_clear_error_within_the_timeout_and_writes_nothing_half(
    federation: Federation,
) -> None:
    port = int(federation.owner.url.rsplit(":", 1)[1])
    federation.stack.close()  # both servers stop; the ministry's port now accepts but never answers
    with socket.socket() as blackhole:
        blackhole.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        blackhole.bind(("127.0.0.1", port))
        blackhole.listen()
        failed = federation.city.egov("exchange", "request", "--provider", OWNER, "--product", PRODUCT,
                                      "--purpose", PURPOSE, "--service", SERVICE, "--subject", federation.number,
                                      "--consent", federation.consent, "--timeout", "1", check=False)
    assert failed.returncode != 0
    assert "did not answer within 1 seconds; nothing was released" in failed.stderr
    errors = [row for row in federation.city.log() if row[2] == "error"]
    assert [(row[0], row[3], row[5]) for row in errors] == [("outgoing", "unreachable", False)]

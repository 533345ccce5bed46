"""The owner's checks on a signed request before the gate, in one process.

The test plays both members with one keys directory: as ``city-jongno`` it exports its
member registry and signs requests; as ``cen-mois`` it trusts that registry (under its
root CA fingerprint) and answers. The two-process federation is in
tests/test_exchange_two_deployments.py.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import override_settings
from joserfc import jws
from joserfc.jwk import ECKey

from egov.core import clock, keys
from egov.exchange.federation import configuration, messages, server
from egov.exchange.models import ExchangeLog
from egov.exchange.services import access_right_grant

CITY, OWNER = "city-jongno", "cen-mois"


@pytest.fixture
def trusted_city(exchange_pack: Any, alice_resident: Any) -> Any:
    return trust_city(alice_resident)


def trust_city(resident: Any) -> Any:
    """The ministry trusts the city's registry and grants it the resident extract under an article."""
    with override_settings(EGOV_EXCHANGE_MEMBER_CODE=CITY, EGOV_EXCHANGE_MEMBER_NAME="종로구청"):
        registry = configuration.own_configuration()
    configuration.configuration_trust(jws=registry, anchor=configuration.own_anchor())
    access_right_grant(by=None, consumer=CITY, product_code="resident-registration-extract",
                       purpose="civil_application", consent_exempt_article="Resident Registration Act, Article 30")
    return resident


def _request(resident: Any, *, issued_at: int | None = None, rid: uuid.UUID | None = None) -> str:
    claims = messages.request_claims(
        request_id=rid or uuid.uuid4(), client=CITY, provider=OWNER, product="resident-registration-extract",
        purpose="civil_application", service="resident-registration-copy-issue", consent_id=None,
        legal_basis="Resident Registration Act, Article 30", subject_number=resident.identifier,
        actor="system:test", label="Casey Clerk",
        issued_at=issued_at if issued_at is not None else int(clock.now().timestamp()),
    )
    return messages.sign(claims, typ=messages.REQUEST_TYPE)


def _answer(request_jws: str) -> dict[str, Any]:
    with override_settings(EGOV_EXCHANGE_MEMBER_CODE=OWNER):
        return messages.peek(server.handle_request(request_jws))[1]


@pytest.fixture
def later() -> Iterator[Any]:
    """Move the clock (EGOV_NOW) by a given time for the rest of the test."""
    previous = os.environ.get("EGOV_NOW")

    def move(by: timedelta) -> None:
        os.environ["EGOV_NOW"] = (clock.now() + by).isoformat()

    yield move
    if previous is None:
        os.environ.pop("EGOV_NOW", None)
    else:
        os.environ["EGOV_NOW"] = previous


def test_a_trusted_members_signed_request_is_answered_with_a_signed_release(trusted_city: Any) -> None:
    answer = _answer(_request(trusted_city))
    assert answer["status"] == "released"
    assert answer["data"]["name_ko"] == "김하늘"
    row = ExchangeLog.objects.get(direction="incoming", client=CITY)
    assert row.status == "released" and row.request_jws and row.response_jws
    assert row.actor == f"member:{CITY}" and row.actor_label == "종로구청 · Casey Clerk"


def test_a_request_with_a_stale_timestamp_is_refused(trusted_city: Any) -> None:
    old = int((clock.now() - timedelta(minutes=10)).timestamp())
    answer = _answer(_request(trusted_city, issued_at=old))
    assert answer["status"] == "refused" and answer["reason"] == "stale" and "data" not in answer
    assert not ExchangeLog.objects.exists()


def test_the_allowed_clock_skew_is_a_setting(trusted_city: Any) -> None:
    old = int((clock.now() - timedelta(minutes=10)).timestamp())
    with override_settings(EGOV_EXCHANGE_MAX_SKEW_SECONDS=3600):
        assert _answer(_request(trusted_city, issued_at=old))["status"] == "released"


def test_a_request_signed_by_a_key_of_no_trusted_member_is_refused(trusted_city: Any) -> None:
    stranger = ECKey.import_key(ec.generate_private_key(ec.SECP256R1()))
    claims = messages.peek(_request(trusted_city))[1]
    forged = jws.serialize_compact({"alg": "ES256", "kid": "0123456789abcdef"}, messages.canonical(claims), stranger)
    answer = _answer(forged)
    assert answer["status"] == "refused" and answer["reason"] == "unknown_member"
    assert not ExchangeLog.objects.exists()


def test_a_request_that_is_not_a_signed_message_is_refused_as_malformed(trusted_city: Any) -> None:
    assert _answer("not a message")["reason"] == "malformed"


def test_a_request_signed_under_an_expired_certificate_is_refused(trusted_city: Any, later: Any) -> None:
    later(timedelta(days=365 * 6))
    answer = _answer(_request(trusted_city))
    assert answer["status"] == "refused" and answer["reason"] == "certificate_expired"


def test_the_owner_refuses_once_the_cached_member_registry_is_too_old(trusted_city: Any, later: Any) -> None:
    later(timedelta(hours=73))
    answer = _answer(_request(trusted_city))
    assert answer["status"] == "refused" and answer["reason"] == "configuration_expired"
    with override_settings(EGOV_EXCHANGE_CONFIGURATION_MAX_AGE_HOURS=100):
        assert _answer(_request(trusted_city))["status"] == "released"


def test_a_replayed_request_id_is_refused_and_the_first_answer_stays(trusted_city: Any) -> None:
    rid = uuid.uuid4()
    assert _answer(_request(trusted_city, rid=rid))["status"] == "released"
    again = _answer(_request(trusted_city, rid=rid))
    assert again["status"] == "refused" and again["reason"] == "replayed"
    assert list(ExchangeLog.objects.values_list("status", flat=True)) == ["released"]


def test_a_request_addressed_to_another_member_is_refused(trusted_city: Any) -> None:
    with override_settings(EGOV_EXCHANGE_MEMBER_CODE="cen-nts"):
        answer = messages.peek(server.handle_request(_request(trusted_city)))[1]
    assert answer["reason"] == "wrong_provider"


def test_a_request_signed_under_the_earlier_key_still_verifies_after_a_rollover(
    exchange_pack: Any, alice_resident: Any, tmp_path: Path,
) -> None:
    with override_settings(EGOV_KEYS_DIR=tmp_path):  # a keys directory of its own: the rollover stays here
        trust_city(alice_resident)
        signed_before = _request(alice_resident)
        keys.rollover("exchange-member")
        trust_city_again()
        assert _answer(signed_before)["status"] == "released"
        assert _answer(_request(alice_resident))["status"] == "released"


def test_a_request_signed_under_a_withdrawn_key_is_refused(
    exchange_pack: Any, alice_resident: Any, tmp_path: Path,
) -> None:
    with override_settings(EGOV_KEYS_DIR=tmp_path):
        trust_city(alice_resident)
        withdrawn = keys.current_key_id("exchange-member")
        signed_before = _request(alice_resident)
        keys.rollover("exchange-member")  # a leaked key is replaced first, then withdrawn
        with override_settings(EGOV_EXCHANGE_REVOKED_KEY_IDS=[withdrawn]):
            trust_city_again()
        answer = _answer(signed_before)
    assert answer["status"] == "refused" and answer["reason"] == "certificate_revoked"


def trust_city_again() -> None:
    """The ministry refreshes the city's registry (here: imports it again)."""
    with override_settings(EGOV_EXCHANGE_MEMBER_CODE=CITY, EGOV_EXCHANGE_MEMBER_NAME="종로구청"):
        registry = configuration.own_configuration()
    configuration.configuration_trust(jws=registry, anchor=configuration.own_anchor())

"""Member registries: trusted only under the anchor given out of band; key rollover and withdrawal reach the other side."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings

from egov.core import keys
from egov.core.errors import ValidationError
from egov.exchange.federation import configuration
from egov.exchange.models import MemberCertificate
from egov.exchange.selectors import member_name

CITY = "city-jongno"


def _city_registry() -> str:
    with override_settings(EGOV_EXCHANGE_MEMBER_CODE=CITY, EGOV_EXCHANGE_MEMBER_NAME="종로구청"):
        return configuration.own_configuration()


def test_a_registry_is_trusted_under_its_root_ca_fingerprint_and_names_its_members(db: None) -> None:
    configuration.configuration_trust(jws=_city_registry(), anchor=configuration.own_anchor())
    assert member_name(CITY) == "종로구청"
    assert MemberCertificate.objects.filter(member__code=CITY).count() >= 1


def test_a_registry_is_refused_under_any_other_anchor(db: None) -> None:
    with pytest.raises(ValidationError) as refused:
        configuration.configuration_trust(jws=_city_registry(), anchor="ab" * 32)
    assert "not the anchor you were given" in refused.value.message
    assert member_name(CITY) is None


def test_a_registry_whose_content_was_altered_is_refused(db: None) -> None:
    header, payload, signature = _city_registry().split(".")
    altered = ".".join([header, payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB"), signature])
    with pytest.raises(ValidationError):
        configuration.configuration_trust(jws=altered, anchor=configuration.own_anchor())


def test_after_a_key_rollover_both_key_versions_are_trusted_and_a_withdrawn_one_is_revoked(
    db: None, tmp_path: Path,
) -> None:
    with override_settings(EGOV_KEYS_DIR=tmp_path):  # a keys directory of its own: the rollover stays here
        _rollover_and_withdraw()


def _rollover_and_withdraw() -> None:
    earlier = keys.current_key_id("exchange-member")
    keys.rollover("exchange-member")
    current = keys.current_key_id("exchange-member")
    configuration.configuration_trust(jws=_city_registry(), anchor=configuration.own_anchor())
    trusted = set(MemberCertificate.objects.filter(revoked_at__isnull=True).values_list("key_id", flat=True))
    assert {earlier, current} <= trusted
    with override_settings(EGOV_EXCHANGE_REVOKED_KEY_IDS=[earlier]):
        configuration.configuration_trust(jws=_city_registry(), anchor=configuration.own_anchor())
    assert MemberCertificate.objects.get(key_id=earlier).revoked_at is not None
    assert MemberCertificate.objects.get(key_id=current).revoked_at is None


def test_a_registry_that_cannot_be_refreshed_stays_in_use(db: None) -> None:
    configuration.configuration_trust(jws=_city_registry(), anchor=configuration.own_anchor(),
                                      url="http://127.0.0.1:9/api/v1/exchange/configuration")
    [(anchor, problem)] = configuration.configuration_refresh(timeout=1)
    assert anchor == configuration.own_anchor() and "could not be fetched" in problem
    assert member_name(CITY) == "종로구청"

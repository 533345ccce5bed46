"""Consents as the data subject gives and withdraws them, and the access rights the pack seeds."""

from __future__ import annotations

from typing import Any

import pytest

from egov.core.access_log import entries_about
from egov.core.errors import NotFound, PermissionDenied, ValidationError
from egov.exchange import public as exchange
from egov.exchange.models import AccessRight, DataProduct, Purpose
from egov.exchange.services import access_right_grant, exchange_pack_load

pytestmark = pytest.mark.django_db


def test_the_pack_seeds_rights_from_the_services_evidence_lists_once(exchange_pack: dict[str, int]) -> None:
    assert exchange_pack["products"] == DataProduct.objects.count() >= 7
    assert Purpose.objects.filter(code="benefit_eligibility").exists()
    seeded = AccessRight.objects.get(consumer="kind:dong", product_code="family-relations",
                                     purpose="benefit_eligibility")
    assert seeded.source == "service" and seeded.source_ref == "basic-livelihood-security@1, child-allowance@2"
    exempt = AccessRight.objects.get(consumer="kind:dong", product_code="resident-registration-extract",
                                     purpose="civil_application")
    assert exempt.consent_exempt_article == "Resident Registration Act, Article 30"
    assert AccessRight.objects.filter(consumer="cen-nts", product_code="building-record").exists()
    again = exchange_pack_load()
    assert again["rights"] == 0


def test_a_right_an_operator_revoked_is_not_seeded_again(exchange_pack: Any, olivia: Any) -> None:
    from egov.exchange.services import access_right_revoke

    right = AccessRight.objects.get(consumer="kind:dong", product_code="vehicle-record", purpose="civil_application")
    access_right_revoke(by=olivia, right_id=right.id)
    exchange_pack_load()
    assert not AccessRight.objects.filter(consumer="kind:dong", product_code="vehicle-record",
                                          purpose="civil_application", revoked_at__isnull=True).exists()


def test_an_operator_grants_a_right_and_a_second_identical_one_is_refused(exchange_pack: Any, olivia: Any) -> None:
    from egov.accounts.fixtures import make_organisation

    make_organisation("cen-pps")
    right = access_right_grant(by=olivia, consumer="cen-pps", product_code="business-status",
                               purpose="business_administration")
    assert right.granted_by == olivia and right.source == "operator"
    with pytest.raises(ValidationError, match="already has this access right"):
        access_right_grant(by=olivia, consumer="cen-pps", product_code="business-status",
                           purpose="business_administration")
    with pytest.raises(ValidationError) as unknown:
        access_right_grant(by=olivia, consumer="nobody", product_code="nothing", purpose="fun")
    assert set(unknown.value.field_errors) == {"consumer", "product_code", "purpose"}


def test_a_consent_is_recorded_for_the_citizens_own_record_and_shown_to_them(
    exchange_pack: Any, alice: Any, alice_resident: Any, clerk: Any,
) -> None:
    consent_id = exchange.consent_grant(user=alice, product_code="vehicle-record", purpose="civil_application",
                                        recipient="adm-1101072", days=90)
    [mine] = exchange.consents_of(resident_id=alice_resident.id)
    assert (mine.id, mine.state, mine.recipient_name, mine.product_name) == (
        consent_id, "active", "청운효자동", "자동차 등록 정보")
    assert (mine.expires_at - mine.granted_at).days == 90
    granted = entries_about([f"resident:{alice_resident.id}"])[0]
    assert (granted.action, granted.consent) == ("consent.granted", str(consent_id))


def test_a_consent_with_wrong_fields_is_refused_with_a_message_per_field(
    exchange_pack: Any, alice: Any, alice_resident: Any,
) -> None:
    with pytest.raises(ValidationError) as refused:
        exchange.consent_grant(user=alice, product_code="gossip", purpose="curiosity", recipient="nobody", days=9999)
    assert set(refused.value.field_errors) == {"product", "purpose", "recipient", "days"}
    assert exchange.consents_of(resident_id=alice_resident.id) == []


def test_only_a_person_with_a_resident_record_can_consent(exchange_pack: Any, bob: Any) -> None:
    with pytest.raises(PermissionDenied, match="Prove your identity"):
        exchange.consent_grant(user=bob, product_code="vehicle-record", purpose="civil_application",
                               recipient="adm-1101072", days=30)


def test_no_one_revokes_someone_elses_consent(
    exchange_pack: Any, alice: Any, alice_resident: Any, bob: Any, clerk: Any,
) -> None:
    from egov.registries.tests.factories import make_resident

    consent_id = exchange.consent_grant(user=alice, product_code="vehicle-record", purpose="civil_application",
                                        recipient="adm-1101072", days=30)
    bob.resident_id = make_resident(name_ko="박보검", name_en="PARK BOGUM").id
    bob.save(update_fields=["resident_id"])
    with pytest.raises(NotFound):
        exchange.consent_revoke(user=bob, consent_id=consent_id)
    assert exchange.consents_of(resident_id=alice_resident.id)[0].state == "active"

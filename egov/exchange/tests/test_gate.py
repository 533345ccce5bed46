"""The gate in-process: a read is released only with an access right and a consent or the dispensing article.

The platform's own services have no standing exemption: the clerk of 청운효자동 (a
dong office) reads through rights seeded from the pack's service definitions, and
each missing element of a request is refused, releases nothing and is logged.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from egov.core import clock
from egov.core.access_log import entries_about
from egov.exchange import public as exchange
from egov.exchange.models import AccessRight, ExchangeLog

pytestmark = pytest.mark.django_db

MOVE_IN_ARTICLE = "Resident Registration Act, Article 30"


@pytest.fixture
def clerk_requester(clerk: Any) -> exchange.Requester:
    return exchange.requester_for_user(clerk, source_ip="192.0.2.10")


@pytest.fixture
def consent(exchange_pack: Any, alice: Any, alice_resident: Any) -> uuid.UUID:
    """Alice agrees that her dong office reads her household for a welfare benefit, for 30 days."""
    return exchange.consent_grant(user=alice, product_code="resident-registration-copy", purpose="benefit_eligibility",
                                  recipient="adm-1101072", days=30)


def _household_request(**overrides: Any) -> dict[str, Any]:
    return {"product": "resident-registration-copy", "purpose": "benefit_eligibility", "service": "child-allowance",
            **overrides}


def _subject_entries(resident: Any) -> list[Any]:
    return entries_about([f"resident:{resident.id}"])


def test_releases_the_household_with_the_citizens_consent_as_one_entry_she_sees(
    clerk_requester: exchange.Requester, alice_resident: Any, consent: uuid.UUID,
) -> None:
    before = len(_subject_entries(alice_resident))
    release = exchange.fetch(requester=clerk_requester, subject_resident_id=alice_resident.id, consent_id=consent,
                             **_household_request())
    assert release.subject_resident_id == alice_resident.id
    assert [m["name_ko"] for m in release.data["members"]] == ["김하늘"]
    assert set(release.data) == {"address", "established_on", "members"}  # the product's fields, no more
    entries = _subject_entries(alice_resident)
    assert len(entries) == before + 1
    read = entries[0]
    assert read.action == "person.read" and read.outcome == "success"
    assert read.actor_label == "청운효자동 · Casey Clerk"
    assert read.purpose == "Checking eligibility for a welfare benefit"
    assert read.consent == str(consent)
    log = ExchangeLog.objects.get(request_id=release.request_id)
    assert (log.status, log.product_code, log.client, log.subject_resident_id) == (
        "released", "resident-registration-copy", "adm-1101072", alice_resident.id)


def test_releases_under_the_article_that_dispenses_with_consent(
    exchange_pack: Any, clerk_requester: exchange.Requester, alice_resident: Any,
) -> None:
    release = exchange.fetch(requester=clerk_requester, product="resident-registration-extract",
                             purpose="civil_application", service="move-in-report",
                             subject_resident_id=alice_resident.id, legal_basis=MOVE_IN_ARTICLE)
    assert release.data["name_ko"] == "김하늘"
    assert release.data["number_masked"] == "900101-1******"
    assert _subject_entries(alice_resident)[0].legal_basis == MOVE_IN_ARTICLE


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"product": "no-such-product"}, "unknown_product"),
        ({"requester": exchange.Requester(organisation_code="", actor="user:x", label="x")}, "no_organisation"),
        ({"requester": exchange.Requester(organisation_code="adm-1101072", actor="", label="")}, "no_actor"),
        ({"service": ""}, "no_service"),
        ({"purpose": ""}, "unknown_purpose"),
        ({"purpose": "curiosity"}, "unknown_purpose"),
        ({"purpose": "tax_assessment"}, "no_access_right"),
        ({"requester": exchange.Requester(organisation_code="cen-pps", actor="system:buyer", label="조달청")},
         "no_access_right"),
        ({"consent_id": None}, "no_consent_or_basis"),
        ({"consent_id": None, "legal_basis": "Some Act, Article 1"}, "wrong_basis"),
        ({"consent_id": uuid.UUID(int=7)}, "consent_not_found"),
    ],
)
def test_refuses_a_read_missing_an_element_releases_nothing_and_logs_it(
    change: dict[str, Any], reason: str, clerk_requester: exchange.Requester, alice_resident: Any,
    consent: uuid.UUID,
) -> None:
    request = {"requester": clerk_requester, "subject_resident_id": alice_resident.id, "consent_id": consent,
               **_household_request(), **change}
    reads_before = [e for e in _subject_entries(alice_resident) if e.action == "person.read"]
    with pytest.raises(exchange.Refused) as refused:
        exchange.fetch(**request)
    assert refused.value.reason == reason
    assert refused.value.status == 403
    assert [e for e in _subject_entries(alice_resident) if e.action == "person.read"] == reads_before
    log = ExchangeLog.objects.get(request_id=refused.value.request_id)
    assert (log.status, log.reason) == ("refused", reason)
    from egov.core.models import AuditEntry

    logged = AuditEntry.objects.filter(action="exchange.refused", detail__request=str(refused.value.request_id))
    assert logged.count() == 1 and logged.get().outcome == "denied"


def test_refuses_without_any_subject(clerk_requester: exchange.Requester, consent: uuid.UUID) -> None:
    with pytest.raises(exchange.Refused) as refused:
        exchange.fetch(requester=clerk_requester, consent_id=consent, **_household_request())
    assert refused.value.reason == "no_subject"


def test_a_consent_given_for_another_product_purpose_or_recipient_does_not_count(
    exchange_pack: Any, clerk_requester: exchange.Requester, alice: Any, alice_resident: Any,
) -> None:
    for product, purpose, recipient in (
        ("family-relations", "benefit_eligibility", "adm-1101072"),
        ("resident-registration-copy", "school_enrolment", "adm-1101072"),
        ("resident-registration-copy", "benefit_eligibility", "sgg-11110"),
    ):
        from egov.accounts.fixtures import make_organisation

        make_organisation(recipient)
        other = exchange.consent_grant(user=alice, product_code=product, purpose=purpose, recipient=recipient, days=5)
        with pytest.raises(exchange.Refused) as refused:
            exchange.fetch(requester=clerk_requester, subject_resident_id=alice_resident.id, consent_id=other,
                           **_household_request())
        assert refused.value.reason == "consent_mismatch"


def test_a_consent_about_someone_else_does_not_open_their_neighbours_data(
    clerk_requester: exchange.Requester, alice_resident: Any, consent: uuid.UUID,
) -> None:
    from egov.registries.tests.factories import make_resident

    neighbour = make_resident(name_ko="박이웃", name_en="PARK IUT", birth_date=clock.today().replace(year=1985))
    with pytest.raises(exchange.Refused) as refused:
        exchange.fetch(requester=clerk_requester, subject_resident_id=neighbour.id, consent_id=consent,
                       **_household_request())
    assert refused.value.reason == "consent_mismatch"
    assert _subject_entries(neighbour)[0].action == "exchange.refused"


def test_a_revoked_consent_is_refused_on_the_next_request(
    clerk_requester: exchange.Requester, alice: Any, alice_resident: Any, consent: uuid.UUID,
) -> None:
    exchange.fetch(requester=clerk_requester, subject_resident_id=alice_resident.id, consent_id=consent,
                   **_household_request())
    exchange.consent_revoke(user=alice, consent_id=consent)
    with pytest.raises(exchange.Refused) as refused:
        exchange.fetch(requester=clerk_requester, subject_resident_id=alice_resident.id, consent_id=consent,
                       **_household_request())
    assert refused.value.reason == "consent_revoked"
    assert [c.state for c in exchange.consents_of(resident_id=alice_resident.id)] == ["revoked"]


def test_an_expired_consent_is_refused(
    clerk_requester: exchange.Requester, alice_resident: Any, consent: uuid.UUID, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EGOV_NOW", (clock.now() + timedelta(days=31)).isoformat())
    with pytest.raises(exchange.Refused) as refused:
        exchange.fetch(requester=clerk_requester, subject_resident_id=alice_resident.id, consent_id=consent,
                       **_household_request())
    assert refused.value.reason == "consent_expired"


def test_a_revoked_access_right_stops_the_next_read(
    clerk_requester: exchange.Requester, olivia: Any, alice_resident: Any, consent: uuid.UUID,
) -> None:
    from egov.exchange.services import access_right_revoke

    right = AccessRight.objects.get(consumer="kind:dong", product_code="resident-registration-copy",
                                    purpose="benefit_eligibility")
    access_right_revoke(by=olivia, right_id=right.id)
    with pytest.raises(exchange.Refused) as refused:
        exchange.fetch(requester=clerk_requester, subject_resident_id=alice_resident.id, consent_id=consent,
                       **_household_request())
    assert refused.value.reason == "no_access_right"


def test_a_request_id_is_used_once(
    clerk_requester: exchange.Requester, alice_resident: Any, consent: uuid.UUID,
) -> None:
    request_id = uuid.uuid4()
    exchange.fetch(requester=clerk_requester, subject_resident_id=alice_resident.id, consent_id=consent,
                   request_id=request_id, **_household_request())
    with pytest.raises(exchange.Refused) as refused:
        exchange.fetch(requester=clerk_requester, subject_resident_id=alice_resident.id, consent_id=consent,
                       request_id=request_id, **_household_request())
    assert refused.value.reason == "replayed"
    assert ExchangeLog.objects.filter(request_id=request_id).count() == 1


def test_a_subject_named_by_number_that_no_one_holds_is_refused_and_the_probe_logged(
    exchange_pack: Any, clerk_requester: exchange.Requester,
) -> None:
    with pytest.raises(exchange.Refused) as refused:
        exchange.fetch(requester=clerk_requester, product="resident-registration-extract",
                       purpose="civil_application", service="move-in-report", subject_number="8001011234568",
                       legal_basis=MOVE_IN_ARTICLE)
    assert refused.value.reason == "subject_unknown"


def test_a_si_gun_gu_standing_in_for_a_dong_office_reads_under_the_dong_offices_right(
    exchange_pack: Any, reviewer: Any, alice_resident: Any,
) -> None:
    """A dong without an office of its own in the pack: the workflow gives its cases to the gu, which reads as the dong would.

    The resident registration extract is read without consent under Article 30 by dong
    offices; the gu's own right for that product (the death report's) needs consent, so
    without the stand-in the gu's reads for the dong's cases were refused.
    """
    gu = exchange.system_requester(organisation_code="sgg-11110", name="applications", label="종로구 · 초본")
    request = {"product": "resident-registration-extract", "purpose": "civil_application",
               "service": "resident-registration-extract"}
    release = exchange.fetch(requester=gu, subject_resident_id=alice_resident.id,
                             legal_basis="Resident Registration Act, Article 30", **request)
    assert release.data["name_ko"] == "김하늘"
    assert AccessRight.objects.filter(consumer="standin:dong", product_code="resident-registration-extract",
                                      purpose="civil_application").exists()
    # A basis no right of the gu or of the offices it stands in for names is still refused.
    with pytest.raises(exchange.Refused) as refused:
        exchange.fetch(requester=gu, subject_resident_id=alice_resident.id,
                       legal_basis="Some Other Act, Article 1", **request)
    assert refused.value.reason == "wrong_basis"

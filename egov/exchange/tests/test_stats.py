"""Exchange statistics are the exchange log counted: releases and refusals made through the real gate.

The clerk of 청운효자동 reads Alice's household with her consent and her extract under
the article that dispenses with consent, and is refused for reads that cite nothing;
the statistics (per direction, client, provider and data product) must say exactly
what the log rows say, over the last 24 hours on the deployment's clock.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from egov.core import clock
from egov.exchange import public as exchange
from egov.exchange.models import ExchangeLog, LogDirection
from egov.exchange.stats import stats_json

pytestmark = pytest.mark.django_db

MOVE_IN_ARTICLE = "Resident Registration Act, Article 30"
COPY = "resident-registration-copy"
EXTRACT = "resident-registration-extract"


@pytest.fixture
def clerk_requester(clerk: Any) -> exchange.Requester:
    return exchange.requester_for_user(clerk, source_ip="192.0.2.10")


@pytest.fixture
def consent(exchange_pack: Any, alice: Any, alice_resident: Any) -> uuid.UUID:
    return exchange.consent_grant(user=alice, product_code=COPY, purpose="benefit_eligibility",
                                  recipient="adm-1101072", days=30)


@pytest.fixture
def traffic(clerk_requester: exchange.Requester, alice_resident: Any, consent: uuid.UUID) -> None:
    """Three household reads with consent, one extract under the article, three refusals of two kinds."""
    household = {"requester": clerk_requester, "product": COPY, "purpose": "benefit_eligibility",
                 "service": "child-allowance", "subject_resident_id": alice_resident.id}
    for _ in range(3):
        exchange.fetch(consent_id=consent, **household)
    exchange.fetch(requester=clerk_requester, product=EXTRACT, purpose="civil_application", service="move-in-report",
                   subject_resident_id=alice_resident.id, legal_basis=MOVE_IN_ARTICLE)
    for change in ({}, {}, {"consent_id": uuid.UUID(int=7)}):
        with pytest.raises(exchange.Refused):
            exchange.fetch(**{**household, **change})


def _tally(product: str, direction: str = LogDirection.IN_PROCESS) -> exchange.ExchangeTally:
    found = [t for t in exchange.exchange_stats().tallies if t.product == product and t.direction == direction]
    assert len(found) == 1
    return found[0]


def test_counts_releases_and_refusals_by_reason_as_the_log_rows_say(traffic: None) -> None:
    copy = _tally(COPY)
    assert (copy.client, copy.provider) == ("adm-1101072", "")
    assert (copy.released, copy.refused, copy.errors) == (3, 3, 0)
    assert copy.refused_by_reason == (("consent_not_found", 1), ("no_consent_or_basis", 2))
    rows = ExchangeLog.objects.filter(product_code=COPY)
    assert copy.released == rows.filter(status="released").count()
    assert copy.refused == rows.filter(status="refused").count()
    extract = _tally(EXTRACT)
    assert (extract.released, extract.refused, extract.total) == (1, 0, 1)


def test_latency_percentiles_come_from_the_logged_durations(traffic: None) -> None:
    copy = _tally(COPY)
    durations = sorted(ExchangeLog.objects.filter(product_code=COPY).values_list("duration_us", flat=True))
    assert copy.latency_p50_ms == round(durations[2] / 1000, 3)  # nearest rank: the 3rd of 6
    assert copy.latency_p99_ms == round(durations[-1] / 1000, 3)
    assert copy.latency_p50_ms is not None and copy.latency_p99_ms >= copy.latency_p50_ms


def test_requests_between_deployments_are_counted_per_client_and_provider_member(
    clerk_requester: exchange.Requester, alice_resident: Any, consent: uuid.UUID,
) -> None:
    from egov.exchange.gate import gate_fetch

    gate_fetch(requester=clerk_requester, product=COPY, purpose="benefit_eligibility", service="child-allowance",
               subject_resident_id=alice_resident.id, consent_id=consent, direction=LogDirection.INCOMING,
               client="member-city", provider="member-ministry")
    exchange.fetch(requester=clerk_requester, product=COPY, purpose="benefit_eligibility", service="child-allowance",
                   subject_resident_id=alice_resident.id, consent_id=consent)

    incoming = _tally(COPY, LogDirection.INCOMING)
    assert (incoming.client, incoming.provider, incoming.released) == ("member-city", "member-ministry", 1)
    assert _tally(COPY).released == 1


def test_the_window_is_the_last_24_hours_on_the_deployments_clock(
    traffic: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert exchange.exchange_stats().tallies
    monkeypatch.setenv("EGOV_NOW", (clock.now() + timedelta(days=2)).isoformat())
    assert exchange.exchange_stats().tallies == ()
    assert len(exchange.exchange_stats(window=timedelta(days=3)).tallies) == 2


def test_nothing_exchanged_gives_no_tallies(db: None) -> None:
    assert exchange.exchange_stats().tallies == ()
    assert stats_json()["exchanges"] == []


def test_the_json_form_names_every_figure(traffic: None) -> None:
    found = {row["product"]: row for row in stats_json()["exchanges"]}
    copy = found[COPY]
    assert copy["released"] == 3 and copy["refused"] == 3 and copy["errors"] == 0 and copy["total"] == 6
    assert copy["refused_by_reason"] == {"consent_not_found": 1, "no_consent_or_basis": 2}
    assert set(copy["latency_ms"]) == {"p50", "p99"}
    assert stats_json()["window_seconds"] == 86400


def test_operators_read_the_statistics_as_json_and_citizens_may_not(
    traffic: None, client_for: Any, olivia: Any, alice: Any,
) -> None:
    answer = client_for(olivia).get("/api/v1/exchange/stats?hours=24")
    assert answer.status_code == 200
    [household] = [t for t in answer.json()["exchanges"] if t["product"] == COPY]
    assert (household["released"], household["refused"], household["client"]) == (3, 3, "adm-1101072")
    assert household["refused_by_reason"] == {"consent_not_found": 1, "no_consent_or_basis": 2}
    assert household["latency_ms"]["p50"] > 0
    assert client_for(alice).get("/api/v1/exchange/stats").status_code == 403

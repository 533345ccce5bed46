"""``/metrics``: Prometheus text for operators only, with the queue and the workers as they are now."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from egov.core.models.worker import DailyRun, WorkerHeartbeat
from egov.core.scheduler import daily_job_run

pytestmark = pytest.mark.django_db

METRICS = "/metrics"


def test_the_url_is_slash_metrics() -> None:
    assert reverse("metrics:prometheus") == METRICS


def test_an_operator_reads_request_metrics_and_the_task_queue(operator_client: Client) -> None:
    daily_job_run.enqueue("egov.example.job", "2030-03-01")
    daily_job_run.enqueue("egov.example.other", "2030-03-01")
    daily_job_run.using(run_after=timezone.now() + timedelta(hours=1)).enqueue("egov.example.job", "2030-03-01")
    operator_client.get("/")  # one request, so the latency histogram has a sample

    response = operator_client.get(METRICS)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    text = response.content.decode()
    assert "egov_http_request_duration_seconds_bucket" in text
    assert 'egov_task_queue_depth{queue="default",status="ready"} 2.0' in text
    assert 'egov_task_queue_depth{queue="default",status="waiting"} 1.0' in text
    assert "egov_task_oldest_ready_age_seconds" in text


def test_worker_liveness_counts_only_workers_heard_from_within_the_lease(operator_client: Client) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="w1", hostname="h", pid=1, queues="*", started_at=now, seen_at=now)
    WorkerHeartbeat.objects.create(
        worker_id="w2", hostname="h", pid=2, queues="*", started_at=now, seen_at=now - timedelta(hours=1)
    )
    WorkerHeartbeat.objects.create(
        worker_id="w3", hostname="h", pid=3, queues="*", started_at=now, seen_at=now, stopped_at=now
    )

    text = operator_client.get(METRICS).content.decode()

    assert "egov_workers_alive 1.0" in text
    assert "egov_worker_heartbeat_age_seconds" in text


def test_no_worker_at_all_shows_as_zero_alive(operator_client: Client) -> None:
    text = operator_client.get(METRICS).content.decode()
    assert "egov_workers_alive 0.0" in text
    assert "egov_worker_heartbeat_age_seconds" not in text


def test_daily_jobs_show_when_they_last_finished(operator_client: Client) -> None:
    DailyRun.objects.create(job="egov.example.job", run_date="2030-03-01", finished_at=timezone.now())
    text = operator_client.get(METRICS).content.decode()
    assert 'egov_daily_job_last_finished_timestamp_seconds{job="egov.example.job"}' in text


def test_an_anonymous_visitor_is_sent_to_sign_in() -> None:
    response = Client().get(METRICS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert b"egov_" not in response.content


def test_a_citizen_is_refused(citizen_client: Client) -> None:
    response = citizen_client.get(METRICS)
    assert response.status_code == 403
    assert b"egov_task_queue_depth" not in response.content


@override_settings(EGOV_METRICS_TOKEN="scrape-secret-for-tests")
def test_a_wrong_token_never_opens_the_metrics() -> None:
    response = Client().get(METRICS, HTTP_AUTHORIZATION="Bearer not-the-token")
    assert response.status_code in (302, 401, 403)
    assert b"egov_task_queue_depth" not in response.content


@override_settings(EGOV_METRICS_TOKEN="scrape-secret-for-tests")
def test_a_prometheus_scraper_with_the_metrics_token_reads_the_metrics() -> None:
    response = Client().get(METRICS, HTTP_AUTHORIZATION="Bearer scrape-secret-for-tests")
    assert response.status_code == 200
    assert b"egov_task_queue_depth" in response.content


def test_exchanges_through_the_gate_show_per_member_and_data_product(operator_client: Client, clerk: Any) -> None:
    # Releases are counted in egov/exchange/tests/test_stats.py (they need a person on the
    # register); here the clerk's reads that cite no consent are refused by the real gate.
    from egov.exchange import public as exchange

    exchange.load_exchange_pack()
    read = {"requester": exchange.requester_for_user(clerk), "product": "resident-registration-extract",
            "purpose": "civil_application", "service": "move-in-report", "subject_resident_id": uuid.uuid4()}
    for legal_basis in ("", "", "Some Act, Article 1"):
        with pytest.raises(exchange.Refused):
            exchange.fetch(legal_basis=legal_basis, **read)

    text = operator_client.get(METRICS).content.decode()

    # The exposition writes labels in alphabetical order.
    group = 'client="adm-1101072",direction="in_process",product="resident-registration-extract",provider=""'
    assert f'egov_exchange_requests{{{group},status="refused"}} 3.0' in text
    assert f'egov_exchange_requests{{{group},status="released"}} 0.0' in text
    assert f'egov_exchange_requests{{{group},status="error"}} 0.0' in text
    assert f'egov_exchange_refusals{{{group},reason="no_consent_or_basis"}} 2.0' in text
    assert f'egov_exchange_refusals{{{group},reason="wrong_basis"}} 1.0' in text
    assert f"egov_exchange_latency_p50_ms{{{group}}}" in text
    assert f"egov_exchange_latency_p99_ms{{{group}}}" in text


def test_no_exchange_yet_shows_the_families_without_samples(operator_client: Client) -> None:
    text = operator_client.get(METRICS).content.decode()
    assert "# TYPE egov_exchange_requests gauge" in text
    assert "egov_exchange_requests{" not in text

"""The Prometheus exposition of ``/metrics``: the kernel's registry plus gauges computed at scrape time.

Queue depth, worker liveness, daily job runs and the information-sharing exchanges
are read from the database when Prometheus scrapes, in a registry of their own made
for the scrape, so that nothing in ``core``'s long-lived registry queries the database
by surprise. The exchange families are computed from the exchange log's rows (through
``exchange.public``), never counted beside them, so they agree with the record and
across server processes; they are gauges over the last 24 hours.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from egov.core.observability import REGISTRY
from egov.core.worker import oldest_ready_age_seconds, queue_depth, worker_liveness
from egov.exchange import public as exchange


class ScrapeTimeCollector(Collector):
    """Background work, as the database says it is right now."""

    def collect(self) -> Iterator[Metric]:
        from egov.core.models.worker import DailyRun

        depth = GaugeMetricFamily(
            "egov_task_queue_depth",
            "Background tasks by queue and status (ready, waiting for a retry or a start time, running, failed, successful).",
            labels=["queue", "status"],
        )
        for (queue, status), count in sorted(queue_depth().items()):
            depth.add_metric([queue, status], count)
        yield depth

        yield GaugeMetricFamily(
            "egov_task_oldest_ready_age_seconds",
            "How long the oldest runnable task has waited for a worker (0 when none waits).",
            value=oldest_ready_age_seconds(),
        )

        liveness = worker_liveness()
        yield GaugeMetricFamily(
            "egov_workers_alive",
            "Worker processes whose heartbeat is within the task lease (EGOV_TASK_LEASE_SECONDS).",
            value=liveness.alive,
        )
        if liveness.freshest_heartbeat_age_seconds is not None:
            yield GaugeMetricFamily(
                "egov_worker_heartbeat_age_seconds",
                "Seconds since the most recent heartbeat of any running worker.",
                value=liveness.freshest_heartbeat_age_seconds,
            )

        last_run = GaugeMetricFamily(
            "egov_daily_job_last_finished_timestamp_seconds",
            "When each daily job last finished (Unix time), to alert on a scheduler that stopped.",
            labels=["job"],
        )
        finished: dict[str, float] = {}
        for job, at in DailyRun.objects.filter(finished_at__isnull=False).values_list("job", "finished_at"):
            if at is not None:
                finished[job] = max(finished.get(job, 0.0), at.timestamp())
        for job, timestamp in sorted(finished.items()):
            last_run.add_metric([job], timestamp)
        yield last_run


_EXCHANGE_LABELS = ["direction", "client", "provider", "product"]


class ExchangeCollector(Collector):
    """Exchanges through the gate over the last 24 hours, per direction, member and data product."""

    def collect(self) -> Iterator[Metric]:
        tallies = exchange.exchange_stats().tallies
        requests = GaugeMetricFamily(
            "egov_exchange_requests",
            "Requests through the information-sharing gate in the last 24 hours, by outcome (released, refused, error).",
            labels=[*_EXCHANGE_LABELS, "status"],
        )
        refusals = GaugeMetricFamily(
            "egov_exchange_refusals",
            "Refused requests through the gate in the last 24 hours, by reason code.",
            labels=[*_EXCHANGE_LABELS, "reason"],
        )
        p50 = GaugeMetricFamily(
            "egov_exchange_latency_p50_ms",
            "Median time of a request through the gate in the last 24 hours, in milliseconds "
            "(a round trip for outgoing requests).",
            labels=_EXCHANGE_LABELS,
        )
        p99 = GaugeMetricFamily(
            "egov_exchange_latency_p99_ms",
            "99th percentile time of a request through the gate in the last 24 hours, in milliseconds.",
            labels=_EXCHANGE_LABELS,
        )
        for tally in tallies:
            group = [tally.direction, tally.client, tally.provider, tally.product]
            for status, count in (("released", tally.released), ("refused", tally.refused), ("error", tally.errors)):
                requests.add_metric([*group, status], count)
            for reason, count in tally.refused_by_reason:
                refusals.add_metric([*group, reason], count)
            if tally.latency_p50_ms is not None:
                p50.add_metric(group, tally.latency_p50_ms)
            if tally.latency_p99_ms is not None:
                p99.add_metric(group, tally.latency_p99_ms)
        yield requests
        yield refusals
        yield p50
        yield p99


class ProgrammeCollector(Collector):
    """Documents issued and verified, message deliveries and SLA breaches, from the records at scrape time.

    Issuance, verification and SLA figures cover the last 24 hours (cases: opened in the
    last 30 days, so that a breach is seen while the case is recent); delivery outcomes
    are totals by channel and status, as the outbox holds them.
    """

    def collect(self) -> Iterator[Metric]:
        from datetime import timedelta

        from egov.certificates import public as certificates
        from egov.core import clock
        from egov.metrics.selectors import verification_tallies
        from egov.notifications import public as notifications
        from egov.workflow import public as workflow

        now = clock.now()
        day = now - timedelta(days=1)
        issued = GaugeMetricFamily("egov_documents_issued", "Documents issued in the last 24 hours, by type.",
                                   labels=["document_type"])
        by_type: dict[str, int] = {}
        for tally in certificates.issuance_tallies(since=day, until=now + timedelta(seconds=1)):
            by_type[tally.document_type] = by_type.get(tally.document_type, 0) + tally.issued
        for document_type, count in sorted(by_type.items()):
            issued.add_metric([document_type], count)
        yield issued

        verified = GaugeMetricFamily("egov_document_verifications",
                                     "Verifications of issued documents in the last 24 hours, by outcome.",
                                     labels=["outcome"])
        outcomes: dict[str, int] = {}
        for (_month, outcome), count in verification_tallies(since=day, until=now + timedelta(seconds=1)).items():
            outcomes[outcome] = outcomes.get(outcome, 0) + count
        for outcome, count in sorted(outcomes.items()):
            verified.add_metric([outcome], count)
        yield verified

        deliveries = GaugeMetricFamily("egov_message_deliveries", "Message deliveries by channel and status.",
                                       labels=["channel", "status"])
        for (channel, status), count in sorted(notifications.delivery_outcomes().items()):
            deliveries.add_metric([channel, status], count)
        yield deliveries

        breaches = GaugeMetricFamily(
            "egov_sla_breaches",
            "Cases opened in the last 30 days that were closed late or are open past their due time, by kind.",
            labels=["kind"],
        )
        tallies = workflow.case_tallies(since=now - timedelta(days=30), until=now + timedelta(seconds=1), now=now)
        breaches.add_metric(["closed_late"], sum(t.closed_late for t in tallies))
        breaches.add_metric(["open_overdue"], sum(t.open_overdue for t in tallies))
        yield breaches


def _request_metrics() -> bytes:
    """The kernel's instruments: this process's, or every server process's in multiprocess mode.

    Behind the server (Granian) each worker process counts its own requests. With
    ``PROMETHEUS_MULTIPROC_DIR`` set (before the servers start), prometheus-client keeps
    the values in files there and this aggregates them, so a scrape sees every process.
    """
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        aggregated = CollectorRegistry(auto_describe=False)
        multiprocess.MultiProcessCollector(aggregated)  # type: ignore[no-untyped-call]
        return generate_latest(aggregated)
    return generate_latest(REGISTRY)


def exposition() -> bytes:
    """Everything ``/metrics`` shows, in the Prometheus text format."""
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(ScrapeTimeCollector())
    scrape.register(ExchangeCollector())
    scrape.register(ProgrammeCollector())
    return _request_metrics() + generate_latest(scrape)

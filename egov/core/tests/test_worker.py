"""``egov worker``: tasks run, failures are retried with backoff, killed workers' tasks come back.

Where a process matters (a kill, a signal, two workers at once) the tests start real
``egov worker`` processes on a committed clone of the test database; the lease is
one second so the reaper acts within the test. Every wait is bounded.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from egov.core.models.worker import WorkerHeartbeat
from egov.core.tests import test_worker_tasks as tasks
from egov.core.worker import LOST_WORKER_ATTEMPTS, EgovWorker, reap_orphaned_tasks

EGOV = str(Path(sys.executable).with_name("egov"))


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


class Workers:
    """Starts ``egov worker`` processes on the test's database and stops them all afterwards."""

    def __init__(self, database_url: str, folder: Path) -> None:
        self.database_url = database_url
        self.folder = folder
        self.started: list[subprocess.Popen[bytes]] = []

    def env(self, **extra: str) -> dict[str, str]:
        env = {**os.environ, "DATABASE_URL": self.database_url, "EGOV_TASK_LEASE_SECONDS": "1"}
        env.pop("EGOV_NOW", None)
        env.update(extra)
        return env

    def start(self, *args: str, **env: str) -> subprocess.Popen[bytes]:
        """Start a worker and wait until it has registered (its signal handlers are in place by then).

        Starting them one after another also keeps the ``egov`` command's first-run
        set-up (migrations, country pack) from running in two processes at once.
        """
        log_path = self.folder / f"worker-{len(self.started)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [EGOV, "worker", "--interval", "0.05", "--no-startup-delay", *args],
                env=self.env(**env), stdout=log, stderr=subprocess.STDOUT,
            )
        self.started.append(process)

        def registered() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"the worker exited early:\n{log_path.read_text()[-3000:]}")
            return WorkerHeartbeat.objects.filter(pid=process.pid, stopped_at__isnull=True).exists()

        wait_for(registered, "the worker to start", timeout=180)
        return process

    def run_batch(self, **env: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [EGOV, "worker", "--batch", "--no-startup-delay"], env=self.env(**env), capture_output=True, timeout=120, check=True
        )

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)


@pytest.fixture
def workers(committed_db: str, tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(committed_db, tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()


def status_of(task_id: str) -> str:
    return str(DBTaskResult.objects.get(pk=task_id).status)


def in_process_worker() -> EgovWorker:
    return EgovWorker(
        queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
        max_tasks=None, worker_id="in-process-test-worker", excluded_queue_names=[], scheduler=False,
    )


def run_once(worker: EgovWorker, task_id: str) -> DBTaskResult:
    """Claim and run one attempt of the task now, whatever its backoff says (the test stands in for time)."""
    row = DBTaskResult.objects.get(pk=task_id)
    row.claim(worker.worker_id)
    worker.run_task(row)
    row.refresh_from_db()
    return row


# --- tasks run --------------------------------------------------------------------------------


@pytest.mark.committed
def test_a_task_enqueued_is_run_by_the_worker(workers: Workers, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    result = tasks.record.enqueue(str(out), "hello")

    workers.run_batch()

    assert lines(out) == ["hello"]
    assert status_of(result.id) == TaskResultStatus.SUCCESSFUL


# --- retries with backoff ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_failing_task_is_retried_with_a_growing_backoff_and_finally_marked_failed(tmp_path: Path) -> None:
    log = tmp_path / "attempts"
    result = tasks.flaky_provider.enqueue(str(log))
    worker = in_process_worker()

    waits = []
    for _attempt in (1, 2):
        before = timezone.now()
        row = run_once(worker, result.id)
        assert row.status == TaskResultStatus.READY, "a failure with attempts left goes back to the queue"
        assert "the provider is down" in row.traceback, "the last error stays readable while it waits"
        waits.append(row.run_after - before)
    row = run_once(worker, result.id)

    assert row.status == TaskResultStatus.FAILED
    assert "the provider is down" in row.traceback
    assert lines(log) == ["attempt"] * 3
    assert waits[0] >= timedelta(seconds=10), "the first retry waits the task's backoff"
    assert waits[1] >= timedelta(seconds=20) and waits[1] > waits[0], "each retry waits twice as long"


@pytest.mark.committed
def test_a_real_worker_retries_a_failing_task_until_it_is_marked_failed(workers: Workers, tmp_path: Path) -> None:
    log = tmp_path / "attempts"
    result = tasks.always_fails.enqueue(str(log))

    worker = workers.start()
    wait_for(lambda: status_of(result.id) == TaskResultStatus.FAILED, "the task to be marked failed")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0

    row = DBTaskResult.objects.get(pk=result.id)
    assert lines(log) == ["attempt"] * 3
    assert len(row.worker_ids) == 3
    assert "the provider is down" in row.traceback


@pytest.mark.django_db
def test_a_permanent_failure_is_not_retried(tmp_path: Path) -> None:
    log = tmp_path / "attempts"
    result = tasks.refuses_bad_input.enqueue(str(log))

    row = run_once(in_process_worker(), result.id)

    assert row.status == TaskResultStatus.FAILED
    assert lines(log) == ["attempt"]
    assert "no longer exists" in row.traceback


# --- the reaper ---------------------------------------------------------------------------------


@pytest.mark.committed
def test_the_task_of_a_killed_worker_is_requeued_and_completes_exactly_once(workers: Workers, tmp_path: Path) -> None:
    result = tasks.pauses_after_its_effect.enqueue("order-1", str(tmp_path))

    first = workers.start()
    wait_for(lambda: "waiting" in lines(tmp_path / "runs"), "the first worker to make the effect")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert status_of(result.id) == TaskResultStatus.RUNNING, "a killed worker leaves its task marked running"

    (tmp_path / "release").touch()
    second = workers.start()
    wait_for(lambda: status_of(result.id) == TaskResultStatus.SUCCESSFUL, "the task to complete after the restart")
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=60) == 0

    assert lines(tmp_path / "runs") == ["started", "waiting", "started", "waiting", "finished"]
    assert lines(tmp_path / "ledger") == ["order-1"], "the effect was made once although the task ran twice"
    assert len(DBTaskResult.objects.get(pk=result.id).worker_ids) == 2


@pytest.mark.django_db
def test_the_reaper_leaves_the_task_of_a_live_worker_alone_and_requeues_a_dead_ones(tmp_path: Path) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="alive", hostname="h", pid=1, queues="*", started_at=now, seen_at=now)
    WorkerHeartbeat.objects.create(
        worker_id="dead", hostname="h", pid=2, queues="*", started_at=now, seen_at=now - timedelta(minutes=30)
    )
    live = tasks.record.enqueue(str(tmp_path / "a"), "a")
    orphan = tasks.record.enqueue(str(tmp_path / "b"), "b")
    DBTaskResult.objects.get(pk=live.id).claim("alive")
    DBTaskResult.objects.get(pk=orphan.id).claim("dead")

    reaped = reap_orphaned_tasks()

    assert reaped == [orphan.id]
    assert status_of(live.id) == TaskResultStatus.RUNNING
    requeued = DBTaskResult.objects.get(pk=orphan.id)
    assert requeued.status == TaskResultStatus.READY
    assert "WorkerLost" in requeued.exception_class_path


@pytest.mark.django_db
def test_a_task_that_keeps_killing_its_workers_is_finally_marked_failed(tmp_path: Path) -> None:
    result = tasks.record.enqueue(str(tmp_path / "a"), "a")
    for lost in range(LOST_WORKER_ATTEMPTS):
        DBTaskResult.objects.get(pk=result.id).claim(f"gone-{lost}")
        reap_orphaned_tasks(dead_worker_ids={f"gone-{lost}"})

    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert "stopped while running the task" in row.traceback


# --- graceful stop -----------------------------------------------------------------------------


@pytest.mark.committed
def test_sigterm_lets_the_running_task_finish_before_the_worker_stops(workers: Workers, tmp_path: Path) -> None:
    result = tasks.pauses_after_its_effect.enqueue("order-2", str(tmp_path))
    worker = workers.start()
    wait_for(lambda: "waiting" in lines(tmp_path / "runs"), "the task to start")

    worker.send_signal(signal.SIGTERM)
    (tmp_path / "release").touch()

    assert worker.wait(timeout=60) == 0
    assert status_of(result.id) == TaskResultStatus.SUCCESSFUL
    assert lines(tmp_path / "runs") == ["started", "waiting", "finished"]
    assert WorkerHeartbeat.objects.get().stopped_at is not None, "a stopped worker no longer counts as alive"

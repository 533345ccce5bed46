"""``egov worker``: django-tasks-db's worker plus what it lacks (ADR 0040).

django-tasks-db claims a ready task in a short exclusive transaction and runs it. On
top of that loop this worker adds:

- a heartbeat: a housekeeping thread refreshes the worker's ``WorkerHeartbeat`` row
  every quarter lease, also while a long task runs;
- a reaper: the same thread puts back in the queue every task still marked running by
  a worker whose heartbeat is older than ``EGOV_TASK_LEASE_SECONDS`` (a killed worker),
  or fails it once it has cost too many workers;
- retries with backoff for tasks declared with ``egov.core.tasks.background_task``;
- the daily scheduler (``egov.core.scheduler``), also run by the housekeeping thread;
- a graceful stop: SIGTERM or SIGINT lets the current task finish, then the worker
  leaves; a second signal interrupts the task, which goes back in the queue.

Transactions stay short (SQLite is shared with the web server): one to claim a task,
one per heartbeat, one per re-queued task, one per started daily job. Tasks run
outside any transaction of the worker's.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from traceback import format_exception
from types import FrameType
from typing import Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections
from django.db.utils import OperationalError
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import TaskContext, TaskResultStatus
from django_tasks.signals import task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception, retry

from egov.core.models.worker import WorkerHeartbeat
from egov.core.scheduler import schedule_due_jobs
from egov.core.tasks import NO_RETRY, PermanentFailure, RetryPolicy, retry_policy

logger = logging.getLogger("egov.worker")

# The queue's rows, whatever task they hold.
QueuedTask = DBTaskResult[Any, Any]

# A task whose worker died is re-queued until this many workers have been lost on it (or
# its own max_attempts, if larger): a task that kills every worker that runs it must stop.
LOST_WORKER_ATTEMPTS = 3


class WorkerLost(Exception):
    """Recorded as the error of a task failed by the reaper after too many lost workers."""


class WorkerInterrupted(BaseException):
    """Raised in the worker on a second stop signal: the running task goes back to the queue."""


def lease() -> timedelta:
    return timedelta(seconds=settings.EGOV_TASK_LEASE_SECONDS)


def heartbeat_interval() -> float:
    """Four heartbeats per lease, so one or two late beats never make a live worker look dead."""
    return max(0.2, min(settings.EGOV_TASK_LEASE_SECONDS / 4, 30.0))


def default_worker_id() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(8)}"[:64]


def _policy_of(db_task: QueuedTask) -> RetryPolicy:
    try:
        return retry_policy(db_task.task)
    except Exception:  # the task's code is gone or broken: no retry can help
        return NO_RETRY


@retry()
def _requeue(db_task: QueuedTask, *, run_after: datetime, error: BaseException) -> None:
    """Back to READY, keeping the error of the last attempt where operators can read it."""
    db_task.status = TaskResultStatus.READY
    db_task.run_after = run_after
    db_task.finished_at = None
    db_task.exception_class_path = f"{type(error).__module__}.{type(error).__qualname__}"
    db_task.traceback = "".join(format_exception(error))
    db_task.save(update_fields=["status", "run_after", "finished_at", "exception_class_path", "traceback"])


# --- the reaper ----------------------------------------------------------------------


def _is_orphan(db_task: QueuedTask, seen: dict[str, datetime], cutoff: datetime, dead: set[str]) -> bool:
    owner = db_task.worker_ids[-1] if db_task.worker_ids else ""
    if owner in dead:
        return True
    if owner in seen:
        return seen[owner] < cutoff
    # A worker that never wrote a heartbeat (django-tasks-db's own db_worker): judge by age.
    return db_task.started_at is None or db_task.started_at < cutoff


def reap_orphaned_tasks(*, backend_name: str = "default", dead_worker_ids: set[str] | None = None) -> list[str]:
    """Re-queue (or fail, after too many lost workers) tasks left running by dead workers; return their ids."""
    dead = dead_worker_ids or set()
    running = list(DBTaskResult.objects.running().filter(backend_name=backend_name))
    if not running:
        return []
    owners = {t.worker_ids[-1] for t in running if t.worker_ids}
    seen = dict(WorkerHeartbeat.objects.filter(worker_id__in=owners).values_list("worker_id", "seen_at"))
    cutoff = timezone.now() - lease()
    reaped: list[str] = []
    for candidate in running:
        if not _is_orphan(candidate, seen, cutoff, dead):
            continue
        with exclusive_transaction(DBTaskResult.objects.db):
            db_task = DBTaskResult.objects.select_for_update().filter(pk=candidate.pk).first()
            # Another reaper may have been first, or the task finished after all.
            if db_task is None or db_task.status != TaskResultStatus.RUNNING or db_task.worker_ids != candidate.worker_ids:
                continue
            budget = max(_policy_of(db_task).max_attempts, LOST_WORKER_ATTEMPTS)
            lost = WorkerLost(f"worker {db_task.worker_ids[-1] if db_task.worker_ids else '?'} stopped while running the task")
            if len(db_task.worker_ids) < budget:
                _requeue(db_task, run_after=timezone.now(), error=lost)
                logger.warning("re-queued task %s (%s) left running by a dead worker", db_task.id, db_task.task_path)
            else:
                db_task.set_failed(lost)
                logger.error("failed task %s (%s): %d workers lost on it", db_task.id, db_task.task_path, budget)
        reaped.append(str(candidate.pk))
    return reaped


# --- what operators and /metrics read -----------------------------------------------------


@dataclass(frozen=True)
class WorkerLiveness:
    alive: int
    freshest_heartbeat_age_seconds: float | None


def queue_depth(*, backend_name: str = "default") -> dict[tuple[str, str], int]:
    """Tasks by (queue, status): ready, waiting (a retry's backoff or a deferred start), running, failed, successful."""
    from django.db.models import Count, Q
    from django_tasks_db.models import get_date_max

    waiting = Q(status=TaskResultStatus.READY, run_after__gt=timezone.now(), run_after__lt=get_date_max())
    rows = (
        DBTaskResult.objects.filter(backend_name=backend_name)
        .values("queue_name", "status")
        .annotate(total=Count("id"), waiting=Count("id", filter=waiting))
    )
    depth: dict[tuple[str, str], int] = {}
    for row in rows:
        queue, total, deferred = str(row["queue_name"]), int(row["total"]), int(row["waiting"])
        depth[(queue, str(row["status"]).lower())] = total - deferred
        if deferred:
            depth[(queue, "waiting")] = deferred
    return depth


def oldest_ready_age_seconds(*, backend_name: str = "default") -> float:
    """How long the oldest runnable task has waited (0 when none): the backlog alarm."""
    oldest = DBTaskResult.objects.ready().filter(backend_name=backend_name).order_by("enqueued_at").first()
    return max((timezone.now() - oldest.enqueued_at).total_seconds(), 0.0) if oldest else 0.0


def worker_liveness() -> WorkerLiveness:
    now = timezone.now()
    live = WorkerHeartbeat.objects.filter(stopped_at__isnull=True, seen_at__gte=now - lease())
    freshest = WorkerHeartbeat.objects.filter(stopped_at__isnull=True).order_by("-seen_at").first()
    age = (now - freshest.seen_at).total_seconds() if freshest else None
    return WorkerLiveness(alive=live.count(), freshest_heartbeat_age_seconds=age)


# --- the worker ----------------------------------------------------------------------------


class EgovWorker(Worker):
    """django-tasks-db's worker with heartbeat, reaper, retries, scheduler and graceful stop."""

    def __init__(self, *, scheduler: bool = True, **options: Any) -> None:
        super().__init__(**options)
        self.scheduler = scheduler
        self._wake = threading.Event()
        self._housekeeping_stop = threading.Event()
        self._housekeeper: threading.Thread | None = None

    # Signals -------------------------------------------------------------------------

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        if not self.running:
            logger.warning("received %s again: interrupting the current task, which goes back to the queue", signal.strsignal(signum))
            self.reset_signals()
            raise WorkerInterrupted(signum)
        logger.warning("received %s: finishing the current task, then stopping (repeat to interrupt it)", signal.strsignal(signum))
        self.running = False
        self._wake.set()

    # Heartbeat, reaper, scheduler ---------------------------------------------------------

    def register(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "queues": ",".join(self.queue_names)[:255],
                "started_at": now,
                "seen_at": now,
                "stopped_at": None,
            },
        )
        # Rows of workers gone for a week tell nobody anything any more.
        WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=7)).delete()

    def beat(self) -> None:
        updated = WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(seen_at=timezone.now())
        if not updated:
            self.register()

    def housekeeping(self, *, first: bool = False) -> None:
        """One round: heartbeat, reaper, scheduler. At start-up, also re-queue what this id left running."""
        self.beat()
        reap_orphaned_tasks(backend_name=self.backend_name, dead_worker_ids={self.worker_id} if first else None)
        if self.scheduler:
            schedule_due_jobs()

    def _housekeeping_loop(self) -> None:
        try:
            while not self._housekeeping_stop.wait(heartbeat_interval()):
                try:
                    self.housekeeping()
                except Exception:
                    # Whatever went wrong (a locked database, a broken job), the heartbeat must
                    # go on: a silent worker would see its running task re-run elsewhere.
                    logger.exception("worker housekeeping failed; trying again at the next beat")
        finally:
            connections.close_all()

    def stop_housekeeping(self) -> None:
        self._housekeeping_stop.set()
        if self._housekeeper is not None:
            self._housekeeper.join(timeout=60)
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(stopped_at=timezone.now())
        except DatabaseError:
            logger.exception("could not record the worker's stop")

    # The loop ---------------------------------------------------------------------------

    def claim_next(self) -> tuple[QueuedTask | None, bool]:
        """Claim the next ready task in a short exclusive transaction; (task or None, whether the queue answered)."""
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        try:
            with exclusive_transaction(tasks.db):
                db_task = tasks.get_locked()
                if db_task is not None:
                    db_task.claim(self.worker_id)
        except OperationalError as error:
            if is_locked_database_exception(error):
                return None, False
            raise
        return db_task, True

    def run(self) -> None:
        logger.info("worker %s starting on queues %s", self.worker_id, ",".join(self.queue_names))
        try:
            self.register()
            # Synchronously once, so that a --batch run also reaps and starts the day's jobs.
            self.housekeeping(first=True)
            if self.startup_delay and self.interval:
                # A random pause, as django-tasks-db does, so that workers started together do not poll together.
                self._wake.wait(random.random())
            self._housekeeper = threading.Thread(
                target=self._housekeeping_loop, name="egov-worker-housekeeping", daemon=True
            )
            self._housekeeper.start()
            while self.running:
                close_old_connections()
                db_task, answered = self.claim_next()
                if db_task is not None:
                    self.run_task(db_task)
                if self.batch and answered and db_task is None:
                    logger.info("no more tasks: worker %s stops (batch)", self.worker_id)
                    return
                if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                    logger.info("worker %s ran its %d tasks and stops", self.worker_id, self._run_tasks)
                    return
                close_old_connections()
                if self.running and db_task is None:
                    self._wake.wait(self.interval)
        finally:
            self.stop_housekeeping()
            logger.info("worker %s stopped", self.worker_id)

    def run_task(self, db_task_result: QueuedTask) -> None:
        """Run one claimed task; on failure retry it with backoff if its policy allows, else mark it failed."""
        self.running_task = True
        try:
            declared = db_task_result.task
            result = db_task_result.task_result
            backend_type = type(declared.get_backend())
            task_started.send(sender=backend_type, task_result=result)
            if declared.takes_context:
                value = declared.call(TaskContext(task_result=result), *result.args, **result.kwargs)
            else:
                value = declared.call(*result.args, **result.kwargs)
            db_task_result.set_successful(value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except (WorkerInterrupted, KeyboardInterrupt, SystemExit) as stop:
            _requeue(db_task_result, run_after=timezone.now(), error=stop)
            raise
        except BaseException as error:  # noqa: B036 - a task's failure is recorded, whatever it is
            self._record_failure(db_task_result, error)
        finally:
            self.running_task = False
            self._run_tasks += 1

    def _record_failure(self, db_task: QueuedTask, error: BaseException) -> None:
        policy = _policy_of(db_task)
        attempts = len(db_task.worker_ids)
        if isinstance(error, Exception) and not isinstance(error, PermanentFailure) and policy.allows_another_attempt(attempts):
            delay = policy.delay_after(attempts)
            _requeue(db_task, run_after=timezone.now() + delay, error=error)
            logger.warning(
                "task %s (%s) failed on attempt %d of %d: %s; retrying in %.1f s",
                db_task.id, db_task.task_path, attempts, policy.max_attempts, error, delay.total_seconds(),
            )
            return
        db_task.set_failed(error)
        logger.error("task %s (%s) failed after %d attempt(s): %s", db_task.id, db_task.task_path, attempts, error)
        try:
            task_finished.send(sender=type(db_task.task.get_backend()), task_result=db_task.task_result)
        except Exception:  # the task's code is gone: the failure is recorded all the same
            logger.debug("no task_finished signal for %s", db_task.id)


__all__ = [
    "LOST_WORKER_ATTEMPTS",
    "EgovWorker",
    "WorkerInterrupted",
    "WorkerLiveness",
    "WorkerLost",
    "default_worker_id",
    "heartbeat_interval",
    "lease",
    "oldest_ready_age_seconds",
    "queue_depth",
    "reap_orphaned_tasks",
    "worker_liveness",
]

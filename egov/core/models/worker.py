"""Tables of the background worker: heartbeats, daily runs and effects done once (ADR 0040).

The task queue itself is django-tasks-db's ``DBTaskResult``; these tables hold what
that library lacks:

- ``WorkerHeartbeat``: each ``egov worker`` process refreshes its row while it lives.
  A running task whose worker stopped refreshing for longer than the lease
  (``EGOV_TASK_LEASE_SECONDS``) was left behind by a killed worker, and the reaper
  puts it back in the queue. Heartbeats use the real wall clock, never ``EGOV_NOW``:
  they are compared with the queue's own timestamps, which the library writes with the
  real clock, and a demo moving the platform's date must not make live workers look dead.
- ``DailyRun``: one row per daily job and local date. Its unique constraint is what
  lets several workers, or a restarted one, start each job exactly once per date.
- ``TaskEffect``: idempotency keys of effects a task has already made (see
  ``egov.core.tasks.effect_once``), so that a task run again after a crash does not
  repeat them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from egov.core import clock
from egov.core.models.base import BaseModel

__all__ = ["DailyRun", "TaskEffect", "WorkerHeartbeat"]


class WorkerHeartbeat(models.Model):
    """A live (or lately live) worker process; ``seen_at`` is its last sign of life."""

    worker_id = models.CharField(_("worker"), max_length=64, primary_key=True)
    hostname = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    queues = models.CharField(_("queues"), max_length=255)
    started_at = models.DateTimeField(_("started at"))
    seen_at = models.DateTimeField(_("last seen at"), db_index=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class DailyRun(BaseModel):
    """The start of one daily job for one local date (created with the task that runs it)."""

    job = models.CharField(_("job"), max_length=255)
    run_date = models.DateField(_("date"))
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("daily job run")
        verbose_name_plural = _("daily job runs")
        constraints = [models.UniqueConstraint(fields=["job", "run_date"], name="core_dailyrun_once_per_date")]

    def __str__(self) -> str:
        return f"{self.job} {self.run_date:%Y-%m-%d}"


class TaskEffect(models.Model):
    """An effect already made, under its idempotency key; inserted in the effect's own transaction."""

    key = models.CharField(_("idempotency key"), max_length=255, primary_key=True)
    done_at = models.DateTimeField(_("done at"), default=clock.now)

    class Meta:
        verbose_name = _("task effect")
        verbose_name_plural = _("task effects")

    def __str__(self) -> str:
        return self.key

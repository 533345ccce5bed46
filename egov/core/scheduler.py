"""The daily scheduler of ``egov worker``: each registered job once per local date (ADR 0042).

Jobs are named by dotted path, so the kernel never imports the apps that own them.
An app registers its jobs in its ``AppConfig.ready()``::

    from datetime import time
    from egov.core.scheduler import register_daily_job

    register_daily_job("egov.notifications.tasks.notices_evaluate", at=time(9, 0))

and an operator may add more with ``EGOV_DAILY_JOBS`` (comma-separated dotted paths,
each optionally followed by ``@HH:MM``). A job is a function taking the date it runs
for, ``def job(*, run_date: datetime.date) -> None``; it should cover that date
completely and be safe to run again for it (it may be, after a crash).

The date and the time of day come from ``egov.core.clock``, so ``EGOV_NOW`` moves the
scheduler with the rest of the platform. Each job is started once per date no matter
how many workers run or how often they restart: starting it means inserting the
``DailyRun`` row for (job, date), which a unique constraint admits once, together with
the task that runs it, in one short transaction. Days on which no worker ran are not
made up: a job that must not miss a day looks at its own data (what is due by
``run_date``), not only at what fell due on that day.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from egov.core import clock
from egov.core.tasks import background_task

logger = logging.getLogger("egov.scheduler")


@dataclass(frozen=True)
class DailyJob:
    """A job run once per local date, at or after ``at`` (local time)."""

    path: str
    at: time = time(0, 0)


_registered: dict[str, DailyJob] = {}


def register_daily_job(path: str, *, at: time = time(0, 0)) -> None:
    """Run the function at ``path`` once a day, from ``at`` local time (call from ``AppConfig.ready``)."""
    _registered[path] = DailyJob(path, at)


def unregister_daily_job(path: str) -> None:
    _registered.pop(path, None)


def _parse_setting(entry: str) -> DailyJob:
    path, _sep, hour_minute = entry.strip().partition("@")
    if not hour_minute:
        return DailyJob(path)
    try:
        return DailyJob(path, time.fromisoformat(hour_minute))
    except ValueError:
        raise ValueError(f"EGOV_DAILY_JOBS: {entry!r} must be a dotted path, optionally followed by @HH:MM") from None


def daily_jobs() -> list[DailyJob]:
    """Every daily job: those apps registered, then those the operator named in ``EGOV_DAILY_JOBS``."""
    jobs = dict(_registered)
    for entry in getattr(settings, "EGOV_DAILY_JOBS", []):
        if entry.strip():
            job = _parse_setting(entry)
            jobs[job.path] = job
    return list(jobs.values())


def schedule_due_jobs() -> list[str]:
    """Start every job due today that has not started for today yet; return the paths started."""
    from egov.core.models.worker import DailyRun

    moment = clock.local_now()
    today = moment.date()
    due = [job for job in daily_jobs() if moment.time() >= job.at]
    if not due:
        return []
    already = set(DailyRun.objects.filter(run_date=today, job__in=[j.path for j in due]).values_list("job", flat=True))
    started: list[str] = []
    for job in due:
        if job.path in already:
            continue
        try:
            with transaction.atomic():
                result = daily_job_run.enqueue(job.path, today.isoformat())
                DailyRun.objects.create(job=job.path, run_date=today, task_id=str(result.id))
        except IntegrityError:
            # Another worker started it for today between our read and our insert.
            continue
        logger.info("daily job %s started for %s", job.path, today)
        started.append(job.path)
    return started


@background_task(max_attempts=3, backoff_seconds=60)
def daily_job_run(path: str, run_date: str) -> None:
    """Run one daily job for its date, as a task: retries and the reaper cover it like any other."""
    from egov.core.models.worker import DailyRun

    day = date.fromisoformat(run_date)
    job = import_string(path)
    job(run_date=day)
    DailyRun.objects.filter(job=path, run_date=day).update(finished_at=clock.now())


__all__ = [
    "DailyJob",
    "daily_job_run",
    "daily_jobs",
    "register_daily_job",
    "schedule_due_jobs",
    "unregister_daily_job",
]

"""The daily scheduler: each job once per local date, moved by EGOV_NOW, whatever the number of workers."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from datetime import date, time
from pathlib import Path

import pytest
from django.test import override_settings

from egov.core.models.worker import DailyRun
from egov.core.scheduler import daily_jobs, register_daily_job, schedule_due_jobs, unregister_daily_job
from egov.core.tests.test_worker import Workers, lines, wait_for, workers  # noqa: F401 - the fixture

JOB = "egov.core.tests.test_worker_tasks.note_the_day"


@pytest.fixture
def registered_job(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    # This test's job alone: the apps' own daily jobs (registered in their ready()) are not under test here.
    monkeypatch.setattr("egov.core.scheduler._registered", {})
    register_daily_job(JOB, at=time(9, 0))
    try:
        yield JOB
    finally:
        unregister_daily_job(JOB)


@pytest.mark.django_db
def test_a_daily_job_starts_once_per_date_and_again_on_the_next_day(
    registered_job: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EGOV_NOW", "2030-03-01T10:00:00+09:00")
    assert schedule_due_jobs() == [JOB]
    assert schedule_due_jobs() == [], "a second look on the same day starts nothing"

    monkeypatch.setenv("EGOV_NOW", "2030-03-02T10:00:00+09:00")
    assert schedule_due_jobs() == [JOB]

    runs = sorted(DailyRun.objects.filter(job=JOB).values_list("run_date", flat=True))
    assert runs == [date(2030, 3, 1), date(2030, 3, 2)]


@pytest.mark.django_db
def test_a_job_registered_for_nine_oclock_waits_for_nine_oclock_local_time(
    registered_job: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EGOV_NOW", "2030-03-01T08:59:00+09:00")
    assert schedule_due_jobs() == []
    monkeypatch.setenv("EGOV_NOW", "2030-03-01T09:00:30+09:00")
    assert schedule_due_jobs() == [JOB]


@override_settings(EGOV_DAILY_JOBS=["egov.example.job@07:30", "egov.example.other"])
def test_an_operator_names_daily_jobs_in_settings_with_an_optional_time() -> None:
    jobs = {job.path: job.at for job in daily_jobs()}
    assert jobs["egov.example.job"] == time(7, 30)
    assert jobs["egov.example.other"] == time(0, 0)


@override_settings(EGOV_DAILY_JOBS=["egov.example.job@half past seven"])
def test_a_malformed_job_time_in_settings_is_refused_with_its_entry() -> None:
    with pytest.raises(ValueError, match="half past seven"):
        daily_jobs()


@pytest.mark.committed
def test_two_workers_run_a_daily_job_once_and_the_next_day_again(workers: Workers, tmp_path: Path) -> None:  # noqa: F811
    log = tmp_path / "days"
    env = {"EGOV_DAILY_JOBS": JOB, "EGOV_TEST_JOB_LOG": str(log), "EGOV_NOW": "2030-03-01T10:00:00+09:00"}

    both = [workers.start(**env), workers.start(**env)]
    wait_for(lambda: DailyRun.objects.filter(job=JOB, finished_at__isnull=False).exists(), "the job to run")
    for worker in both:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
    assert lines(log) == ["2030-03-01"]

    workers.run_batch(**env)
    assert lines(log) == ["2030-03-01"], "a restarted worker does not run the day's job again"

    workers.run_batch(**{**env, "EGOV_NOW": "2030-03-02T10:00:00+09:00"})
    assert lines(log) == ["2030-03-01", "2030-03-02"]

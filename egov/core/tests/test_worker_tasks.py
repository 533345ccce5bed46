"""Tasks and a daily job that the worker tests hand to real ``egov worker`` processes.

They live in a module of their own (with no tests in it) because the worker process
imports them by dotted path. Their effects go to files the test names, so the test
can see what a worker did, how often, and in which order.
"""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path

from egov.core.tasks import PermanentFailure, background_task, effect_once


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


@background_task()
def record(path: str, text: str) -> None:
    _append(Path(path), text)


@background_task(max_attempts=3, backoff_seconds=0.05, max_backoff_seconds=0.2)
def always_fails(path: str) -> None:
    """Fails every time, quickly: the worker retries it twice, then marks it failed."""
    _append(Path(path), "attempt")
    raise RuntimeError("the provider is down")


@background_task(max_attempts=3, backoff_seconds=10, max_backoff_seconds=3600)
def flaky_provider(path: str) -> None:
    """Fails every time; its long backoff lets a test read the waits the worker chose."""
    _append(Path(path), "attempt")
    raise RuntimeError("the provider is down")


@background_task(max_attempts=5)
def refuses_bad_input(path: str) -> None:
    _append(Path(path), "attempt")
    raise PermanentFailure("the record this task was for no longer exists")


@background_task()
def pauses_after_its_effect(key: str, workdir: str) -> None:
    """Makes its effect once (by key), then waits for the test's go-ahead before finishing.

    A worker killed while it waits leaves the task running with its effect committed;
    the run that follows must not make the effect again.
    """
    folder = Path(workdir)
    _append(folder / "runs", "started")
    with effect_once(f"test:{key}:effect") as first:
        if first:
            _append(folder / "ledger", key)
    _append(folder / "runs", "waiting")
    deadline = time.monotonic() + 120
    while not (folder / "release").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("the test never released the task")
        time.sleep(0.02)
    _append(folder / "runs", "finished")


def note_the_day(*, run_date: date) -> None:
    """A daily job: writes the date it ran for to the file named by EGOV_TEST_JOB_LOG."""
    _append(Path(os.environ["EGOV_TEST_JOB_LOG"]), run_date.isoformat())

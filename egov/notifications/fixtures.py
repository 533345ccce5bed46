"""Test fixtures of the notifications app, plugged in by the root conftest for every test.

``outbox_dir``: each test gets its own outbox directory, in the settings and in the
environment (for worker processes it starts), so no test writes into the developer's
``var/outbox``. ``worker_batch``: runs ``egov worker --batch`` on the test's committed
database, for tests that follow a message all the way through the background worker.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def _egov_outbox_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("egov-outbox")


@pytest.fixture(autouse=True)
def outbox_dir(_egov_outbox_root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """This test's own outbox directory (created when the first message is written)."""
    from django.conf import settings

    path = _egov_outbox_root / uuid.uuid4().hex
    previous = settings.EGOV_OUTBOX_DIR
    settings.EGOV_OUTBOX_DIR = path
    monkeypatch.setenv("EGOV_OUTBOX_DIR", str(path))
    try:
        yield path
    finally:
        settings.EGOV_OUTBOX_DIR = previous


@pytest.fixture
def worker_batch(committed_db: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    """A function running ``egov worker --batch`` (every task ready now, then exit) on the committed database."""
    egov = str(Path(sys.executable).with_name("egov"))

    def run(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own command with fixed arguments
            [egov, "worker", "--batch", "--no-startup-delay"],
            env={**os.environ, "DATABASE_URL": committed_db, **env},
            capture_output=True, text=True, timeout=120, check=True,
        )

    return run

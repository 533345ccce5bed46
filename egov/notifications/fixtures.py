"""Test fixtures of the notifications app, plugged in by the root conftest for every test.

``outbox_dir``: each test gets its own outbox directory, in the settings and in the
environment (for worker processes it starts), so no test writes into the developer's
``var/outbox``. ``worker_batch``: runs ``egov worker --batch`` on the test's committed
database, for tests that follow a message all the way through the background worker.
``smtp_server``: a real SMTP server (aiosmtpd) on loopback, which the platform's e-mail
channel is pointed at (in the settings and, for worker processes, the environment);
the test reads what arrived. ``run_ready_tasks``: runs the queued tasks in the test's
own process with the real worker code, for tests on the test transaction.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path
from typing import Any

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


class SmtpCollector:
    """The aiosmtpd handler: keeps every message accepted; can hold the next conversation at RCPT.

    ``hold_next()`` makes the next client wait after ``MAIL FROM`` (at ``RCPT TO``) until
    ``release()``: a test can then kill the sending worker while it is inside the SMTP
    conversation, before the message was accepted.
    """

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._hold = False
        self.holding = threading.Event()
        self._released = threading.Event()

    def hold_next(self) -> None:
        self._hold = True

    def release(self) -> None:
        self._released.set()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        if self._hold:
            self._hold = False
            self.holding.set()
            while not self._released.is_set():
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, collector: SmtpCollector, port: int) -> None:
        self.collector = collector
        self.port = port

    @property
    def messages(self) -> list[Message]:
        return list(self.collector.messages)

    def wait_for(self, count: int, timeout: float = 60.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while len(self.collector.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"gave up waiting for {count} e-mail(s); {len(self.collector.messages)} arrived")
            time.sleep(0.05)
        return self.messages


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """A real SMTP server on loopback; the platform's e-mail channel sends to it (here and in workers started)."""
    from aiosmtpd.controller import Controller
    from django.conf import settings

    collector = SmtpCollector()
    port = _free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    changed = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": port,
        "EMAIL_TIMEOUT": 30,
        "EGOV_NOTIFY_ADAPTERS": {**settings.EGOV_NOTIFY_ADAPTERS, "email": "egov.notifications.channels.SmtpEmailAdapter"},
    }
    previous = {name: getattr(settings, name) for name in changed}
    for name, value in changed.items():
        setattr(settings, name, value)
    monkeypatch.setenv("EGOV_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("EGOV_SMTP_PORT", str(port))
    monkeypatch.setenv("EGOV_EMAIL_CHANNEL", "smtp")
    try:
        yield SmtpServer(collector, port)
    finally:
        collector.release()
        controller.stop()
        for name, value in previous.items():
            setattr(settings, name, value)


@pytest.fixture
def run_ready_tasks(db: None) -> Callable[[], int]:
    """Run every task ready now in this process with the real worker code; returns how many ran."""

    def run() -> int:
        from django_tasks_db.models import DBTaskResult

        from egov.core.worker import EgovWorker

        worker = EgovWorker(
            queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
            max_tasks=None, worker_id="in-process-test-worker", excluded_queue_names=[], scheduler=False,
        )
        ran = 0
        while (row := DBTaskResult.objects.ready().first()) is not None:
            row.claim(worker.worker_id)
            worker.run_task(row)
            ran += 1
        return ran

    return run

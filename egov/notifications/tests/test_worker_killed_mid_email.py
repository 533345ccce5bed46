"""A worker killed in the middle of sending an e-mail loses nothing and sends it once.

A real ``egov worker`` process delivers an e-mail to a real SMTP server on loopback.
The server holds the conversation after ``MAIL FROM``, so the worker is inside the
delivery task, with the delivery marked ``sending``, when it is SIGKILLed. After a
restart the reaper puts the task back, the new worker sends the e-mail, and exactly
one e-mail has arrived.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from egov.core.tests.test_worker import Workers, wait_for
from egov.notifications import public
from egov.notifications.fixtures import SmtpServer
from egov.notifications.models import Delivery


@pytest.mark.committed
def test_a_worker_killed_while_sending_an_email_sends_it_exactly_once_after_the_restart(
    committed_db: str, smtp_server: SmtpServer, tmp_path: Path,
) -> None:
    dana = get_user_model().objects.create_user(username="dana", password="correct horse battery staple",
                                                email="dana@example.org")
    refs = public.send(recipient_user_id=dana.pk, subject="Your permit was granted", body="Details inside.",
                       channels=("email",), category="applications", idempotency_key="permit:dana:1")
    delivery = Delivery.objects.get(message_id=refs[0].message_id, channel="email")
    task = DBTaskResult.objects.get()
    workers = Workers(committed_db, tmp_path)
    smtp_server.collector.hold_next()
    try:
        first = workers.start()
        wait_for(smtp_server.collector.holding.is_set, "the worker to be inside the SMTP conversation")
        assert Delivery.objects.get(pk=delivery.pk).status == "sending", "operators see the delivery under way"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        smtp_server.collector.release()
        assert DBTaskResult.objects.get(pk=task.pk).status == TaskResultStatus.RUNNING, "killed mid-task"
        assert smtp_server.messages == [], "the killed worker's e-mail was never accepted"

        second = workers.start()
        wait_for(lambda: DBTaskResult.objects.get(pk=task.pk).status == TaskResultStatus.SUCCESSFUL,
                 "the task to complete after the restart")
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=60) == 0
    finally:
        workers.stop_all()

    [mail] = smtp_server.messages
    assert mail["To"] == "dana@example.org" and mail["Subject"] == "Your permit was granted"
    assert mail["Message-ID"] == f"<{delivery.pk}@egov.invalid>"
    done: Any = Delivery.objects.get(pk=delivery.pk)
    assert done.status == "delivered"
    assert len(DBTaskResult.objects.get(pk=task.pk).worker_ids) == 2, "the task ran twice, the e-mail went once"

"""Channels as a person chooses them: e-mail over SMTP (read from a real server on loopback), SMS and the
messenger through the outbox; an undeliverable address is retried and finally failed; per-channel rate limits."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from egov.notifications import public
from egov.notifications.fixtures import SmtpServer
from egov.notifications.models import Delivery, OutboxEntry
from egov.notifications.services import delivery_attempt, preference_save

pytestmark = pytest.mark.django_db


def test_a_person_who_chose_email_gets_the_message_by_email_with_the_link(
    notices_pack: None, alice_with_email: Any, smtp_server: SmtpServer, run_ready_tasks: Any,
) -> None:
    preference_save(user_id=alice_with_email.pk, channels=["email"], phone="", opted_out=[], by="test")

    refs = public.send(recipient_user_id=alice_with_email.pk, subject="Your passport is ready", body="Collect it.",
                       channels=None, link="/applications/")
    run_ready_tasks()

    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "alice@example.org" and mail["Subject"] == "Your passport is ready"
    text = mail.get_content()
    assert "Collect it." in text and "/applications/" in text
    assert sorted((r.channel, r.status) for r in refs) == [("email", "created"), ("inbox", "delivered")]
    assert Delivery.objects.get(message_id=refs[0].message_id, channel="email").status == "delivered"


def test_text_and_messenger_messages_go_to_the_outbox_addressed_to_the_mobile_number(
    notices_pack: None, alice: Any, run_ready_tasks: Any,
) -> None:
    preference_save(user_id=alice.pk, channels=["sms", "messenger"], phone="010-1234-5678", opted_out=[], by="test")

    public.send(recipient_user_id=alice.pk, subject="Fee due", body="Pay by Friday.", channels=None, link="/x/")
    run_ready_tasks()

    entries = {e.delivery.channel: e for e in OutboxEntry.objects.select_related("delivery")}
    assert set(entries) == {"sms", "messenger"}
    assert entries["sms"].address == entries["messenger"].address == "01012345678"
    assert "[Fee due]" in entries["sms"].body and "Pay by Friday." in entries["messenger"].body


def test_an_undeliverable_address_is_retried_with_its_error_visible_and_finally_failed(
    notices_pack: None, alice: Any, operator_client: Client, smtp_server: SmtpServer,
) -> None:
    refs = public.send(recipient_user_id=alice.pk, subject="No address", body="…", channels=("email",))
    delivery = Delivery.objects.get(message_id=refs[0].message_id, channel="email")

    with pytest.raises(Exception, match="no e-mail address"):
        delivery_attempt(delivery_id=delivery.pk, attempt=1, final=False)
    page = operator_client.get("/notifications/outbox/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No address" in page and "no e-mail address" in page
    with pytest.raises(Exception, match="no e-mail address"):
        delivery_attempt(delivery_id=delivery.pk, attempt=5, final=True)

    assert Delivery.objects.get(pk=delivery.pk).status == "failed"
    assert smtp_server.messages == []
    assert [i.subject for i in public.inbox_list(alice.pk)] == ["No address"], "the inbox copy is there all the same"


def test_a_failing_smtp_server_leaves_the_delivery_queued_for_a_retry_with_backoff(
    notices_pack: None, alice_with_email: Any, run_ready_tasks: Any, settings: Any,
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens there
    settings.EGOV_NOTIFY_ADAPTERS = {"email": "egov.notifications.channels.SmtpEmailAdapter"}
    refs = public.send(recipient_user_id=alice_with_email.pk, subject="Hello", body="…", channels=("email",))

    run_ready_tasks()

    delivery = Delivery.objects.get(message_id=refs[0].message_id, channel="email")
    assert (delivery.status, delivery.attempts) == ("sending", 1)
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error.lower()
    task = DBTaskResult.objects.get()
    assert task.status == TaskResultStatus.READY and task.run_after is not None, "back in the queue, after a wait"


def test_a_channel_over_its_rate_limit_waits_for_the_next_minute_without_losing_an_attempt(
    notices_pack: None, alice: Any, run_ready_tasks: Any,
) -> None:
    preference_save(user_id=alice.pk, channels=["sms"], phone="01012345678", opted_out=[], by="test")
    with override_settings(EGOV_NOTIFY_RATE_LIMITS={"sms": 1}):
        first = public.send(recipient_user_id=alice.pk, subject="One", body="…", channels=None)
        second = public.send(recipient_user_id=alice.pk, subject="Two", body="…", channels=None)
        run_ready_tasks()

    delivered = Delivery.objects.get(message_id=first[0].message_id, channel="sms")
    waiting = Delivery.objects.get(message_id=second[0].message_id, channel="sms")
    assert delivered.status == "delivered"
    assert (waiting.status, waiting.attempts) == ("created", 0)
    assert "rate limit" in waiting.last_error
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1, "a new run waits for the next minute"

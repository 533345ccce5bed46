"""``notifications.public.send``: the inbox copy at once, other channels through the worker, never twice."""

from __future__ import annotations

import email
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from egov.core.errors import Conflict, ValidationError
from egov.notifications import public
from egov.notifications.models import Delivery, Message, OutboxEntry
from egov.notifications.services import delivery_attempt

pytestmark = pytest.mark.django_db


def outbox_delivery(refs: list[public.MessageRef]) -> Delivery:
    return Delivery.objects.get(message_id=refs[0].message_id, channel="outbox")


def test_a_message_is_in_the_recipients_inbox_as_soon_as_it_is_sent(alice: Any) -> None:
    refs = public.send(recipient_user_id=alice.pk, subject="Your application was received", body="Reference A-1.")

    assert [(r.channel, r.status) for r in refs] == [("inbox", "delivered")]
    [item] = public.inbox_list(alice.pk)
    assert (item.subject, item.body, item.read) == ("Your application was received", "Reference A-1.", False)
    assert public.inbox_unread_count(alice.pk) == 1


def test_the_inbox_shows_the_newest_messages_first_up_to_the_limit(alice: Any, bob: Any) -> None:
    for number in range(3):
        public.send(recipient_user_id=alice.pk, subject=f"Notice {number}", body="…")
    public.send(recipient_user_id=bob.pk, subject="For Bob", body="…")

    assert [i.subject for i in public.inbox_list(alice.pk, limit=2)] == ["Notice 2", "Notice 1"]
    assert [i.subject for i in public.inbox_list(bob.pk)] == ["For Bob"]


def test_an_outbox_message_is_left_to_the_worker_and_the_inbox_copy_is_there_anyway(alice: Any) -> None:
    refs = public.send(recipient_user_id=alice.pk, subject="Decision", body="Approved.", channels=("outbox",))

    assert {(r.channel, r.status) for r in refs} == {("inbox", "delivered"), ("outbox", "created")}
    assert [i.subject for i in public.inbox_list(alice.pk)] == ["Decision"]
    assert not OutboxEntry.objects.exists(), "the sender does not wait for the outbox"
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "egov.notifications.tasks.delivery_run"
    assert queued.status == TaskResultStatus.READY


def test_the_same_idempotency_key_never_sends_twice(alice: Any) -> None:
    first = public.send(
        recipient_user_id=alice.pk, subject="Fee paid", body="Thank you.", channels=("inbox", "outbox"),
        idempotency_key="finance:paid:42",
    )
    again = public.send(
        recipient_user_id=alice.pk, subject="Fee paid", body="Thank you.", channels=("inbox", "outbox"),
        idempotency_key="finance:paid:42",
    )

    assert again == first
    assert Message.objects.count() == 1
    assert DBTaskResult.objects.count() == 1


def test_a_key_already_used_for_someone_else_is_refused(alice: Any, bob: Any) -> None:
    public.send(recipient_user_id=alice.pk, subject="Hello", body="…", idempotency_key="k-1")

    with pytest.raises(Conflict):
        public.send(recipient_user_id=bob.pk, subject="Hello", body="…", idempotency_key="k-1")
    assert public.inbox_list(bob.pk) == []


def test_bad_input_is_refused_field_by_field_and_nothing_is_sent(alice: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        public.send(recipient_user_id=alice.pk, subject=" ", body="", channels=("pigeon",))

    assert set(refused.value.field_errors) == {"subject", "body", "channels"}
    assert "pigeon" in refused.value.field_errors["channels"][0]
    assert not Message.objects.exists()


def test_a_message_to_no_one_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        public.send(recipient_user_id=uuid.uuid4(), subject="Hello", body="…")
    assert "recipient_user_id" in refused.value.field_errors


def test_a_delivery_run_twice_leaves_one_outbox_entry_and_one_file(alice_with_email: Any, outbox_dir: Path) -> None:
    refs = public.send(recipient_user_id=alice_with_email.pk, subject="Certificate issued", body="Download it from My Gov.", channels=("outbox",))
    delivery = outbox_delivery(refs)

    delivery_attempt(delivery_id=delivery.pk, attempt=1, final=False)
    Delivery.objects.filter(pk=delivery.pk).update(status="sending")  # as if killed before recording it
    delivery_attempt(delivery_id=delivery.pk, attempt=2, final=False)

    entry = OutboxEntry.objects.get()
    assert (entry.address, entry.subject) == ("alice@example.org", "Certificate issued")
    files = list(outbox_dir.glob("*.eml"))
    assert [f.name for f in files] == [entry.file_name]
    written = email.message_from_bytes(files[0].read_bytes())
    assert written["To"] == "alice@example.org"
    assert written["Message-ID"] == f"<{delivery.pk}@egov.invalid>"
    assert "Download it from My Gov." in written.get_payload(decode=True).decode()
    assert Delivery.objects.get(pk=delivery.pk).status == "delivered"


def test_a_person_without_an_email_address_is_named_by_their_account_in_the_outbox(bob: Any) -> None:
    refs = public.send(recipient_user_id=bob.pk, subject="Hello", body="…", channels=("outbox",))
    delivery_attempt(delivery_id=outbox_delivery(refs).pk, attempt=1, final=False)

    assert OutboxEntry.objects.get().address == f"user:{bob.pk}"


def test_a_failing_delivery_keeps_its_error_for_operators_and_fails_on_the_last_attempt(alice: Any, tmp_path: Path) -> None:
    refs = public.send(recipient_user_id=alice.pk, subject="Hello", body="…", channels=("outbox",))
    delivery = outbox_delivery(refs)
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the outbox directory should be")

    with override_settings(EGOV_OUTBOX_DIR=blocked / "outbox"):
        with pytest.raises(OSError):
            delivery_attempt(delivery_id=delivery.pk, attempt=1, final=False)
        waiting = Delivery.objects.get(pk=delivery.pk)
        assert (waiting.status, waiting.attempts) == ("sending", 1)
        assert "Error" in waiting.last_error

        with pytest.raises(OSError):
            delivery_attempt(delivery_id=delivery.pk, attempt=5, final=True)
    assert Delivery.objects.get(pk=delivery.pk).status == "failed"
    assert [i.subject for i in public.inbox_list(alice.pk)] == ["Hello"], "the inbox copy is there all the same"

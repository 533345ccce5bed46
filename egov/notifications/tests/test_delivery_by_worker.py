"""A message sent to the outbox is delivered by a real ``egov worker`` process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from egov.notifications import public
from egov.notifications.models import Delivery, OutboxEntry


@pytest.mark.committed
def test_the_worker_delivers_an_outbox_message_to_the_table_and_a_file(
    committed_db: str, worker_batch: Callable[..., Any], outbox_dir: Path
) -> None:
    carol = get_user_model().objects.create_user(username="carol", password="correct horse battery staple", email="carol@example.org")
    refs = public.send(
        recipient_user_id=carol.pk, subject="Inspection due", body="Your car's inspection is due this month.",
        channels=("inbox", "outbox"), category="notice", idempotency_key="notice:inspection:carol:2030-03",
    )

    worker_batch()

    delivery = Delivery.objects.get(message_id=refs[0].message_id, channel="outbox")
    assert delivery.status == "delivered" and delivery.attempts == 1
    entry = OutboxEntry.objects.get(delivery=delivery)
    assert entry.address == "carol@example.org"
    assert (outbox_dir / entry.file_name).is_file()
    assert [i.subject for i in public.inbox_list(carol.pk)] == ["Inspection due"]

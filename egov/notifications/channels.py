"""Channel adapters: how a delivery leaves the platform.

The inbox needs no adapter (the message row is the inbox copy). Every other channel
is an adapter with one method, ``deliver(delivery)``, that the worker calls, perhaps
more than once for the same delivery (a retry, or a re-run after a killed worker), so
an adapter makes its effect idempotent. The local adapter writes the message to the
outbox table and as an RFC 5322 file under ``EGOV_OUTBOX_DIR``, both keyed by the
delivery: running it twice leaves one row and one file. Later channels (e-mail over
SMTP, SMS, messengers) are further adapters; where no provider is configured they
fall back to this one, so a deployment without providers still shows what it would
have sent.
"""

from __future__ import annotations

import os
import tempfile
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol

from django.conf import settings

from egov.notifications.models import Channel, Delivery, OutboxEntry


class ChannelAdapter(Protocol):
    def deliver(self, delivery: Delivery) -> None: ...


def recipient_address(delivery: Delivery) -> str:
    """The address the message goes to: the person's e-mail, or their user id when they have none."""
    user = delivery.message.recipient
    email = getattr(user, user.get_email_field_name(), "") or ""
    return str(email) if email else f"user:{user.pk}"


def outbox_file_name(delivery: Delivery) -> str:
    return f"{delivery.id}.eml"


class OutboxAdapter:
    """The local implementation of the external channels: the outbox table plus a file per message."""

    def deliver(self, delivery: Delivery) -> None:
        message = delivery.message
        address = recipient_address(delivery)
        file_name = outbox_file_name(delivery)
        self._write_file(delivery, address, file_name)
        OutboxEntry.objects.get_or_create(
            delivery=delivery,
            defaults={"address": address, "subject": message.subject, "body": message.body, "file_name": file_name},
        )

    def _write_file(self, delivery: Delivery, address: str, file_name: str) -> None:
        message = delivery.message
        mail = EmailMessage()
        mail["From"] = settings.DEFAULT_FROM_EMAIL
        mail["To"] = address
        mail["Subject"] = message.subject
        mail["Date"] = format_datetime(message.created_at)
        # Stable per delivery, so a receiver can drop a copy sent twice.
        mail["Message-ID"] = f"<{delivery.id}@egov.invalid>"
        mail["X-Egov-Message"] = str(message.id)
        mail["X-Egov-Category"] = message.category
        mail["X-Egov-Channel"] = delivery.channel
        mail.set_content(message.body)
        directory = Path(settings.EGOV_OUTBOX_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed into place: a reader never sees half a message, and a
        # second run replaces the file instead of adding another.
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".writing-", suffix=".eml")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(bytes(mail))
            os.replace(temporary, directory / file_name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


ADAPTERS: dict[str, ChannelAdapter] = {Channel.OUTBOX.value: OutboxAdapter()}


def adapter_for(channel: str) -> ChannelAdapter | None:
    return ADAPTERS.get(channel)

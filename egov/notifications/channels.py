"""Channel adapters: how a delivery leaves the platform (ADR 0043, 0091).

The inbox needs no adapter (the message row is the inbox copy). Every other channel
is an adapter with one method, ``deliver(delivery)``, that the worker calls, perhaps
more than once for the same delivery (a retry, or a re-run after a killed worker), so
an adapter makes its effect idempotent or at least recognisable as a repeat:

- ``SmtpEmailAdapter`` sends over SMTP with Django's e-mail backend (``EMAIL_HOST``,
  ``EMAIL_PORT``… from ``EGOV_SMTP_*``); the ``Message-ID`` is derived from the
  delivery, so a receiver drops a copy that a re-run after a crash sent again.
- ``OutboxAdapter`` is the local implementation of the external channels: the outbox
  table and an RFC 5322 file under ``EGOV_OUTBOX_DIR``, both keyed by the delivery.
  Text messages and the messenger use it (``SmsOutboxAdapter``,
  ``MessengerOutboxAdapter``) until a gateway contract exists, and e-mail does where no
  SMTP server is configured, so a deployment without providers still shows operators
  exactly what it would have sent.

``adapter_for`` picks the adapter per channel from ``EGOV_NOTIFY_ADAPTERS`` (dotted
paths), so a provider's adapter plugs in without a change here.
"""

from __future__ import annotations

import os
import tempfile
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage as DjangoEmailMessage
from django.core.mail import get_connection
from django.utils.module_loading import import_string

from egov.notifications.models import Channel, Delivery, OutboxEntry, Preference


class Undeliverable(Exception):
    """The person has no address for this channel (no e-mail, no mobile number): retrying will not help soon."""


class ChannelAdapter(Protocol):
    def deliver(self, delivery: Delivery) -> None: ...


def recipient_email(delivery: Delivery) -> str:
    user = delivery.message.recipient
    return str(getattr(user, user.get_email_field_name(), "") or "")


def recipient_phone(delivery: Delivery) -> str:
    preference = Preference.objects.filter(user_id=delivery.message.recipient_id).first()
    return preference.phone if preference else ""


def recipient_address(delivery: Delivery) -> str:
    """The address the message goes to: the phone for text channels, else the e-mail, else the user id."""
    if delivery.channel in (Channel.SMS, Channel.MESSENGER):
        return recipient_phone(delivery)
    email = recipient_email(delivery)
    return email if email else f"user:{delivery.message.recipient_id}"


def message_id(delivery: Delivery) -> str:
    """Stable per delivery, so a receiver can drop a copy sent twice."""
    return f"<{delivery.id}@egov.invalid>"


def full_text(delivery: Delivery) -> str:
    message = delivery.message
    if not message.link:
        return message.body
    return f"{message.body}\n\n{absolute_link(message.link)}"


def absolute_link(link: str) -> str:
    base = str(getattr(settings, "EGOV_BASE_URL", "") or "").rstrip("/")
    return f"{base}{link}" if link.startswith("/") and base else link


def outbox_file_name(delivery: Delivery) -> str:
    return f"{delivery.id}.eml"


class OutboxAdapter:
    """The local implementation of the external channels: the outbox table plus a file per message."""

    def address(self, delivery: Delivery) -> str:
        return recipient_address(delivery)

    def text(self, delivery: Delivery) -> str:
        return full_text(delivery)

    def deliver(self, delivery: Delivery) -> None:
        message = delivery.message
        address = self.address(delivery)
        text = self.text(delivery)
        file_name = outbox_file_name(delivery)
        self._write_file(delivery, address, text, file_name)
        OutboxEntry.objects.get_or_create(
            delivery=delivery,
            defaults={"address": address, "subject": message.subject, "body": text, "file_name": file_name},
        )

    def _write_file(self, delivery: Delivery, address: str, text: str, file_name: str) -> None:
        message = delivery.message
        mail = EmailMessage()
        mail["From"] = settings.DEFAULT_FROM_EMAIL
        mail["To"] = address
        mail["Subject"] = message.subject
        mail["Date"] = format_datetime(message.created_at)
        mail["Message-ID"] = message_id(delivery)
        mail["X-Egov-Message"] = str(message.id)
        mail["X-Egov-Category"] = message.category
        mail["X-Egov-Channel"] = delivery.channel
        mail.set_content(text)
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


class SmsOutboxAdapter(OutboxAdapter):
    """Text messages, written to the outbox as the gateway would receive them: short, with the link."""

    # A Korean LMS carries 2,000 bytes; an SMS 90. The subject and the link fit an SMS in most cases.
    def address(self, delivery: Delivery) -> str:
        phone = recipient_phone(delivery)
        if not phone:
            raise Undeliverable("the person has given no mobile phone number")
        return phone

    def text(self, delivery: Delivery) -> str:
        message = delivery.message
        return f"[{message.subject}] {absolute_link(message.link)}".strip() if message.link else f"[{message.subject}]"


class MessengerOutboxAdapter(SmsOutboxAdapter):
    """Messenger (KakaoTalk-style "알림톡") notices: the whole text and the link, to the mobile number."""

    def text(self, delivery: Delivery) -> str:
        return full_text(delivery)


class OutboxEmailAdapter(OutboxAdapter):
    """E-mail where no SMTP server is configured: written to the outbox, addressed to the person's e-mail."""

    def address(self, delivery: Delivery) -> str:
        email = recipient_email(delivery)
        if not email:
            raise Undeliverable("the person has given no e-mail address")
        return email


class SmtpEmailAdapter:
    """E-mail over SMTP with Django's backend; the Message-ID is the delivery's, so a repeat is recognisable."""

    def deliver(self, delivery: Delivery) -> None:
        address = recipient_email(delivery)
        if not address:
            raise Undeliverable("the person has given no e-mail address")
        message = delivery.message
        mail = DjangoEmailMessage(
            subject=message.subject, body=full_text(delivery), from_email=settings.DEFAULT_FROM_EMAIL, to=[address],
            headers={
                "Message-ID": message_id(delivery), "X-Egov-Message": str(message.id),
                "X-Egov-Category": message.category, "X-Egov-Channel": delivery.channel,
            },
            connection=get_connection(fail_silently=False),
        )
        mail.send(fail_silently=False)


DEFAULT_ADAPTERS: dict[str, str] = {
    Channel.OUTBOX.value: "egov.notifications.channels.OutboxAdapter",
    Channel.EMAIL.value: "egov.notifications.channels.SmtpEmailAdapter",
    Channel.SMS.value: "egov.notifications.channels.SmsOutboxAdapter",
    Channel.MESSENGER.value: "egov.notifications.channels.MessengerOutboxAdapter",
}


def adapter_for(channel: str) -> ChannelAdapter | None:
    """The adapter of ``channel`` named in ``EGOV_NOTIFY_ADAPTERS`` (else the default), or None."""
    configured = {**DEFAULT_ADAPTERS, **dict(getattr(settings, "EGOV_NOTIFY_ADAPTERS", {}))}
    path = configured.get(channel)
    if not path:
        return None
    adapter: ChannelAdapter = import_string(path)()
    return adapter

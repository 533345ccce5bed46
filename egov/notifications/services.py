"""Writes of the notifications app: send a message (plain or from a template), templates, preferences,
subscriptions, and one attempt of a delivery."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Model
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core import clock, memo
from egov.core.audit import audit_append
from egov.core.connection_kept import kept
from egov.core.errors import Conflict, ValidationError
from egov.core.tasks import PermanentFailure
from egov.notifications import templating
from egov.notifications.channels import Undeliverable, adapter_for
from egov.notifications.models import (
    CHOOSABLE_CHANNELS,
    Category,
    Channel,
    Delivery,
    DeliveryStatus,
    Message,
    Preference,
    Subscription,
    Template,
)

logger = logging.getLogger("egov.notifications")

SUBJECT_MAX = 200
CATEGORY_MAX = 50
KEY_MAX = 200
PHONE_DIGITS = (10, 11)
RATE_WINDOW = timedelta(minutes=1)


def _validate(*, subject: str, body: str, channels: Sequence[str], category: str, idempotency_key: str | None) -> None:
    errors: dict[str, list[str]] = {}
    if not subject.strip():
        errors["subject"] = [_("Give the message a subject.")]
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = [_("The subject may be at most %(max)d characters long.") % {"max": SUBJECT_MAX}]
    if not body.strip():
        errors["body"] = [_("The message has no text.")]
    unknown = [c for c in channels if c not in Channel.values]
    if unknown:
        errors["channels"] = [
            _("Unknown channel: %(names)s. Choose from: %(known)s.") % {"names": ", ".join(unknown), "known": ", ".join(Channel.values)}
        ]
    if not category.strip() or len(category) > CATEGORY_MAX:
        errors["category"] = [_("The category must be between 1 and %(max)d characters long.") % {"max": CATEGORY_MAX}]
    if idempotency_key is not None and not (0 < len(idempotency_key) <= KEY_MAX):
        errors["idempotency_key"] = [_("The idempotency key must be between 1 and %(max)d characters long.") % {"max": KEY_MAX}]
    if errors:
        raise ValidationError(_("The message was not sent: correct the fields listed."), field_errors=errors)


def _existing(idempotency_key: str, recipient_user_id: UUID) -> Message:
    message = Message.objects.get(idempotency_key=idempotency_key)
    if message.recipient_id != recipient_user_id:
        raise Conflict(_("This idempotency key was already used for a message to someone else. Use a new key."))
    return message


def category_required_by_law(code: str) -> bool:
    return Category.objects.filter(code=code, required_by_law=True).exists()


def opted_out(*, preference: Preference | None, category: str) -> bool:
    """Whether the person opted out of ``category`` (never true of a category the law requires)."""
    if preference is None or category not in (preference.opted_out or []):
        return False
    return not category_required_by_law(category)


def message_send(
    *,
    recipient_user_id: UUID,
    subject: str,
    body: str,
    channels: Sequence[str] | None,
    category: str,
    idempotency_key: str | None,
    template_key: str = "",
    template_version: int | None = None,
    link: str = "",
    sent_by: str = "platform",
) -> Message | None:
    """Write the inbox copy and a delivery per channel; external channels go to the worker.

    ``channels=None`` means the person's own choice (their preferences: the inbox and
    whichever of e-mail, SMS and messenger they chose). A person who opted out of the
    category gets nothing and ``None`` is returned, unless the law requires the
    category. The message, its deliveries and their tasks are written in one
    transaction (the caller's, when there is one): the message exists if and only if
    its deliveries will be attempted. With an idempotency key already used, the
    message sent then is returned and nothing new is sent.
    """
    _validate(subject=subject, body=body, channels=channels or (), category=category, idempotency_key=idempotency_key)
    # A key used before is found by the unique constraint on insert (below), not by a query first:
    # most sends are new, and every application step sends one.
    preference = _recipient_preference(recipient_user_id)
    if opted_out(preference=preference, category=category):
        return None
    if channels is None:
        channels = preference.channels() if preference is not None else [Channel.INBOX.value]
    external = [c for c in dict.fromkeys(channels) if c != Channel.INBOX]
    message = Message(
        recipient_id=recipient_user_id, subject=subject, body=body, category=category,
        idempotency_key=idempotency_key, template_key=template_key, template_version=template_version,
        link=link, sent_by=sent_by,
    )
    if idempotency_key is not None and not _MessageInsert.usable():
        try:
            with transaction.atomic():
                _deliveries(message, external, insert=_saved(message))
        except IntegrityError:
            # A send with the same key came first (a retry, or a concurrent request): its message is the one.
            return _existing(idempotency_key, recipient_user_id)
        return message
    # No key, or a key taken is seen by the insert itself: nothing can fail that a rollback point would
    # have to undo, so none is taken (a savepoint and its release were two round trips per notice).
    insert = _saved(message) if idempotency_key is None else (lambda: _MessageInsert.get().insert_one(message))
    with transaction.atomic(savepoint=False):
        inserted = _deliveries(message, external, insert=insert)
    if not inserted:
        assert idempotency_key is not None
        # A send with the same key came first (a retry, or a concurrent request): its message is the one.
        return _existing(idempotency_key, recipient_user_id)
    return message


def _saved(message: Message) -> Callable[[], bool]:
    def save() -> bool:
        message.save()
        return True

    return save


@dataclass(frozen=True)
class Draft:
    """One message of :func:`messages_send`, as :func:`message_send` takes it (``notifications.public.Outgoing``)."""

    recipient_user_id: UUID
    subject: str
    body: str
    idempotency_key: str | None
    category: str = "general"
    channels: Sequence[str] | None = ("inbox",)
    link: str = ""


def messages_send(*, drafts: Sequence[Draft]) -> list[Message | None]:
    """Several messages at once, each as :func:`message_send` would send it (None for an opt-out).

    On PostgreSQL, when every message has its idempotency key, the messages are written
    by one INSERT (a key already used is skipped by it, and that message sent then is
    returned) and their deliveries by another: an application's two notices of one
    filing (received, decided) were four inserts (bench-apply profile). Elsewhere, one
    after the other.
    """
    from egov.notifications.tasks import delivery_run

    if len(drafts) < 2 or not _MessageInsert.usable() or any(d.idempotency_key is None for d in drafts):
        return [message_send(recipient_user_id=d.recipient_user_id, subject=d.subject, body=d.body,
                             channels=d.channels, category=d.category, idempotency_key=d.idempotency_key,
                             link=d.link) for d in drafts]
    planned: list[tuple[Message, list[str]] | None] = []
    for draft in drafts:
        _validate(subject=draft.subject, body=draft.body, channels=draft.channels or (), category=draft.category,
                  idempotency_key=draft.idempotency_key)
        preference = _recipient_preference(draft.recipient_user_id)
        if opted_out(preference=preference, category=draft.category):
            planned.append(None)
            continue
        channels = draft.channels if draft.channels is not None else (
            preference.channels() if preference is not None else [Channel.INBOX.value])
        planned.append((Message(recipient_id=draft.recipient_user_id, subject=draft.subject, body=draft.body,
                                category=draft.category, idempotency_key=draft.idempotency_key, link=draft.link),
                        [c for c in dict.fromkeys(channels) if c != Channel.INBOX]))
    sending = [item for item in planned if item is not None]
    inserted: set[UUID] = set()
    with transaction.atomic(savepoint=False):  # nothing here raises but the database itself
        if sending:
            inserted = _MessageInsert.get().insert([message for message, _external in sending])
        now = clock.now()
        deliveries: list[Delivery] = []
        for message, external in sending:
            if message.id in inserted:
                mine = [Delivery(message=message, channel=Channel.INBOX, status=DeliveryStatus.DELIVERED,
                                 delivered_at=now), *(Delivery(message=message, channel=c) for c in external)]
                message.sent_deliveries = mine  # type: ignore[attr-defined]
                deliveries += mine
        Delivery.objects.bulk_create(deliveries)
        for delivery in deliveries:
            if delivery.channel != Channel.INBOX:
                delivery_run.enqueue(str(delivery.id))
    return [None if item is None else item[0] if item[0].id in inserted
            else _existing(str(item[0].idempotency_key), item[0].recipient_id) for item in planned]


def _recipient_preference(recipient_user_id: UUID) -> Preference | None:
    """The recipient's choices (None when they made none); ValidationError when there is no such account.

    One statement says whether the account exists and what it has chosen, if anything: every
    application step sends a message (bench-apply profile). Within a memo scope (one application
    filed, two notices) it is asked once; saving the preferences forgets it.
    """
    key = ("notifications.recipient", recipient_user_id)
    answer = memo.remembered(key, lambda: _RecipientQuery.get().load(recipient_user_id))
    if answer is None:
        memo.forget(key)  # the account may be created later in the same unit of work
        raise ValidationError(
            _("The message was not sent: there is no account with this id."),
            field_errors={"recipient_user_id": [_("There is no account with this id.")]},
        )
    return answer[0]


class _RecipientQuery:
    """The account and its preferences in one statement (a LEFT JOIN), written once per connection.

    The ORM cannot join from the account to its preferences (the relation has no reverse
    name), and asking it for a subquery and then the preferences compiled two queries on
    every notice, which cost more than running them (bench-apply profile, ADR 0147). The
    statement is written from the models' own table and column names; the preference's
    columns come back through the converters of the ORM's own query of them (the backend's
    and the fields', e.g. the JSON list of categories opted out of), as a queryset would
    return them.
    """

    def __init__(self) -> None:
        user, meta = get_user_model()._meta, Preference._meta
        self.fields = list(meta.concrete_fields)
        self.names = [field.attname for field in self.fields]
        compiler = Preference.objects.values_list(*self.names).query.get_compiler(using=connection.alias)
        compiler.as_sql()  # fills in the selected columns, whose converters are taken
        self.compiler = compiler
        self.converters = compiler.get_converters([column[0] for column in compiler.select[0:compiler.col_count]])
        quote = connection.ops.quote_name
        pk = quote(user.pk.column)
        columns = ", ".join(f"p.{quote(field.column)}" for field in self.fields)
        # Only the models' own names are written into it; the account's id is a parameter.
        self.sql = (f"SELECT u.{pk}, {columns} FROM {quote(user.db_table)} u "  # noqa: S608
                    f"LEFT JOIN {quote(meta.db_table)} p ON p.{quote(meta.get_field('user').column)} = u.{pk} "
                    f"WHERE u.{pk} = %s")
        self.user_pk = user.pk

    @classmethod
    def get(cls) -> _RecipientQuery:
        return kept(connection, "_notifications_recipient_query", cls)

    def load(self, user_id: UUID) -> tuple[Preference | None] | None:
        """None without such an account; else a 1-tuple of its preferences (None when it chose nothing)."""
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [self.user_pk.get_db_prep_value(user_id, connection, prepared=False)])
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row[1:])
        if values[0] is None:
            return (None,)
        if self.converters:
            values = list(next(iter(self.compiler.apply_converters([values], self.converters))))
        return (Preference.from_db(connection.alias, self.names, values),)


def _deliveries(message: Message, external: Sequence[str], *, insert: Callable[[], bool]) -> bool:
    """Insert the message (``insert``: False when its key was taken) and its deliveries; whether it was new."""
    from egov.notifications.tasks import delivery_run

    if not insert():
        return False
    now = clock.now()
    created = [Delivery.objects.create(message=message, channel=Channel.INBOX, status=DeliveryStatus.DELIVERED,
                                       delivered_at=now)]
    for channel in external:
        delivery = Delivery.objects.create(message=message, channel=channel)
        delivery_run.enqueue(str(delivery.id))
        created.append(delivery)
    # The sender's answer names these deliveries: kept here, so it need not read them back.
    message.sent_deliveries = created  # type: ignore[attr-defined]
    return True


class _MessageInsert:
    """A message's INSERT that does nothing when its idempotency key is taken (PostgreSQL), compiled once.

    ``INSERT … ON CONFLICT DO NOTHING RETURNING id``: the rows come back that were
    inserted, nothing for a message whose key exists, and the transaction goes on
    either way, so no savepoint is needed to survive the conflict. The statement is
    built by the ORM's own insert compiler, each value prepared by its field as ``save``
    does; the one-message statement is compiled once per connection (the gate's log
    insert works the same way), several messages (PostgreSQL inserts them as arrays) are
    compiled per call. Elsewhere (SQLite, where a savepoint costs no round trip) ``save``
    in a savepoint is used.
    """

    def __init__(self) -> None:
        self.fields = list(Message._meta.concrete_fields)
        (self.sql, _params), = self._compiler([Message(recipient_id=uuid.uuid4(), subject="", body="",
                                                       idempotency_key="sample")]).as_sql()

    def _compiler(self, messages: Sequence[Model]) -> Any:
        query = InsertQuery(Message, on_conflict=OnConflict.IGNORE)
        query.insert_values(self.fields, list(messages))
        compiler = query.get_compiler(using=connection.alias)
        compiler.returning_fields = [Message._meta.pk]
        return compiler

    @staticmethod
    def usable() -> bool:
        return connection.vendor == "postgresql"

    @classmethod
    def get(cls) -> _MessageInsert:
        return kept(connection, "_notifications_message_insert", cls)

    def insert(self, messages: Sequence[Message]) -> set[UUID]:
        """Insert the messages whose key is free; the ids of those inserted."""
        now = clock.now()
        for message in messages:
            message.updated_at = now  # as BaseModel.save
        if len(messages) == 1:
            sql = self.sql
            params = [field.get_db_prep_save(getattr(messages[0], field.attname), connection) for field in self.fields]
        else:
            (sql, params), = self._compiler(messages).as_sql()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            inserted = {row[0] for row in cursor.fetchall()}
        for message in messages:
            if message.id in inserted:
                message._state.adding = False
                message._state.db = connection.alias
        return inserted

    def insert_one(self, message: Message) -> bool:
        return message.id in self.insert([message])


def template_current(*, key: str) -> Template | None:
    return Template.objects.filter(key=key).order_by("-version").first()


def message_send_template(
    *,
    recipient_user_id: UUID,
    template_key: str,
    personalisation: Mapping[str, Any],
    idempotency_key: str | None,
    channels: Sequence[str] | None = None,
    language: str | None = None,
    link: str = "",
    sent_by: str = "platform",
) -> Message | None:
    """Send the current version of a template, filled with ``personalisation`` (plus the person's name and the link).

    A template that does not exist, or a placeholder left without a value, is refused
    with a translated error and nothing is sent.
    """
    template = template_current(key=template_key)
    if template is None:
        raise ValidationError(
            _("The message was not sent: there is no template with this id."),
            field_errors={"template_id": [_("There is no template with this id. Templates are listed at /notifications/templates/.")]},
        )
    user = get_user_model().objects.filter(pk=recipient_user_id).first()
    values = {key: str(value) for key, value in personalisation.items()}
    values.setdefault("name", (getattr(user, "display_name", "") or user.get_username()) if user else "")
    values.setdefault("link", link)
    language = (language or settings.LANGUAGE_CODE)[:2]
    subject_text, body_text = (template.subject_en, template.body_en) if language == "en" else (template.subject_ko, template.body_ko)
    try:
        subject = templating.render(subject_text, values)
        body = templating.render(body_text, values)
    except KeyError as missing:
        raise ValidationError(
            _("The message was not sent: the template needs a value for %(name)s.") % {"name": missing.args[0]},
            field_errors={"personalisation": [_("Missing value: %(name)s.") % {"name": missing.args[0]}]},
        ) from None
    return message_send(
        recipient_user_id=recipient_user_id, subject=subject, body=body, channels=channels, category=template.category,
        idempotency_key=idempotency_key, template_key=template.key, template_version=template.version, link=link,
        sent_by=sent_by,
    )


@transaction.atomic
def template_save(
    *, key: str, category: str, placeholders: Sequence[str], subject_ko: str, body_ko: str, subject_en: str,
    body_en: str, by: str,
) -> Template:
    """Save a template as its next version; a text naming a placeholder not declared is refused, nothing saved."""
    texts = {"subject_ko": subject_ko, "body_ko": body_ko, "subject_en": subject_en, "body_en": body_en}
    problems = templating.template_problems(declared=placeholders, texts=texts)
    for field, text in texts.items():
        if not text.strip():
            problems.setdefault(field, []).append(_("Write this text: every template has Korean and English."))
    if not Category.objects.filter(code=category).exists():
        problems.setdefault("category", []).append(_("Choose one of the message categories."))
    if not key or len(key) > 80:
        problems.setdefault("key", []).append(_("Give the template an id of at most 80 letters, digits and hyphens."))
    if problems:
        raise ValidationError(_("The template was not saved: correct the fields listed."), field_errors=problems)
    latest = Template.objects.filter(key=key).aggregate(latest=Max("version"))["latest"] or 0
    template = Template.objects.create(
        key=key, version=latest + 1, category=category, placeholders=list(dict.fromkeys(placeholders)),
        subject_ko=subject_ko, body_ko=body_ko, subject_en=subject_en, body_en=body_en, created_by=by,
    )
    audit_append(action="notifications.template_saved", actor=by, object_ref=f"notifications:template:{key}",
                 detail={"version": template.version})
    return template


def _phone_digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


@transaction.atomic
def preference_save(
    *, user_id: UUID, channels: Sequence[str], phone: str, opted_out: Sequence[str], by: str,
) -> Preference:
    """Save how a person wants to be told. Text channels need a mobile number; a category the law requires
    cannot be opted out of. Bad input changes nothing."""
    errors: dict[str, list[str]] = {}
    unknown = [c for c in channels if c not in [ch.value for ch in CHOOSABLE_CHANNELS]]
    if unknown:
        errors["channels"] = [_("Unknown channel: %(names)s.") % {"names": ", ".join(unknown)}]
    digits = _phone_digits(phone)
    if phone.strip() and not (digits.startswith("01") and len(digits) in PHONE_DIGITS):
        errors["phone"] = [_("Enter a mobile phone number such as 010-1234-5678.")]
    if not digits and ({Channel.SMS.value, Channel.MESSENGER.value} & set(channels)):
        errors["phone"] = [_("Enter your mobile phone number to get text or messenger messages.")]
    known = dict(Category.objects.values_list("code", "required_by_law"))
    refused = [c for c in opted_out if known.get(c, True)]
    if refused:
        errors["opted_out"] = [_("These messages are required by law and cannot be switched off: %(names)s.")
                               % {"names": ", ".join(refused)}]
    if Channel.EMAIL.value in channels:
        user = get_user_model().objects.get(pk=user_id)
        if not getattr(user, "email", ""):
            errors["channels"] = [_("Add an e-mail address to your account first to get messages by e-mail.")]
    if errors:
        raise ValidationError(_("Your choices were not saved: correct the fields listed."), field_errors=errors)
    preference, _created = Preference.objects.get_or_create(user_id=user_id)
    memo.forget(("notifications.recipient", user_id))
    for channel in CHOOSABLE_CHANNELS:
        setattr(preference, channel.value, channel.value in channels)
    preference.phone = digits
    preference.opted_out = sorted(set(opted_out))
    preference.save(update_fields=["email", "sms", "messenger", "phone", "opted_out"])
    audit_append(action="notifications.preferences_changed", actor=by, subject=f"user:{user_id}",
                 object_ref="notifications:preferences",
                 detail={"channels": sorted(channels), "opted_out": preference.opted_out})
    return preference


@transaction.atomic
def subscriptions_set(*, user_id: UUID, rules: Sequence[str], known_rules: Sequence[str], by: str) -> list[str]:
    """Subscribe the person to exactly ``rules`` (of the country pack's notices); returns them."""
    unknown = [rule for rule in rules if rule not in known_rules]
    if unknown:
        raise ValidationError(_("Your subscriptions were not saved: there is no notice %(names)s.")
                              % {"names": ", ".join(unknown)}, field_errors={"rules": [_("Choose notices from the list.")]})
    wanted = set(rules)
    have = set(Subscription.objects.filter(user_id=user_id).values_list("rule", flat=True))
    Subscription.objects.filter(user_id=user_id, rule__in=have - wanted).delete()
    for rule in sorted(wanted - have):
        Subscription.objects.get_or_create(user_id=user_id, rule=rule)
    if wanted != have:
        audit_append(action="notifications.subscriptions_changed", actor=by, subject=f"user:{user_id}",
                     object_ref="notifications:subscriptions", detail={"rules": sorted(wanted)})
    return sorted(wanted)


def message_mark_read(*, message: Message) -> Message:
    """Mark the message read (once: the first reading time is kept)."""
    if message.read_at is None:
        message.read_at = clock.now()
        message.save(update_fields=["read_at"])
    return message


def _rate_limited(channel: str) -> bool:
    limit = int(dict(getattr(settings, "EGOV_NOTIFY_RATE_LIMITS", {})).get(channel, 0) or 0)
    if limit <= 0:
        return False
    since = clock.now() - RATE_WINDOW
    return Delivery.objects.filter(channel=channel, delivered_at__gte=since).count() >= limit


def delivery_attempt(*, delivery_id: UUID, attempt: int, final: bool) -> None:
    """Deliver through the channel's adapter; record the outcome on the delivery.

    Safe to run again for the same delivery: a delivered or failed one is left alone,
    and the adapters' effects are keyed by the delivery. The delivery is marked
    ``sending`` in its own short transaction before the adapter is called, so operators
    see what is under way. A channel over its rate limit puts the delivery back for
    the next minute without spending an attempt. A failure is recorded with its error
    (operators see it on the outbox page) and raised again so that the worker retries;
    on the final attempt the delivery is marked failed. The inbox copy is never touched.
    """
    from egov.notifications.tasks import delivery_run

    delivery = Delivery.objects.select_related("message__recipient").filter(pk=delivery_id).first()
    if delivery is None:
        raise PermanentFailure(f"delivery {delivery_id} no longer exists")
    if delivery.status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
        return
    adapter = adapter_for(delivery.channel)
    if adapter is None:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, attempts=attempt, last_error=f"no adapter for channel {delivery.channel}",
            updated_at=clock.now(),
        )
        raise PermanentFailure(f"no adapter for channel {delivery.channel}")
    if _rate_limited(delivery.channel):
        # The queue runs on the wall clock (ADR 0040): wait a real minute, whatever EGOV_NOW says.
        delivery_run.using(run_after=timezone.now() + RATE_WINDOW).enqueue(str(delivery.pk))
        Delivery.objects.filter(pk=delivery.pk).update(
            last_error=f"rate limit of the {delivery.channel} channel reached; waiting for the next minute",
            updated_at=clock.now(),
        )
        return
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENDING, attempts=attempt, updated_at=clock.now())
    try:
        with transaction.atomic():
            adapter.deliver(delivery)
            Delivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.DELIVERED, attempts=attempt, last_error="", delivered_at=clock.now(),
                updated_at=clock.now(),
            )
    except Exception as error:
        logger.warning("delivery %s over %s failed (attempt %d): %s", delivery.pk, delivery.channel, attempt, error)
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED if final else DeliveryStatus.SENDING, attempts=attempt,
            last_error=f"{type(error).__name__}: {error}"[:2000], updated_at=clock.now(),
        )
        raise


__all__ = [
    "Draft",
    "Undeliverable",
    "delivery_attempt",
    "message_mark_read",
    "message_send",
    "message_send_template",
    "messages_send",
    "preference_save",
    "subscriptions_set",
    "template_current",
    "template_save",
]

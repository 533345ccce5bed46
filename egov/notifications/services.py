"""Writes of the notifications app: send a message (plain or from a template), templates, preferences,
subscriptions, and one attempt of a delivery."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core import clock
from egov.core.audit import audit_append
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
    from egov.notifications.tasks import delivery_run

    _validate(subject=subject, body=body, channels=channels or (), category=category, idempotency_key=idempotency_key)
    # A key used before is found by the unique constraint on insert (below), not by a query first:
    # most sends are new, and every application step sends one.
    # One query says whether the account exists and whether it has chosen anything: most people have
    # not, and every application step sends a message (bench-apply profile).
    found = list(get_user_model().objects.filter(pk=recipient_user_id).annotate(
        preference_id=Subquery(Preference.objects.filter(user_id=OuterRef("pk")).values("pk")[:1]),
    ).values_list("preference_id", flat=True))
    if not found:
        raise ValidationError(
            _("The message was not sent: there is no account with this id."),
            field_errors={"recipient_user_id": [_("There is no account with this id.")]},
        )
    preference = Preference.objects.filter(pk=found[0]).first() if found[0] is not None else None
    if opted_out(preference=preference, category=category):
        return None
    if channels is None:
        channels = preference.channels() if preference is not None else [Channel.INBOX.value]
    external = [c for c in dict.fromkeys(channels) if c != Channel.INBOX]
    now = clock.now()
    try:
        with transaction.atomic():
            message = Message.objects.create(
                recipient_id=recipient_user_id, subject=subject, body=body, category=category,
                idempotency_key=idempotency_key, template_key=template_key, template_version=template_version,
                link=link, sent_by=sent_by,
            )
            created = [Delivery.objects.create(message=message, channel=Channel.INBOX, status=DeliveryStatus.DELIVERED,
                                               delivered_at=now)]
            for channel in external:
                delivery = Delivery.objects.create(message=message, channel=channel)
                delivery_run.enqueue(str(delivery.id))
                created.append(delivery)
            # The sender's answer names these deliveries: kept here, so it need not read them back.
            message.sent_deliveries = created  # type: ignore[attr-defined]
    except IntegrityError:
        if idempotency_key is None:
            raise
        # A send with the same key came first (a retry, or a concurrent request): its message is the one.
        return _existing(idempotency_key, recipient_user_id)
    return message


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
    "Undeliverable",
    "delivery_attempt",
    "message_mark_read",
    "message_send",
    "message_send_template",
    "preference_save",
    "subscriptions_set",
    "template_current",
    "template_save",
]

"""What the applicant is told at each step: in their inbox, and on the channels they chose (e-mail, SMS, messenger).

Messages are written in the deployment's language (settings.LANGUAGE_CODE): the inbox
keeps the text as sent. Each carries an idempotency key made of the case and its step
count, so a retried request never tells the applicant twice. The category
``applications`` is one the law requires (the Civil Petitions Act, Article 27, has the
result notified), so an applicant's opt-outs do not silence it; the channels are the
applicant's own choice (``channels=None``), and the message links to the application.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from egov.applications import definitions
from egov.catalogue.public import ServiceDefinition
from egov.notifications import public as notifications
from egov.workflow import public as workflow


def _body(event: str, *, service: str, reference: str, state: str, reason: str, deadline: str) -> tuple[str, str]:
    subjects = {
        "received": _("Application received: %(service)s"),
        "claim": _("An official is handling your application: %(service)s"),
        "referred": _("Your application goes to an official: %(service)s"),
        "request_supplement": _("The office asks you for more: %(service)s"),
        "supplemented": _("Your answer was received: %(service)s"),
        "approve": _("Your application was approved: %(service)s"),
        "reject": _("Your application was refused: %(service)s"),
        "decided": _("Your application was decided: %(service)s"),
        "withdrawn": _("Your application was withdrawn: %(service)s"),
    }
    lines = [_("Reference number: %(reference)s") % {"reference": reference},
             _("Status: %(state)s") % {"state": state}]
    if reason:
        lines.append(_("Reasons: %(reason)s") % {"reason": reason})
    if deadline:
        lines.append(_("Answer by: %(deadline)s") % {"deadline": deadline})
    lines.append(_("Follow your application under My applications on My Gov."))
    return subjects.get(event, subjects["decided"]) % {"service": service}, "\n".join(lines)


def tell(application: Any, event: str, *, definition: ServiceDefinition, state: str = "", reason: str = "",
         deadline: datetime | None = None, steps: int | None = None) -> None:
    """Send the applicant the notice of one step (inbox and chosen channels; written in the caller's transaction).

    ``steps`` is the case's step count when the caller knows it (a case it opened and moved
    in this transaction); otherwise it is counted.
    """
    send([notice(application, event, definition=definition, state=state, reason=reason, deadline=deadline,
                 steps=steps)])


def send(notices: list[notifications.Outgoing]) -> None:
    """Send notices composed by :func:`notice` together (a filing's receipt and its automatic decision)."""
    if notices:
        notifications.send_many(notices)


def notice(application: Any, event: str, *, definition: ServiceDefinition, state: str = "", reason: str = "",
           deadline: datetime | None = None, steps: int | None = None) -> notifications.Outgoing:
    """The notice of one step, composed for :func:`send` (see :func:`tell`)."""
    language = settings.LANGUAGE_CODE[:2]
    if steps is None:
        steps = workflow.case_step_count(case_id=application.case_id)
    with translation.override(language):
        when = formats.date_format(timezone.localtime(deadline), "DATETIME_FORMAT") if deadline else ""
        subject, body = _body(
            event, service=definition.name.get(language), reference=application.reference,
            state=definitions.state_label(definition, state or definition.workflow.initial, language)
            if definition.workflow else state,
            reason=reason, deadline=when,
        )
    return notifications.Outgoing(
        recipient_user_id=application.applicant_id, subject=subject, body=body, category="applications",
        idempotency_key=f"applications:{application.case_id}:{event}:{steps}", channels=None,
        link=reverse("applications:detail", args=[application.id]))

"""Writes of the case engine: open a case, move it along its workflow, escalate, expire.

``case_transition`` is the only code that changes a case's state (rule 3); it opens
the model's ``state_writes_allowed()`` door for the length of one write. Every step
writes a history line and an audit entry in the same transaction as the state, and
the effect runs in it too: the step, its record and its consequence commit together or
not at all.

Within a memo scope (``egov.core.memo``: one application filed and its answer), a case
the unit of work opened in its open transaction is kept as written: its next step there
takes it from the memo instead of reading it again under a lock (its own insert locks
it from everyone else until the commit), and once committed, ``public.case_get`` and
``public.case_history`` answer the unit of work from what it wrote (ADR 0147).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from egov.accounts.public import official_info
from egov.core import clock, memo
from egov.core.audit import audit_append
from egov.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from egov.workflow import calendar, selectors
from egov.workflow.definition import (
    APPLICANT,
    SYSTEM,
    WorkflowDefinition,
    definition_document,
    definition_parse,
)
from egov.workflow.info import CaseInfo, HistoryEntry, TransitionContext
from egov.workflow.models import Case, CaseHistory, ReferenceCounter, state_writes_allowed

logger = logging.getLogger("egov.workflow")

SYSTEM_ACTOR = "system:workflow"


def case_info(case: Case, definition: WorkflowDefinition | None = None) -> CaseInfo:
    definition = definition or definition_parse(case.definition)
    return CaseInfo(
        id=case.id, reference=case.reference, service_id=case.service_id, service_version=case.service_version,
        applicant_id=case.applicant_id, subject_resident_id=case.subject_resident_id,
        organisation_id=case.organisation_id, admin_dong_code=case.admin_dong_code, channel=case.channel,
        state=case.state, is_final=case.state in definition.final, data=MappingProxyType(dict(case.data)),
        opened_at=case.opened_at, due_at=case.due_at, closed_at=case.closed_at,
        sla_paused_since=case.sla_paused_at, supplement_due_at=case.supplement_due_at,
        escalated_at=case.escalated_at,
    )


@dataclass(frozen=True)
class _Written:
    """A case as this unit of work wrote it in its open transaction: the row, its parsed workflow, its history."""

    case: Case
    definition: WorkflowDefinition
    history: tuple[HistoryEntry, ...]


def _written_key(case_id: UUID) -> tuple[str, UUID]:
    return ("workflow.case", case_id)


def committed_key(case_id: UUID) -> tuple[str, UUID]:
    """The memo key of a case as the unit of work committed it: (CaseInfo, its history)."""
    return ("workflow.committed", case_id)


def _keep(case: Case, definition: WorkflowDefinition, history: tuple[HistoryEntry, ...]) -> None:
    """Keep the case as just written: for the next step in this transaction, and as committed once it commits.

    The commit hook is dropped with the write if a savepoint around it is rolled back, so
    what is remembered as committed is the last step that did commit.
    """
    if not memo.active():
        return
    memo.remember_uncommitted(_written_key(case.id), _Written(case=case, definition=definition, history=history))
    committed = (case_info(case, definition), history)
    transaction.on_commit(lambda: memo.remember(committed_key(case.id), committed))


def _forget(case_id: UUID) -> None:
    """A change of the case read from the database: what the unit of work kept of it no longer holds."""
    if not memo.active():
        return
    memo.uncommitted(_written_key(case_id), take=True)
    memo.forget(committed_key(case_id))
    transaction.on_commit(lambda: memo.forget(committed_key(case_id)))


def _next_reference(moment: datetime) -> str:
    """``2026-0000123``: the local year and a number counted per year, with no gaps among committed cases."""
    year = moment.astimezone(ZoneInfo(settings.TIME_ZONE)).year
    table, last_, year_ = (connection.ops.quote_name(n) for n in (ReferenceCounter._meta.db_table, "last", "year"))
    # One statement counts and answers (PostgreSQL and SQLite >= 3.35 both return the updated row).
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {last_} = {last_} + 1 WHERE {year_} = %s RETURNING {last_}",  # noqa: S608
                       [year])
        row = cursor.fetchone()
    if row is not None:
        return f"{year}-{row[0]:07d}"
    try:
        with transaction.atomic():
            ReferenceCounter.objects.create(year=year, last=1)
    except IntegrityError:
        ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1)
    last = ReferenceCounter.objects.filter(year=year).values_list("last", flat=True).get()
    return f"{year}-{last:07d}"


def _subject(case: Case) -> str:
    return f"resident:{case.subject_resident_id}" if case.subject_resident_id else f"user:{case.applicant_id}"


def _counts_in_hours(case: Case) -> bool:
    return case.sla_unit == "hours" or (case.sla_value or 0) <= calendar.DAYS_COUNTED_IN_HOURS


@transaction.atomic(savepoint=False)  # within the caller's filing transaction no rollback point of its own is needed
def case_open(
    *,
    definition: Mapping[str, Any] | WorkflowDefinition,
    service_id: str,
    service_version: str,
    applicant_id: UUID,
    organisation_id: UUID | None,
    channel: str,
    data: Mapping[str, Any],
    by: str,
    subject_resident_id: UUID | None = None,
    admin_dong_code: str = "",
    by_label: str = "",
) -> Case:
    """Open a case in its workflow's initial state and start its SLA clock."""
    parsed = definition_parse(definition)
    if channel not in Case.Channel.values:
        raise ValidationError(_("Choose how the application was made: online or at the counter."))
    now = clock.now()
    case = Case(
        reference=_next_reference(now), service_id=service_id, service_version=str(service_version),
        definition=definition_document(parsed), applicant_id=applicant_id, subject_resident_id=subject_resident_id,
        organisation_id=organisation_id, admin_dong_code=admin_dong_code, channel=channel, state=parsed.initial,
        data=dict(data), opened_at=now,
    )
    if parsed.sla:
        case.sla_value, case.sla_unit = parsed.sla.value, parsed.sla.unit
        case.due_at = calendar.due_at(now, parsed.sla.value, parsed.sla.unit)
    if parsed.initial in parsed.final:
        case.closed_at = now
    with state_writes_allowed():
        case.save()
    opened = CaseHistory.objects.create(case=case, kind=CaseHistory.Kind.OPENED, to_state=case.state, actor=by,
                                        at=now, detail={"channel": channel})
    audit_append(action="case.open", actor=by, actor_label=by_label, subject=_subject(case),
                 object_ref=f"case:{case.id}",
                 detail={"reference": case.reference, "service": service_id, "version": case.service_version,
                         "state": case.state, "channel": channel})
    _keep(case, parsed, (selectors.history_entry(opened),))
    return case


def roles_of(case: Case, by: str, asked: Iterable[str] | None) -> frozenset[str]:
    """The roles ``by`` may act in on this case: applicant, system, or the official roles they hold.

    A caller may narrow them (act only as clerk), never widen them: a role the actor
    does not hold is dropped.
    """
    held: set[str] = set()
    kind, _sep, ident = by.partition(":")
    if kind == "system":
        held.add(SYSTEM)
    elif kind == "user" and ident:
        if ident == str(case.applicant_id):
            held.add(APPLICANT)
        try:
            user_id = UUID(ident)
        except ValueError:
            user_id = None
        official = official_info(user_id=user_id) if user_id else None
        if official is not None and _official_covers_case(official.organisation.id, official.jurisdiction,
                                                          official.roles, case):
            held.update(official.roles)
    if asked is not None:
        held &= set(asked)
    return frozenset(held)


def _official_covers_case(organisation_id: UUID, jurisdiction: frozenset[str], roles: frozenset[str],
                          case: Case) -> bool:
    """An official acts on cases of their own office, or of a place within their office's jurisdiction."""
    if "operator" in roles or case.organisation_id is None:
        return True
    if case.organisation_id == organisation_id:
        return True
    return bool(case.admin_dong_code) and case.admin_dong_code in jurisdiction


def _run(path: str, context: TransitionContext) -> Any:
    try:
        function = import_string(path)
    except ImportError as error:
        raise ValueError(f"workflow hook {path!r} cannot be imported") from error
    return function(context)


def case_transition(
    *,
    case_id: UUID,
    transition: str,
    by: str,
    reason: str = "",
    roles: Iterable[str] | None = None,
    payload: Mapping[str, Any] | None = None,
    data_update: Mapping[str, Any] | None = None,
    supplement_deadline: datetime | None = None,
    by_label: str = "",
) -> Case:
    """Take the named transition from the case's current state; the only way to change a case's state.

    In one transaction: lock the case, check that the transition leaves its state and
    that ``by`` holds one of its roles, run its guard, write the state, the SLA clock,
    a history line and an audit entry, then run its effect. A case opened in the same
    transaction by the same unit of work is not read again: its insert holds it (see
    the module's docstring).
    """
    with transaction.atomic():
        # Taken, not just read: if this step fails and its savepoint is rolled back, the next
        # one reads the case as the database has it.
        written: _Written | None = memo.uncommitted(_written_key(case_id), take=True)
        if written is not None:
            case, definition = written.case, written.definition
        else:
            found = Case.objects.select_for_update().filter(id=case_id).first()
            if found is None:
                raise NotFound(_("This case does not exist."))
            case, definition = found, definition_parse(found.definition)
            _forget(case_id)
        step = definition.transition(transition)
        if step is None or case.state not in step.sources:
            raise Conflict(_("This step cannot be taken while the case is in its current state."))
        acting = roles_of(case, by, roles)
        if not acting & step.roles:
            raise PermissionDenied(_("You may not take this step on this case."))
        now = clock.now()
        before = case_info(case, definition)
        context = TransitionContext(
            case=before, transition=step.name, from_state=case.state, to_state=step.target, by=by,
            roles=acting, reason=reason, at=now, payload=MappingProxyType(dict(payload or {})),
        )
        if step.guard and not _run(step.guard, context):
            raise ValidationError(_("This step cannot be taken yet: the conditions for it are not met."))
        from_state = case.state
        _clock_on_transition(case, definition, step.target, now, supplement_deadline)
        if data_update:
            case.data = {**case.data, **data_update}
        case.state = step.target
        # Only what a transition changes: writing the whole row re-encoded the stored workflow
        # definition and the case data on every step (bench-apply profile).
        changed = ["state", "closed_at", "due_at", "sla_paused_at", "sla_paused_seconds", "supplement_due_at",
                   "updated_at", *(["data"] if data_update else [])]
        with state_writes_allowed():
            case.save(update_fields=changed)
        detail: dict[str, Any] = {}
        if case.supplement_due_at and step.target == (definition.supplement.state if definition.supplement else ""):
            detail["supplement_due_at"] = case.supplement_due_at.isoformat()
        line = CaseHistory.objects.create(case=case, kind=CaseHistory.Kind.TRANSITION, transition=step.name,
                                          from_state=from_state, to_state=case.state, actor=by, reason=reason, at=now,
                                          detail=detail)
        audit_append(action="case.transition", actor=by, actor_label=by_label, subject=_subject(case),
                     object_ref=f"case:{case.id}",
                     detail={"reference": case.reference, "transition": step.name, "from": from_state,
                             "to": case.state, **detail})
        if written is not None:
            # Kept before the effect runs: an effect that fails rolls this back with the step.
            _keep(case, definition, (*written.history, selectors.history_entry(line)))
        if step.effect:
            _run(step.effect, replace(context, case=case_info(case, definition)))
    return case


def _clock_on_transition(case: Case, definition: WorkflowDefinition, target: str, now: datetime,
                         supplement_deadline: datetime | None) -> None:
    """Stop the SLA clock on entering the supplement state, start it again on leaving, stop it for good at the end."""
    supplement_state = definition.supplement.state if definition.supplement else None
    if case.sla_paused_at is not None and target != supplement_state:
        if _counts_in_hours(case):
            paused = calendar.working_time_between(case.sla_paused_at, now)
        else:
            paused = calendar.WORKING_DAY * calendar.working_days_between(case.sla_paused_at, now)
        case.sla_paused_seconds += int(paused.total_seconds())
        case.sla_paused_at = None
        case.supplement_due_at = None
        if case.sla_value and case.sla_unit:
            case.due_at = calendar.due_at(case.opened_at, case.sla_value, case.sla_unit,  # type: ignore[arg-type]
                                          paused=timedelta(seconds=case.sla_paused_seconds))
    if definition.supplement and target == supplement_state and case.sla_paused_at is None:
        case.sla_paused_at = now
        deadline = definition.supplement.deadline
        if supplement_deadline is not None and supplement_deadline <= now:
            raise ValidationError(_("The deadline for the supplement must be in the future."))
        chosen = supplement_deadline or calendar.due_at(now, deadline.value, deadline.unit)
        case.supplement_due_at = chosen.astimezone(UTC)
    if target in definition.final:
        case.closed_at = now


@transaction.atomic
def case_escalate(*, case_id: UUID, now: datetime) -> bool:
    """Mark one overdue case escalated: a history line and an audit entry, a state change only if defined.

    Returns False when the case no longer needs it (closed, paused, answered, already
    escalated), so the job may run again safely.
    """
    case = Case.objects.select_for_update().filter(id=case_id).first()
    if case is None or case.closed_at or case.sla_paused_at or case.escalated_at or not case.due_at:
        return False
    if case.due_at >= now:
        return False
    _forget(case.id)
    case.escalated_at = now
    case.save(update_fields=["escalated_at"])
    overdue_by = calendar.working_time_between(case.due_at, now)
    CaseHistory.objects.create(case=case, kind=CaseHistory.Kind.ESCALATION, from_state=case.state,
                               to_state=case.state, actor=SYSTEM_ACTOR, at=now,
                               detail={"due_at": case.due_at.isoformat(),
                                       "overdue_working_minutes": int(overdue_by.total_seconds() // 60)})
    audit_append(action="case.escalate", actor=SYSTEM_ACTOR, subject=_subject(case), object_ref=f"case:{case.id}",
                 detail={"reference": case.reference, "state": case.state, "due_at": case.due_at.isoformat()})
    definition = definition_parse(case.definition)
    step = definition.transition(definition.escalation_transition) if definition.escalation_transition else None
    if step is not None and case.state in step.sources:
        case_transition(case_id=case.id, transition=step.name, by=SYSTEM_ACTOR, reason="overdue")
    return True


def cases_check_deadlines(*, now: datetime | None = None) -> dict[str, int]:
    """Escalate every overdue case and end every case whose supplement deadline passed unanswered.

    Each case is handled in its own transaction: one failing effect does not hold back
    the others; the failure is logged and raised at the end so the task is retried.
    """
    now = now or clock.now()
    counts = {"escalated": 0, "supplements_expired": 0, "failed": 0}
    overdue = Case.objects.filter(closed_at__isnull=True, sla_paused_at__isnull=True, escalated_at__isnull=True,
                                  due_at__lt=now).values_list("id", flat=True)
    for case_id in list(overdue):
        try:
            counts["escalated"] += case_escalate(case_id=case_id, now=now)
        except Exception:
            logger.exception("escalating case %s failed", case_id)
            counts["failed"] += 1
    expired = Case.objects.filter(closed_at__isnull=True, supplement_due_at__lt=now).values_list("id", "definition")
    for case_id, document in list(expired):
        supplement = definition_parse(document).supplement
        if supplement is None:
            continue
        try:
            case_transition(case_id=case_id, transition=supplement.expired, by=SYSTEM_ACTOR,
                            reason="supplement deadline passed")
            counts["supplements_expired"] += 1
        except Conflict:
            continue  # answered in the meantime
        except Exception:
            logger.exception("expiring the supplement of case %s failed", case_id)
            counts["failed"] += 1
    if counts["failed"]:
        raise RuntimeError(f"{counts['failed']} case deadlines could not be processed; see the log")
    return counts

"""Cases, their history and the yearly counter of reference numbers.

A case's ``state`` changes only inside ``case_transition`` (rule 3). The model makes
that hard to get wrong, not only documented: ``Case.save``, the queryset's ``update``
and ``bulk_update`` refuse to write ``state`` unless they run inside the engine's own
``state_writes_allowed()`` block, which only ``egov.workflow.services`` opens. An
architecture test (``tests/test_state_is_written_only_by_transitions.py``) keeps the
source honest as well. ADR 0070 explains why both.
"""

from __future__ import annotations

import contextvars
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from egov.core import clock
from egov.core.models.base import BaseModel

_state_writes_allowed: contextvars.ContextVar[bool] = contextvars.ContextVar("workflow_state_writes", default=False)


class StateWriteRefused(RuntimeError):
    """A programming error: something other than ``case_transition`` tried to change a case's state."""


@contextmanager
def state_writes_allowed() -> Iterator[None]:
    """Open the one door through which a case's state is written (used by the engine's services only)."""
    token = _state_writes_allowed.set(True)
    try:
        yield
    finally:
        _state_writes_allowed.reset(token)


def _refuse_state_write() -> None:
    if not _state_writes_allowed.get():
        raise StateWriteRefused(
            "a case's state changes only through egov.workflow.public.case_transition (ARCHITECTURE.md rule 3)"
        )


class CaseQuerySet(models.QuerySet["Case"]):
    def update(self, **kwargs: Any) -> int:
        if "state" in kwargs:
            _refuse_state_write()
        return super().update(**kwargs)

    def bulk_update(self, objs: Iterable[Case], fields: Iterable[str], batch_size: int | None = None) -> int:
        fields = list(fields)
        if "state" in fields:
            _refuse_state_write()
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def bulk_create(self, objs: Iterable[Case], *args: Any, **kwargs: Any) -> list[Case]:
        _refuse_state_write()
        return super().bulk_create(objs, *args, **kwargs)


class Case(BaseModel):
    """One application (or any other matter) moving through the states of its service's workflow."""

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        COUNTER = "counter", _("At the counter")

    reference = models.CharField(_("reference number"), max_length=20, unique=True)
    service_id = models.CharField(_("service"), max_length=100, db_index=True)
    service_version = models.CharField(_("service version"), max_length=40)
    # The workflow section of the service definition as the case started under it:
    # a later version of the service never changes the rules of a running case.
    definition = models.JSONField(_("workflow definition"))
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases")
    subject_resident_id = models.UUIDField(_("subject resident"), null=True, blank=True, db_index=True)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="cases",
                                     null=True, blank=True)
    # The administrative dong of the applicant's address, which decided the competent office.
    admin_dong_code = models.CharField(_("administrative dong"), max_length=10, blank=True, db_index=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=60)
    data = models.JSONField(_("data"), default=dict, blank=True)

    opened_at = models.DateTimeField(_("opened"), default=clock.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # SLA clock: the period, when it ends, and the working time it stood still.
    sla_value = models.PositiveIntegerField(null=True, blank=True)
    sla_unit = models.CharField(max_length=10, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    sla_paused_at = models.DateTimeField(_("clock stopped since"), null=True, blank=True)
    sla_paused_seconds = models.PositiveIntegerField(default=0)
    supplement_due_at = models.DateTimeField(_("supplement due"), null=True, blank=True, db_index=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    objects = CaseQuerySet.as_manager()
    _loaded_state: str | None = None

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [models.Index(fields=["organisation", "state", "due_at"], name="workflow_case_queue")]

    def __str__(self) -> str:
        return self.reference

    @classmethod
    def from_db(cls, db: str | None, field_names: Collection[str], values: Collection[Any]) -> Case:
        instance = super().from_db(db, field_names, values)
        # The state as read, to tell a real change of it from a save of other fields.
        instance._loaded_state = instance.__dict__.get("state")
        return instance

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        self._loaded_state = self.__dict__.get("state")

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        writes_state = update_fields is None or "state" in update_fields
        if writes_state and (self._state.adding or self.state != self._loaded_state):
            _refuse_state_write()
        super().save(*args, **kwargs)
        self._loaded_state = self.state

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CaseHistory(models.Model):
    """One line of a case's history: a transition, an escalation or an expired deadline."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        TRANSITION = "transition", _("Transition")
        ESCALATION = "escalation", _("Escalated: past its deadline")

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    transition = models.CharField(_("transition"), max_length=60, blank=True)
    from_state = models.CharField(_("from"), max_length=60, blank=True)
    to_state = models.CharField(_("to"), max_length=60)
    actor = models.CharField(_("actor"), max_length=120)
    reason = models.TextField(_("reason"), blank=True)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("at"), default=clock.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case history entry")
        verbose_name_plural = _("case history")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_state} -> {self.to_state}"


class ReferenceCounter(models.Model):
    """The last reference number given in a year (row-locked while a case opens)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"

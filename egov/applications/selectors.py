"""Reads: an applicant's applications (My Gov), an office's queue, one application with its case and history."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from egov.accounts.public import OfficialInfo
from egov.applications import definitions
from egov.applications.models import Application, ApplicationOffice, OfficeRole
from egov.catalogue.public import ServiceDefinition, service_definition
from egov.core.errors import NotFound
from egov.finance import public as finance
from egov.workflow import public as workflow


@dataclass(frozen=True)
class Step:
    kind: str
    transition: str
    label: str
    state_label: str
    actor: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class ApplicationView:
    id: UUID
    case_id: UUID
    reference: str
    service_id: str
    service_name: str
    channel: str
    state: str
    state_label: str
    is_final: bool
    submitted_at: datetime
    due_at: datetime | None
    closed_at: datetime | None
    supplement_due_at: datetime | None
    supplement_request: str
    decision_reason: str
    form: dict[str, Any]
    fee_amount: int
    fee_currency: str
    fee_exemption: str
    receipt_number: str
    organisation_id: UUID | None
    admin_dong_code: str
    is_overdue: bool
    effects_pending: tuple[dict[str, Any], ...]
    history: tuple[Step, ...] = ()
    # A member of a bundle submission: the bundle's id and name, and the group its members share.
    bundle_id: str = ""
    bundle_version: int = 0
    bundle_name: str = ""
    bundle_group: str = ""


@dataclass(frozen=True)
class BundleView:
    """The applications one bundle submission filed, one per member service."""

    group: str
    service_id: str
    name: str
    submitted_at: datetime
    applications: tuple[ApplicationView, ...]

    @property
    def is_final(self) -> bool:
        return all(item.is_final for item in self.applications)


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE)[:2]


def _definition(application: Application, cache: dict[tuple[str, int], ServiceDefinition]) -> ServiceDefinition:
    return _stored(application.service_id, application.service_version, cache)


def _stored(service_id: str, version: int, cache: dict[tuple[str, int], ServiceDefinition]) -> ServiceDefinition:
    key = (service_id, version)
    if key not in cache:
        cache[key] = service_definition(service_id, version)
    return cache[key]


def view(application: Application, case: workflow.CaseInfo | None = None, *, with_history: bool = False,
         cache: dict[tuple[str, int], ServiceDefinition] | None = None) -> ApplicationView:
    cache = {} if cache is None else cache
    definition = _definition(application, cache)
    case = case or workflow.case_get(case_id=application.case_id)
    if case is None:
        raise NotFound("case")
    language = _language()
    history: tuple[Step, ...] = ()
    if with_history:
        history = tuple(
            Step(kind=h.kind, transition=h.transition,
                 label=definitions.transition_label(definition, h.transition, language) or h.kind_label,
                 state_label=definitions.state_label(definition, h.to_state, language), actor=h.actor,
                 reason=h.reason, at=h.at)
            for h in workflow.case_history(case_id=case.id)
        )
    receipt = finance.receipt(payment_id=application.payment_id) if application.payment_id else None
    decision = case.data.get("decision") or {}
    bundle = case.data.get("bundle") or {}
    bundle_name = (_stored(str(bundle["id"]), int(bundle["version"]), cache).name.get(language)
                   if bundle.get("id") else "")
    return ApplicationView(
        id=application.id, case_id=case.id, reference=case.reference, service_id=application.service_id,
        service_name=definition.name.get(language), channel=case.channel, state=case.state,
        state_label=definitions.state_label(definition, case.state, language), is_final=case.is_final,
        submitted_at=application.submitted_at, due_at=case.due_at, closed_at=case.closed_at,
        supplement_due_at=case.supplement_due_at, supplement_request=str(case.data.get("supplement_request") or ""),
        decision_reason=str(decision.get("reason") or ""), form=dict(application.form),
        fee_amount=application.fee_amount, fee_currency=application.fee_currency,
        fee_exemption=application.fee_exemption, receipt_number=receipt.number if receipt else "",
        organisation_id=case.organisation_id, admin_dong_code=case.admin_dong_code, is_overdue=case.is_overdue,
        effects_pending=tuple(application.effects_pending), history=history,
        bundle_id=str(bundle.get("id") or ""), bundle_version=int(bundle.get("version") or 0), bundle_name=bundle_name,
        bundle_group=str(bundle.get("group") or ""),
    )


def applications_of(*, applicant_id: UUID, limit: int = 100) -> list[ApplicationView]:
    """An applicant's applications, the newest first."""
    rows = list(Application.objects.filter(applicant_id=applicant_id).order_by("-submitted_at")[:limit])
    cases = {c.id: c for c in workflow.cases_for_applicant(applicant_id=applicant_id, limit=limit)}
    cache: dict[tuple[str, int], ServiceDefinition] = {}
    return [view(a, cases.get(a.case_id), cache=cache) for a in rows]


def grouped(items: list[ApplicationView]) -> list[ApplicationView | BundleView]:
    """The applications as the applicant reads them: a bundle's members together, where the first of them stands."""
    result: list[ApplicationView | BundleView] = []
    members: dict[str, list[ApplicationView]] = {}
    for item in items:
        if not item.bundle_group:
            result.append(item)
            continue
        if item.bundle_group not in members:
            members[item.bundle_group] = []
            result.append(item)  # replaced by the bundle below
        members[item.bundle_group].append(item)
    return [_bundle(members[entry.bundle_group]) if isinstance(entry, ApplicationView) and entry.bundle_group
            else entry for entry in result]


def _bundle(items: list[ApplicationView]) -> BundleView:
    ordered = sorted(items, key=lambda item: (item.submitted_at, item.reference))
    first = ordered[0]
    return BundleView(group=first.bundle_group, service_id=first.bundle_id, name=first.bundle_name,
                      submitted_at=first.submitted_at, applications=tuple(ordered))


def bundle_of(*, applicant_id: UUID, group: str) -> BundleView:
    """One of the applicant's bundle submissions; another's answers as if it did not exist."""
    prefix = f"{definitions.BUNDLE_KEY_PREFIX}{group}:"
    rows = (list(Application.objects.filter(applicant_id=applicant_id, idempotency_key__range=(prefix, prefix + "~")))
            if re.fullmatch(r"[0-9a-f]{40}", group) else [])
    if not rows:
        raise NotFound(_("There is no such application among yours."))
    return bundle_view(rows)


def bundle_view(applications: list[Application]) -> BundleView:
    """One bundle submission with each member's case and history (the result page)."""
    cache: dict[tuple[str, int], ServiceDefinition] = {}
    return _bundle([view(a, with_history=True, cache=cache) for a in applications])


def queue_for(*, official: OfficialInfo, overdue_only: bool = False, limit: int = 200) -> list[ApplicationView]:
    """The open cases of the official's office, the earliest due first."""
    cases = workflow.cases_for_queue(organisation_id=official.organisation.id, overdue_only=overdue_only, limit=limit)
    by_case = {a.case_id: a for a in Application.objects.filter(case_id__in=[c.id for c in cases])}
    cache: dict[tuple[str, int], ServiceDefinition] = {}
    return [view(by_case[c.id], c, cache=cache) for c in cases if c.id in by_case]


def informed_of(*, official: OfficialInfo, limit: int = 100) -> list[ApplicationView]:
    """Applications another office decides that this office is told about (the old dong of a move-in report)."""
    ids = (ApplicationOffice.objects.filter(organisation_id=official.organisation.id, role=OfficeRole.INFORMED)
           .order_by("-application__submitted_at").values_list("application_id", flat=True)[:limit])
    cache: dict[tuple[str, int], ServiceDefinition] = {}
    return [view(a, cache=cache) for a in Application.objects.filter(id__in=list(ids)).order_by("-submitted_at")]


def application_offices(*, application: Application) -> dict[UUID, str]:
    return dict(ApplicationOffice.objects.filter(application=application).values_list("organisation_id", "role"))


def bundle_rows(*, applicant_id: Any, group: str) -> QuerySet[Application]:
    """The applications one bundle submission filed (their keys share the group's prefix; a range uses the index)."""
    prefix = f"{definitions.BUNDLE_KEY_PREFIX}{group}:"
    return Application.objects.filter(applicant_id=applicant_id, idempotency_key__range=(prefix, prefix + "~"))

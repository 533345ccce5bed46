"""API shapes of civil applications."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Schema
from pydantic import Field


class QuestionOut(Schema):
    """One question of a service's form, as the apply page asks it."""

    name: str
    type: str = Field(description="text, number, date, choice, boolean, address or file")
    label: str
    help: str
    required: bool
    conditional: bool = Field(description="Asked only when the definition's show_if holds")
    choices: list[tuple[str, str]] = Field(default_factory=list, description="(value, label) for a choice")


class EvidenceOut(Schema):
    product: str
    name: str
    needs_consent: bool
    basis: str = Field(description="The article that dispenses with consent, when one does")


class FormOut(Schema):
    service_id: str
    version: int
    name: str
    kind: str = Field("service", description="service, or bundle: one form filed as one application per member")
    members: list[str] = Field(default_factory=list, description="A bundle's member services (their ids)")
    given_later: list[str] = Field(
        default_factory=list,
        description="A bundle's questions that are not asked because another member answers them when approved "
                    "(each with why, in the request's language): the child's number a birth report gives")
    fee: int
    fee_currency: str
    questions: list[QuestionOut]
    evidence: list[EvidenceOut]


class SubmitIn(Schema):
    service_id: str = Field(max_length=100)
    data: dict[str, Any] = Field(description="The answers by field name; an address as an object of its parts")
    idempotency_key: str = Field(min_length=1, max_length=200,
                                 description="A retry with the same key returns the same application")
    consent: bool = Field(False, description="The applicant agrees that the office reads the evidence needing consent")


class CounterIn(SubmitIn):
    visitor_username: str = Field(min_length=1, max_length=150, description="The walk-in visitor's user name")


class StepOut(Schema):
    kind: str
    transition: str
    label: str
    state_label: str
    reason: str
    at: datetime


class ApplicationOut(Schema):
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
    fee_amount: int
    fee_currency: str
    receipt_number: str
    history: list[StepOut] = Field(default_factory=list)
    bundle_id: str = Field("", description="The bundle this application was filed with, if any")
    bundle_name: str = ""
    bundle_group: str = Field("", description="Shared by the applications of one bundle submission")


class CaseOut(ApplicationOut):
    """A case as an official sees it: the answers, the registry changes still to make, the steps they may take."""

    form: dict[str, Any]
    is_overdue: bool
    effects_pending: list[dict[str, Any]]
    decides: bool
    actions: list[str]


class SupplementIn(Schema):
    answer: str = Field(min_length=1, max_length=4000)


class ActIn(Schema):
    reason: str = Field("", max_length=2000)
    supplement_deadline: datetime | None = Field(None, description="When asking for a supplement; else the service's")


class BundleOut(Schema):
    """One bundle submission: an application (and case) for each member service."""

    group: str = Field(description="Identifies the submission: GET /applications/bundles/{group}")
    service_id: str
    name: str
    submitted_at: datetime
    applications: list[ApplicationOut]


class CounterBundleOut(Schema):
    """A bundle filed at the counter: the case of each member service, as the clerk sees it."""

    group: str
    service_id: str
    name: str
    submitted_at: datetime
    cases: list[CaseOut]


class AdminDongOut(Schema):
    code: str
    name: str


class PlaceOut(Schema):
    """A legal dong found by name, to fill an address: its codes, where it lies, the administrative dongs serving it."""

    legal_dong_code: str
    name: str
    name_en: str = Field(description="The name in the Revised Romanization")
    full_name: str
    sido: str
    sigungu: str
    admin_dongs: list[AdminDongOut]

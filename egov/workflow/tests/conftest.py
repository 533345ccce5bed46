"""A small review workflow, as the catalogue would hand it over, and helpers to open cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from egov.workflow.public import CaseInfo, case_open

REVIEW: dict[str, Any] = {
    "states": ["submitted", "under_review", "awaiting_supplement", "approved", "rejected", "lapsed", "escalated"],
    "initial": "submitted",
    "final": ["approved", "rejected", "lapsed"],
    "transitions": [
        {"name": "claim", "from": "submitted", "to": "under_review", "roles": ["clerk"]},
        {"name": "request_supplement", "from": "under_review", "to": "awaiting_supplement", "roles": ["clerk"]},
        {"name": "supplement", "from": "awaiting_supplement", "to": "under_review", "roles": ["applicant"]},
        {"name": "supplement_expired", "from": "awaiting_supplement", "to": "lapsed", "roles": ["system"]},
        {"name": "approve", "from": ["under_review", "escalated"], "to": "approved", "roles": ["clerk", "reviewer"],
         "guard": "egov.workflow.tests.hooks.has_documents", "effect": "egov.workflow.tests.hooks.remember"},
        {"name": "reject", "from": ["submitted", "under_review"], "to": "rejected", "roles": ["clerk"]},
        {"name": "withdraw", "from": ["submitted", "under_review", "awaiting_supplement"], "to": "rejected",
         "roles": ["applicant"]},
    ],
    "sla": {"value": 3, "unit": "days"},
    "supplement": {"state": "awaiting_supplement", "deadline": {"value": 7, "unit": "days"},
                   "expired": "supplement_expired"},
}


@pytest.fixture
def open_case(alice: Any, clerk: Any) -> Callable[..., CaseInfo]:
    """Open a case of Alice's at Clerk's dong office (청운효자동), with the review workflow unless told."""

    def make(definition: dict[str, Any] | None = None, **changes: Any) -> CaseInfo:
        arguments: dict[str, Any] = {
            "definition": definition or REVIEW, "service_id": "move-in-report", "service_version": "1",
            "applicant_id": alice.id, "organisation_id": clerk.official.organisation.id, "channel": "online",
            "data": {"documents": ["lease"]}, "by": f"user:{alice.id}", "admin_dong_code": "1101072",
        }
        arguments.update(changes)
        return case_open(**arguments)

    return make

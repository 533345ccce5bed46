"""applications: civil applications (minwon) — the interface other apps use (ids in, frozen dataclasses out).

Citizens apply online (``/applications/apply/<service>/``) or a clerk files for a
walk-in visitor at the counter; submissions carry an idempotency key (rule 8). The
portal's My Gov lists a person's applications with :func:`applications_of` (the page
``/applications/mine/`` shows them in full); the back office works them from
``/back-office/cases/``. ``docs/applications.md`` explains the flow.
"""

from __future__ import annotations

from uuid import UUID

from egov.applications import selectors
from egov.applications.selectors import ApplicationView, Step

__all__ = ["ApplicationView", "Step", "applications_of"]


def applications_of(*, applicant_id: UUID, limit: int = 20) -> list[ApplicationView]:
    """A person's applications with their state, the newest first (for My Gov)."""
    return selectors.applications_of(applicant_id=applicant_id, limit=limit)

"""Background tasks of the notifications app, run by ``egov worker``."""

from __future__ import annotations

from uuid import UUID

from egov.core.tasks import TaskContext, background_task, is_final_attempt


@background_task(max_attempts=5, backoff_seconds=30, max_backoff_seconds=3600, takes_context=True)
def delivery_run(context: TaskContext, delivery_id: str) -> None:
    """Attempt one delivery; retried with backoff, marked failed on the last attempt (ADR 0043)."""
    from egov.notifications.services import delivery_attempt

    delivery_attempt(delivery_id=UUID(delivery_id), attempt=context.attempt, final=is_final_attempt(context))

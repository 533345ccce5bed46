"""Background tasks of the notifications app, run by ``egov worker``."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from egov.core.tasks import TaskContext, background_task, is_final_attempt


@background_task(max_attempts=5, backoff_seconds=30, max_backoff_seconds=3600, takes_context=True)
def delivery_run(context: TaskContext, delivery_id: str) -> None:
    """Attempt one delivery; retried with backoff, marked failed on the last attempt (ADR 0043, 0091)."""
    from egov.notifications.services import delivery_attempt

    delivery_attempt(delivery_id=UUID(delivery_id), attempt=context.attempt, final=is_final_attempt(context))


def notices_daily(*, run_date: date) -> None:
    """The daily job of proactive notices (registered in ``NotificationsConfig.ready``; ADR 0093)."""
    from egov.notifications.notices import notices_evaluate

    notices_evaluate(run_date=run_date)

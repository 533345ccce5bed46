"""Defining background tasks: retries with backoff, and effects made once (ADR 0040, 0041).

An app defines a task in its ``tasks.py`` with :func:`background_task` instead of
django-tasks' bare ``@task``::

    @background_task(max_attempts=5, backoff_seconds=30)
    def delivery_attempt(delivery_id: str) -> None: ...

    delivery_attempt.enqueue(str(delivery.id))   # inside the sender's transaction

``egov worker`` runs it; when it raises, the worker puts it back in the queue after
``backoff_seconds``, doubling each time (capped at ``max_backoff_seconds``, with a
little jitter so that many failures do not come back at the same instant), until
``max_attempts`` runs have failed; then the task is marked failed. Raising
:class:`PermanentFailure` fails it at once (retrying cannot help bad input).

Every task may run more than once: a retry after a failure, or the reaper re-queuing
the task of a killed worker. A task therefore makes its effects idempotent, either by
a unique key on what it writes, or with :func:`effect_once` around writes that have no
natural key. Arguments must be JSON (ids as strings, dates as ISO strings).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from django.db import transaction
from django_tasks import DEFAULT_TASK_QUEUE_NAME, TaskContext, task
from django_tasks.base import DEFAULT_TASK_PRIORITY, Task

F = TypeVar("F", bound=Callable[..., Any])

RETRY_ATTRIBUTE = "egov_retry_policy"


class PermanentFailure(Exception):
    """Raised by a task whose failure a retry cannot cure (bad input, a record gone): no retry."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often a task may run before it is marked failed, and how long to wait between runs."""

    max_attempts: int = 1
    backoff_seconds: float = 10.0
    max_backoff_seconds: float = 3600.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.backoff_seconds < 0 or self.max_backoff_seconds < 0:
            raise ValueError("backoff must not be negative")

    def allows_another_attempt(self, attempts_made: int) -> bool:
        return attempts_made < self.max_attempts

    def delay_after(self, attempts_made: int) -> timedelta:
        """The wait before the next attempt: backoff, doubled per failed attempt, capped, plus up to 10 % jitter."""
        exponent = max(attempts_made - 1, 0)
        base = min(self.backoff_seconds * (2**exponent), self.max_backoff_seconds)
        return timedelta(seconds=base * (1 + random.random() / 10))


NO_RETRY = RetryPolicy()


def background_task(
    *,
    max_attempts: int = 1,
    backoff_seconds: float = 10.0,
    max_backoff_seconds: float = 3600.0,
    priority: int = DEFAULT_TASK_PRIORITY,
    queue_name: str = DEFAULT_TASK_QUEUE_NAME,
    takes_context: bool = False,
) -> Callable[[Callable[..., Any]], Task[Any, Any]]:
    """Declare a background task; ``max_attempts`` > 1 opts it into retries with exponential backoff.

    With ``takes_context=True`` the function receives a ``TaskContext`` first; pair it
    with :func:`is_final_attempt` to record a final failure where the task's own
    records can show it (a delivery marked failed, say).
    """
    policy = RetryPolicy(max_attempts, backoff_seconds, max_backoff_seconds)

    def declare(function: Callable[..., Any]) -> Task[Any, Any]:
        setattr(function, RETRY_ATTRIBUTE, policy)
        return task(priority=priority, queue_name=queue_name, takes_context=takes_context)(function)  # type: ignore[call-overload, no-any-return]

    return declare


def retry_policy(declared: Task[Any, Any]) -> RetryPolicy:
    """The retry policy of a task (no retry for tasks declared with django-tasks' bare ``@task``)."""
    found = getattr(declared.func, RETRY_ATTRIBUTE, None)
    return found if isinstance(found, RetryPolicy) else NO_RETRY


def is_final_attempt(context: TaskContext) -> bool:
    """True when this run is the last the task's retry policy allows."""
    policy = retry_policy(context.task_result.task)
    return not policy.allows_another_attempt(context.attempt)


@contextmanager
def effect_once(key: str) -> Iterator[bool]:
    """Make the effect inside the block at most once per ``key``; yields whether to make it now.

    The key is recorded in the same transaction as the block's writes, so either both
    commit or neither does: a task that crashes inside the block will make the effect
    when it runs again, and a task that runs again after the block committed skips it::

        with effect_once(f"fees:refund:{payment_id}") as first:
            if first:
                ledger_post(...)

    Only database writes inside the block are covered; an effect outside the database
    (a file, an e-mail) should be written so that doing it twice is harmless (a file
    under a name derived from the key, an e-mail with a stable Message-ID).
    """
    from egov.core.models.worker import TaskEffect

    with transaction.atomic():
        _effect, created = TaskEffect.objects.get_or_create(key=key)
        yield created


__all__ = [
    "NO_RETRY",
    "PermanentFailure",
    "RetryPolicy",
    "Task",
    "TaskContext",
    "background_task",
    "effect_once",
    "is_final_attempt",
    "retry_policy",
]

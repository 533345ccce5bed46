"""Publish/subscribe between apps, dispatched when the transaction commits.

Business reactions (notify the applicant when a case is decided, count a verification)
must not run for a write that is rolled back, and must not be Django signals, which
fire inside the transaction and hide control flow. A subscriber is registered by
dotted path in an app's ``ready()`` so that the publisher never imports it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger("egov.events")

Handler = Callable[["Event"], None]
_subscribers: dict[str, list[str | Handler]] = defaultdict(list)


@dataclass(frozen=True)
class Event:
    name: str
    payload: dict[str, Any] = field(default_factory=dict)


def subscribe(name: str, handler: str | Handler) -> None:
    """Register a handler (a callable or its dotted path) for events called ``name``."""
    if handler not in _subscribers[name]:
        _subscribers[name].append(handler)


def unsubscribe(name: str, handler: str | Handler) -> None:
    if handler in _subscribers[name]:
        _subscribers[name].remove(handler)


def publish(name: str, **payload: Any) -> None:
    """Deliver the event to its subscribers after the current transaction commits.

    Outside a transaction it is delivered at once. A failing subscriber is logged and
    does not stop the others: the write it reacts to has already committed.
    """
    event = Event(name, dict(payload))
    transaction.on_commit(lambda: _dispatch(event), robust=True)


def _dispatch(event: Event) -> None:
    for handler in list(_subscribers.get(event.name, [])):
        function = import_string(handler) if isinstance(handler, str) else handler
        try:
            function(event)
        except Exception:
            logger.exception("subscriber %s failed on %s", handler, event.name)

"""A memo of look-ups for the length of one unit of work: one application filed, one answer written.

Filing one application looked the same things up again and again: the service
definition's version five times, the organisation three times, the exchange pack's
freshness token twice per gate read (bench-apply profile, ADR 0135). Each look-up
belongs to a different app, behind its ``public.py``, so no caller can hand the
answer to the next one. Inside :func:`scope`, :func:`remembered` keeps each answer
under its key until the scope ends; outside any scope it simply loads, so code that
uses it behaves as before wherever nobody opened one.

Only what does not change while the unit of work runs belongs here: a stored version
of a definition, an organisation's name and kind, the pack's token. A write of such a
thing inside a scope calls :func:`forget` for its keys. The memo lives in a
``ContextVar``, so each thread (and each asyncio task) has its own, and nothing is
kept across requests.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

_T = TypeVar("_T")

_current: ContextVar[dict[Hashable, Any] | None] = ContextVar("egov_memo", default=None)


@contextmanager
def scope() -> Iterator[None]:
    """Remember look-ups until the block ends; a scope inside another shares the outer one."""
    if _current.get() is not None:
        yield
        return
    token = _current.set({})
    try:
        yield
    finally:
        _current.reset(token)


def remembered(key: Hashable, load: Callable[[], _T]) -> _T:
    """``load()``'s answer, kept under ``key`` for the rest of the scope (loaded every time outside one)."""
    memo = _current.get()
    if memo is None:
        return load()
    if key in memo:
        return memo[key]  # type: ignore[no-any-return]
    value = load()
    memo[key] = value
    return value


def remember(key: Hashable, value: Any) -> None:
    """Keep ``value`` under ``key`` too (the same thing found by another key), when a scope is open."""
    memo = _current.get()
    if memo is not None:
        memo[key] = value


def forget(*keys: Hashable) -> None:
    """Drop what is kept under ``keys`` (a write of the thing they name)."""
    memo = _current.get()
    if memo is not None:
        for key in keys:
            memo.pop(key, None)


def active() -> bool:
    """Whether a scope is open (for callers that would otherwise not bother to build a key)."""
    return _current.get() is not None

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

A unit of work may also keep what it wrote itself in its open transaction, for its
own later steps (:func:`remember_uncommitted`, :func:`uncommitted`): a case it opened
there is locked by its own insert, so its next step needs no read under a lock. Such a
value is good only while that transaction is open and the write is not rolled back, and
that is checked on every use, not assumed (ADR 0147).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections

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


def recall(key: Hashable) -> Any:
    """What is kept under ``key`` in the open scope, or None (nothing is loaded)."""
    memo = _current.get()
    return None if memo is None else memo.get(key)


def forget(*keys: Hashable) -> None:
    """Drop what is kept under ``keys`` (a write of the thing they name)."""
    memo = _current.get()
    if memo is not None:
        for key in keys:
            memo.pop(key, None)


def active() -> bool:
    """Whether a scope is open (for callers that would otherwise not bother to build a key)."""
    return _current.get() is not None


class _Pending:
    """The mark of a value written in an open transaction: registered as its commit hook, it forgets the value then.

    Django drops the hooks registered inside a savepoint that is rolled back, and all of
    them when the transaction is, so the mark is among the connection's pending hooks
    exactly as long as the write it marks is part of the open transaction.
    """

    __slots__ = ("key",)

    def __init__(self, key: Hashable) -> None:
        self.key = key

    def __call__(self) -> None:
        forget(self.key)


def remember_uncommitted(key: Hashable, value: Any, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Keep ``value``, which this unit of work has just written in its open transaction, under ``key``.

    :func:`uncommitted` answers it while that transaction is open and the write is not
    rolled back (to a savepoint around it, or altogether); at the commit it is forgotten,
    since from then on anybody may change the row. Nothing is kept outside a scope or a
    transaction.
    """
    memo = _current.get()
    db = connections[using]
    if memo is None or not db.in_atomic_block:
        return
    mark = _Pending(("uncommitted", key))
    db.on_commit(mark)
    memo[("uncommitted", key)] = (mark, value)


def uncommitted(key: Hashable, *, using: str = DEFAULT_DB_ALIAS, take: bool = False) -> Any:
    """What :func:`remember_uncommitted` kept under ``key``, if its write still stands in the open transaction; else None.

    ``take`` removes it as well: a caller that changes the value keeps it again once its
    own change has succeeded, so that a change undone halfway is never seen.
    """
    memo = _current.get()
    if memo is None:
        return None
    entry = memo.get(("uncommitted", key))
    if entry is None:
        return None
    mark, value = entry
    db = connections[using]
    # Django keeps (savepoint ids, callback, robust) per pending hook; its stubs say otherwise.
    pending: list[tuple[Any, Any, Any]] = getattr(db, "run_on_commit", [])
    standing = db.in_atomic_block and any(hook[1] is mark for hook in pending)
    if take or not standing:
        memo.pop(("uncommitted", key), None)
    return value if standing else None

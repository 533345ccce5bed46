"""The memo of look-ups for one unit of work (ADR 0135): kept inside a scope, never outside one."""

from __future__ import annotations

import threading
from collections.abc import Callable

from egov.core import memo


def _counter() -> tuple[list[int], Callable[[], int]]:
    calls: list[int] = []

    def load() -> int:
        calls.append(1)
        return len(calls)

    return calls, load


def test_a_look_up_is_made_once_within_a_scope() -> None:
    calls, load = _counter()
    with memo.scope():
        assert memo.remembered("k", load) == 1
        assert memo.remembered("k", load) == 1
    assert len(calls) == 1


def test_outside_a_scope_every_look_up_is_made() -> None:
    calls, load = _counter()
    memo.remembered("k", load)
    memo.remembered("k", load)
    assert len(calls) == 2


def test_nothing_is_kept_after_the_scope_ends() -> None:
    calls, load = _counter()
    with memo.scope():
        memo.remembered("k", load)
    with memo.scope():
        memo.remembered("k", load)
    assert len(calls) == 2


def test_an_inner_scope_shares_the_outer_one() -> None:
    calls, load = _counter()
    with memo.scope():
        memo.remembered("k", load)
        with memo.scope():
            memo.remembered("k", load)
        memo.remembered("k", load)
    assert len(calls) == 1


def test_a_forgotten_key_is_looked_up_again() -> None:
    calls, load = _counter()
    with memo.scope():
        memo.remembered("k", load)
        memo.forget("k")
        assert memo.remembered("k", load) == 2


def test_each_thread_has_its_own_memo() -> None:
    seen: list[bool] = []
    with memo.scope():
        memo.remember("k", "mine")
        thread = threading.Thread(target=lambda: seen.append(memo.active()))
        thread.start()
        thread.join()
    assert seen == [False]

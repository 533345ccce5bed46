"""The memo of look-ups for one unit of work (ADR 0135): kept inside a scope, never outside one."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

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


# --- what a unit of work wrote in its open transaction (ADR 0147) -------------------------------


@pytest.mark.django_db
def test_what_was_written_in_the_open_transaction_is_answered_until_the_commit(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with memo.scope():
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            memo.remember_uncommitted("case", "as written")
            assert memo.uncommitted("case") == "as written"
        assert memo.uncommitted("case") is None, "once committed, anybody may change it"


@pytest.mark.django_db
def test_what_was_written_in_an_undone_savepoint_is_not_answered() -> None:
    with memo.scope(), transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            memo.remember_uncommitted("case", "as written")
            raise RuntimeError("undone")
        assert memo.uncommitted("case") is None


@pytest.mark.django_db
def test_a_value_taken_is_answered_once() -> None:
    with memo.scope(), transaction.atomic():
        memo.remember_uncommitted("case", "as written")
        assert memo.uncommitted("case", take=True) == "as written"
        assert memo.uncommitted("case") is None


def test_nothing_written_is_kept_outside_a_transaction_or_a_scope() -> None:
    with memo.scope():
        memo.remember_uncommitted("case", "as written")  # no transaction is open
        assert memo.uncommitted("case") is None
    assert memo.uncommitted("case") is None

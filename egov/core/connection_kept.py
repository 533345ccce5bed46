"""One object kept per database connection: a statement compiled once, a cursor, a cache of such.

Django gives each thread its own connection, so what is kept on it is per thread too and
goes away with it (CONN_MAX_AGE, a closed connection): the holder of the platform's
"compiled once per connection" statements (registries, exchange, notifications).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

_T = TypeVar("_T")


def kept(connection: Any, name: str, make: Callable[[], _T]) -> _T:
    """What is kept on ``connection`` under ``name``, made by ``make()`` on first use."""
    found: _T | None = getattr(connection, name, None)
    if found is None:
        found = make()
        setattr(connection, name, found)
    return found

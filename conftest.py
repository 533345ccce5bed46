"""Shared fixtures: committed databases cloned from the template, personas, browser, SMTP.

Personas (as in Healthchecks' tests): Alice is a citizen; Clerk works at a dong
office; Reviewer at a si/gun/gu; Head leads an agency; Olivia is the platform
operator. Their fixtures live in ``egov/accounts/fixtures.py``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from egov.core.testing import clone_database, database_url, drop_clone, serve

# Each app's shared fixtures (personas, servers) live beside the app and are plugged in here.
pytest_plugins = [
    name
    for name in ("egov.core.fixtures", "egov.accounts.fixtures", "egov.notifications.fixtures", "egov.portal.fixtures")
    if __import__("importlib.util").util.find_spec(name) is not None
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction"):
            raise pytest.UsageError(
                f"{item.nodeid}: transaction=True flushes the database, which the append-only audit "
                "table refuses; use the committed_db fixture instead"
            )


@pytest.fixture(scope="session")
def django_db_setup(request: pytest.FixtureRequest, django_test_environment: None, django_db_blocker: Any) -> Iterator[None]:
    """Create the test database always, not only when some collected test asks for ``db``.

    pytest-django's own fixture sets up only the databases that ``django_db`` tests name;
    a run of committing tests alone would then clone the developer's own database.
    """
    from pathlib import Path

    from django.conf import settings
    from django.test.utils import setup_databases, teardown_databases

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        Path(database["TEST"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    with django_db_blocker.unblock():
        config = setup_databases(verbosity=request.config.option.verbose, interactive=False, aliases={"default"})
        _not_durable(database)
    yield
    with django_db_blocker.unblock():
        teardown_databases(config, verbosity=request.config.option.verbose)


def _not_durable(database: dict[str, Any]) -> None:
    """PostgreSQL acknowledges the test database's commits before flushing them (as ``clone_database(durable=False)``).

    A test database is thrown away at the end of the run; waiting for each commit's WAL
    flush only slows the suite. Set for the database (new connections, servers started by
    tests) and for the connection already open.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{connection.settings_dict["NAME"]}" SET synchronous_commit = off')
        cursor.execute("SET synchronous_commit = off")


@pytest.fixture
def transactional_db() -> None:
    raise pytest.UsageError("use committed_db: a flush cannot clean the append-only audit table")


@pytest.fixture
def committed_db(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """A database of the test's own, cloned from the migrated template; yields its DATABASE_URL."""
    from django.db import connections

    with django_db_blocker.unblock():
        template, clone = clone_database(durable=False)
        try:
            yield database_url(connections["default"].settings_dict)
        finally:
            drop_clone(template, clone)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def require_chromium() -> str:
    """The system Chromium; browser tests skip with a reason outside CI and fail in CI without it."""
    path = chromium_path()
    if path is None:
        reason = "Debian's chromium is not installed (CI installs it; apt-get install chromium to run these here)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires the browser tests: {reason}")
        pytest.skip(reason)
    return path


@pytest.fixture
def live_url(committed_db: str, tmp_path: Any) -> Iterator[str]:
    """The platform served by the production server (Granian) on a committed clone; yields its base URL."""
    with serve({**os.environ, "DATABASE_URL": committed_db}, tmp_path / "server.log") as base:
        yield base

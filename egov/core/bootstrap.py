"""Make an empty database usable: migrate, create development keys, load the country pack.

Called before every ``egov`` command that needs a database, so that a new operator's
first command works. Each step is idempotent, so running it twice changes nothing.
Steps that belong to other apps are named by dotted path (``EGOV_BOOTSTRAP_STEPS``) so
that ``core`` imports no app.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.module_loading import import_string

logger = logging.getLogger("egov.bootstrap")

# An arbitrary constant naming egov's bootstrap among PostgreSQL advisory locks.
BOOTSTRAP_LOCK_KEY = 0x65676F76


def pending_migrations() -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


@contextmanager
def bootstrap_lock() -> Iterator[None]:
    """Serialise bootstraps: two processes starting together (a server and a worker) must
    not both migrate or both load the country pack. PostgreSQL: a session advisory lock;
    SQLite: an exclusive lock on a file beside the database."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [BOOTSTRAP_LOCK_KEY])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [BOOTSTRAP_LOCK_KEY])
        return
    database = Path(settings.DATABASES["default"]["NAME"])
    database.parent.mkdir(parents=True, exist_ok=True)
    with open(database.with_name(database.name + ".bootstrap.lock"), "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_ready(*, command: str = "") -> None:
    """Migrate when needed, then run every bootstrap step (each one a no-op when already done)."""
    with bootstrap_lock():
        if pending_migrations():
            logger.info("migrating the database before %s", command or "the command")
            call_command("migrate", interactive=False, verbosity=0)
        for step in settings.EGOV_BOOTSTRAP_STEPS:
            import_string(step)()
        # A step that records something (the access rights seeded from the country pack)
        # leaves its entry sealed before the command itself runs, so that a short command
        # such as `egov audit verify` never exits with the bootstrap's entry still pending.
        from egov.core.audit import audit_seal

        audit_seal()

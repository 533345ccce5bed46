"""Make an empty database usable: migrate, create development keys, load the country pack.

Called before every ``egov`` command that needs a database, so that a new operator's
first command works. Each step is idempotent, so running it twice changes nothing.
Steps that belong to other apps are named by dotted path (``EGOV_BOOTSTRAP_STEPS``) so
that ``core`` imports no app.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.module_loading import import_string

logger = logging.getLogger("egov.bootstrap")


def pending_migrations() -> bool:
    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def ensure_ready(*, command: str = "") -> None:
    """Migrate when needed, then run every bootstrap step (each one a no-op when already done)."""
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        from pathlib import Path

        Path(settings.DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    if pending_migrations():
        logger.info("migrating the database before %s", command or "the command")
        call_command("migrate", interactive=False, verbosity=0)
    for step in getattr(settings, "EGOV_BOOTSTRAP_STEPS", []):
        import_string(step)()

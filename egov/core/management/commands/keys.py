"""``egov keys init [--rollover NAME] | list``: create the platform's keys and certificates, or show them.

``init`` refuses to touch a keys directory that already holds keys. Production reads
its keys from the files the environment names (see ``egov.core.keys``), so ``init``
is for development, demos, and for making a deployment's first set to move into a
secret store.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection
from django.utils.translation import gettext as _

from egov.core import keys


class Command(BaseCommand):
    help = "Create the platform's keys and certificates (init) or list them (list)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["init", "list"])
        parser.add_argument(
            "--rollover",
            metavar="NAME",
            help="give this key a new version; earlier certificates stay loadable by their key id",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for info in keys.list_keys():
                self.stdout.write(
                    f"{info.name:18} {info.key_id}  {info.algorithm:11} {info.subject}  "
                    + _("valid until %(date)s") % {"date": f"{info.not_after:%Y-%m-%d}"}
                )
            return
        if options["rollover"]:
            try:
                key_id = keys.rollover(options["rollover"])
            except keys.KeyError_ as error:
                raise CommandError(error.message) from None
            self.stdout.write(_("%(name)s now uses key %(id)s") % {"name": options["rollover"], "id": key_id})
            self._audit([options["rollover"]], action="keys.rolled_over")
            return
        try:
            created = keys.init_keys()
        except keys.KeysExist as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            _("created %(names)s in %(dir)s") % {"names": ", ".join(created), "dir": settings.EGOV_KEYS_DIR}
        )
        self._audit(created)

    def _audit(self, created: list[str], action: str = "keys.created") -> None:
        """Record the new keys in the audit chain when the database is set up (this command does not migrate)."""
        try:
            if "core_auditentry" not in connection.introspection.table_names():
                return
            from egov.core.audit import audit_append

            audit_append(
                action=action,
                actor="system:egov-keys",
                actor_label="egov keys init",
                detail={name: keys.current_key_id(name) for name in created},
            )
        except DatabaseError:
            return

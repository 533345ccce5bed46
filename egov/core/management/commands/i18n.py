"""``egov i18n compile``: compile every app's .po catalogue to .mo with polib.

Django's own ``compilemessages`` needs GNU gettext's msgfmt, which a fresh machine
with only Python and Node may lack; polib does the same in pure Python.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Compile translation catalogues (compile) or report untranslated strings (check)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["compile", "check"])

    def handle(self, *args: Any, **options: Any) -> None:
        catalogues = sorted((Path(settings.BASE_DIR) / "egov").glob("*/locale/*/LC_MESSAGES/django.po"))
        missing: list[str] = []
        for po_path in catalogues:
            catalogue = polib.pofile(str(po_path))
            if options["action"] == "compile":
                catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
            else:
                missing += [f"{po_path}: {entry.msgid!r}" for entry in catalogue.untranslated_entries()]
                missing += [f"{po_path}: {entry.msgid!r} (fuzzy)" for entry in catalogue.fuzzy_entries()]
        if missing:
            raise CommandError("untranslated strings:\n" + "\n".join(missing))
        self.stdout.write(f"{len(catalogues)} catalogues {'compiled' if options['action'] == 'compile' else 'complete'}")

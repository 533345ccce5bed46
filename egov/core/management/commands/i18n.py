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
        apps_dir = Path(settings.BASE_DIR) / "egov"
        catalogues = sorted(apps_dir.glob("*/locale/*/LC_MESSAGES/django.po"))
        missing: list[str] = []
        if options["action"] == "check":
            missing += [f"{app}: has translatable strings but no Korean catalogue" for app in _apps_without_catalogue(apps_dir)]
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


TRANSLATABLE = ("gettext", "{% translate", "{% trans ", "{% blocktranslate", "{% blocktrans")


def _apps_without_catalogue(apps_dir: Path) -> list[str]:
    """Apps whose code or templates mark strings for translation but have no ko catalogue."""
    lacking = []
    for app in sorted(p for p in apps_dir.iterdir() if (p / "apps.py").exists()):
        if (app / "locale" / "ko" / "LC_MESSAGES" / "django.po").exists():
            continue
        sources = [*app.rglob("*.py"), *app.rglob("*.html")]
        if any(marker in source.read_text(encoding="utf-8") for source in sources for marker in TRANSLATABLE
               if "tests" not in source.parts and "migrations" not in source.parts):
            lacking.append(app.name)
    return lacking

"""The operator's entry point: ``egov <command>`` wraps Django's management commands.

Any ``egov`` command works from a checkout after ``make install`` with no environment
set: development defaults apply, and a command that needs a database migrates and
seeds an empty one and creates development keys when they are missing (see
``egov.core.bootstrap``).
"""

from __future__ import annotations

import os
import sys

# Commands that must not trigger the automatic migrate-and-seed of an empty database
# (``demo`` bootstraps itself, once it has made sure it is not running in production).
NO_BOOTSTRAP = {"help", "version", "--help", "-h", "--version", "makemigrations", "migrate", "check",
                "collectstatic", "compilemessages", "makemessages", "shell", "test", "keys", "i18n", "openapi",
                "demo"}


def operator_language() -> str:
    """The operator's language, from the locale environment as for any Unix tool (C/POSIX: English).

    Pages follow the visitor's choice (Korean by default); the command line follows the
    shell that runs it, so a Korean operator with LANG=ko_KR.UTF-8 reads Korean.
    """
    from django.conf import settings

    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            code = value.split(".")[0].split("_")[0].lower()
            return code if code in dict(settings.LANGUAGES) else "en"
    return "en"


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import execute_from_command_line

    django.setup()
    from django.utils import translation

    translation.activate(operator_language())
    wants_help = any(a in ("-h", "--help") for a in args)
    if args and args[0] not in NO_BOOTSTRAP and not args[0].startswith("-") and not wants_help:
        from egov.core.bootstrap import ensure_ready

        ensure_ready(command=args[0])
    execute_from_command_line(["egov", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())

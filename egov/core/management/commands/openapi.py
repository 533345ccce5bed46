"""``egov openapi [--write PATH] [--check PATH]``: the API's OpenAPI 3.1 document.

The committed ``docs/openapi.json`` is what integrators read; ``--check`` (run by the
tests) fails when the code and that file have drifted apart, and ``--write``
regenerates it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.module_loading import import_string


def openapi_document() -> str:
    """The document as committed: English, keys sorted, so diffs stay readable."""
    api = import_string("config.api.api")
    with translation.override("en"):
        schema = api.get_openapi_schema()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Print, write or check the OpenAPI document of /api/v1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--write", metavar="PATH")
        parser.add_argument("--check", metavar="PATH")

    def handle(self, *args: Any, **options: Any) -> None:
        document = openapi_document()
        if options["write"]:
            Path(options["write"]).write_text(document, encoding="utf-8")
            self.stdout.write(f"wrote {options['write']}")
        elif options["check"]:
            path = Path(options["check"])
            if not path.exists() or path.read_text(encoding="utf-8") != document:
                raise CommandError(f"{path} is out of date with the code: run `egov openapi --write {path}`")
            self.stdout.write(f"{path} matches the code")
        else:
            self.stdout.write(document, ending="")

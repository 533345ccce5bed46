"""``egov catalogue …``: the pack's service catalogue, for operators.

- ``list``: every task area with its services (id, version, name, competent office, mode);
- ``schema [--out FILE]``: the JSON Schema of a definition (docs/service-definition.schema.json).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from egov.catalogue.loader import load_pack
from egov.catalogue.schema import json_schema


class Command(BaseCommand):
    help = "The service catalogue of the country pack: list its services, export the definition schema."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="command", required=True)
        commands.add_parser("list")
        schema = commands.add_parser("schema")
        schema.add_argument("--out", help="write the schema to this file (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["command"] == "schema":
            text = json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"
            if options.get("out"):
                Path(options["out"]).write_text(text, encoding="utf-8")
            else:
                self.stdout.write(text, ending="")
            return
        self._list()

    def _list(self) -> None:
        pack = load_pack()
        language = get_language() or "en"
        for area in pack.task_areas:
            members = [loaded.definition for loaded in pack.services if loaded.definition.task_area == area.slug]
            self.stdout.write(f"{area.slug}  {area.name.get(language)}  ({len(members)})")
            for definition in members:
                office = definition.competent_organisation.code or definition.competent_organisation.level
                mode = definition.kind if definition.kind == "bundle" else (definition.workflow.mode if definition.workflow else "")
                self.stdout.write(f"  {definition.id}@{definition.version}  {definition.name.get(language)}  [{office}, {mode}]")
        self.stdout.write(_("%(services)d services in %(areas)d task areas") % {
            "services": len(pack.services), "areas": len(pack.task_areas)})
        for error in pack.errors:
            self.stderr.write(str(error))
        if pack.errors:
            raise CommandError(_("%(count)d definitions do not validate") % {"count": len(pack.errors)})

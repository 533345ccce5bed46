"""The registry event log is append-only: database triggers refuse UPDATE, DELETE and TRUNCATE."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from egov.core.models.audit import drop_append_only_triggers, install_append_only_triggers

TABLES = ("registries_registryevent",)


def install(apps: Any, schema_editor: Any) -> None:
    install_append_only_triggers(schema_editor, TABLES)


def drop(apps: Any, schema_editor: Any) -> None:
    drop_append_only_triggers(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [("registries", "0001_registries"), ("core", "0001_audit")]

    operations = [migrations.RunPython(install, drop)]

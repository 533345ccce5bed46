# The append on PostgreSQL becomes one call of a PL/pgSQL function (ADR 0010), whose
# two INSERTs are planned once per session instead of on every request. No table
# changes; SQLite is untouched.

from django.db import migrations

from egov.core.models.audit import drop_append_function, install_append_function


def install(apps, schema_editor):
    install_append_function(schema_editor)


def uninstall(apps, schema_editor):
    drop_append_function(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_audit_sealer"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]

# The audit chain's sealer (ADR 0010). Requests now write one row to one table and
# nothing else: the index "Who viewed my data" needs moves from the entries to the
# seals, which the sealer writes in batches; the PostgreSQL sealing function is added
# (SQLite's sealer is one INSERT issued from Python).

from django.db import migrations, models

from egov.core.models.audit import (
    drop_append_only_triggers,
    drop_sealer,
    install_append_only_triggers,
    install_sealer,
)

SEALS = ("core_auditseal",)


def release_seals(apps, schema_editor):
    # Existing seals get their copies of subject and time below, which is an UPDATE.
    drop_append_only_triggers(schema_editor, SEALS)


def restore_seal_triggers(apps, schema_editor):
    install_append_only_triggers(schema_editor, SEALS)


def copy_subject_and_time(apps, schema_editor):
    schema_editor.execute(
        "UPDATE core_auditseal SET "
        "subject = (SELECT e.subject FROM core_auditentry e WHERE e.id = core_auditseal.entry_id), "
        "at = (SELECT e.at FROM core_auditentry e WHERE e.id = core_auditseal.entry_id)"
    )


def protect_seals(apps, schema_editor):
    # Also after SQLite rebuilt the table for the new columns, which drops its triggers.
    install_append_only_triggers(schema_editor, SEALS)
    install_sealer(schema_editor)


def unprotect_seals(apps, schema_editor):
    drop_sealer(schema_editor)
    drop_append_only_triggers(schema_editor, SEALS)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_worker"),
    ]

    operations = [
        migrations.RunPython(release_seals, restore_seal_triggers),
        migrations.AddField(
            model_name="auditseal",
            name="subject",
            field=models.CharField(blank=True, max_length=100, null=True, verbose_name="data subject"),
        ),
        migrations.AddField(
            model_name="auditseal",
            name="at",
            field=models.DateTimeField(null=True, verbose_name="when"),
        ),
        migrations.RunPython(copy_subject_and_time, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="auditseal",
            index=models.Index(fields=["subject", "-at"], name="core_auditseal_subject_at"),
        ),
        migrations.RemoveIndex(model_name="auditentry", name="core_audit_subject_at"),
        migrations.RemoveIndex(model_name="auditentry", name="core_audit_actor_at"),
        migrations.RunPython(protect_seals, unprotect_seals),
    ]

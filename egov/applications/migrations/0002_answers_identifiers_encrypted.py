"""Registration numbers given in answers (the deceased's, the spouse's, the seller's) move out of the
plain ``form`` into the encrypted ``identifiers`` (rule 6); the form and the case keep them masked.

Existing answers are recognised by their shape (13 digits, with or without the hyphen), since
the definitions of their time asked for them as text.
"""

import json
import re

from django.db import migrations, models

import egov.core.crypto

NUMBER = re.compile(r"^[0-9]{6}-?[0-9]{7}$")


def _masked(number: str) -> str:
    digits = number.replace("-", "")
    return f"{digits[:6]}-{digits[6]}******"


def encrypt_numbers(apps, schema_editor):
    Application = apps.get_model("applications", "Application")
    Case = apps.get_model("workflow", "Case")
    for application in Application.objects.all().iterator():
        secret = {name: value for name, value in application.form.items() if isinstance(value, str) and NUMBER.match(value)}
        if not secret:
            continue
        masked = {name: _masked(value) for name, value in secret.items()}
        application.form = {**application.form, **masked}
        application.identifiers = json.dumps(secret, ensure_ascii=False)
        application.save(update_fields=["form", "identifiers"])
        case = Case.objects.filter(id=application.case_id).first()
        if case is not None and isinstance(case.data.get("form"), dict):
            case.data = {**case.data, "form": {**case.data["form"], **masked}}
            case.save(update_fields=["data"])


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0001_initial'),
        ('workflow', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='application',
            name='awaiting',
            field=models.JSONField(blank=True, default=list, verbose_name='answers awaited from another application'),
        ),
        migrations.AddField(
            model_name='application',
            name='identifiers',
            field=egov.core.crypto.EncryptedTextField(blank=True, context='applications.identifiers', default='', verbose_name='registration numbers in the answers'),
        ),
        migrations.RunPython(encrypt_numbers, migrations.RunPython.noop),
    ]

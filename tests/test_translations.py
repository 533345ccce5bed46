"""Korean is the default language and English the second: both must be complete."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command


def test_every_catalogue_translates_every_string_into_korean() -> None:
    output = StringIO()
    call_command("i18n", "check", stdout=output)  # raises CommandError listing what is missing
    assert "complete" in output.getvalue()

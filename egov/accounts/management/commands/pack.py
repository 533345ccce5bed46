"""``egov pack load``: load (or bring up to date) the country pack's places and organisations."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from egov.accounts.models import AdminDong, LegalDong, Organisation
from egov.accounts.pack import country_pack_load


class Command(BaseCommand):
    help = "Load the country pack (places and organisations). Safe to run again: it changes only what differs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["load"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = country_pack_load()
        self.stdout.write(f"country pack: {report.summary()}")
        self.stdout.write(
            f"{LegalDong.objects.count()} legal dongs ({LegalDong.objects.filter(valid_to__isnull=False).count()} historic), "
            f"{AdminDong.objects.count()} administrative dongs, {Organisation.objects.count()} organisations"
        )

"""``egov finance``: operators' commands of the finance app.

``egov finance assess-local-taxes --year Y [--on YYYY-MM-DD]`` assesses a year's local
taxes from the registries (vehicle tax per vehicle, property tax per parcel and
building share, resident tax per household head and business), every instalment whose
base date has come by ``--on`` (today by default). Idempotent: run it twice, or again
in December for the second half of the vehicle tax, and each tax is assessed once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from egov.core.errors import ApplicationError
from egov.finance import public as finance


class Command(BaseCommand):
    help = "Finance operations: assess-local-taxes --year Y [--on DATE]."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        assess = sub.add_parser("assess-local-taxes", help="assess a year's local taxes from the registries")
        assess.add_argument("--year", type=int, required=True, help="the tax year")
        assess.add_argument("--on", type=date.fromisoformat, default=None,
                            help="assess the instalments whose base date has come by this day (default today)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            run = finance.local_taxes_assess_year(year=options["year"], on=options["on"], by="system:egov-finance")
        except ApplicationError as error:
            raise CommandError(error.message) from None
        bases = ", ".join(day.isoformat() for day in run.base_dates) or "none yet"
        self.stdout.write(f"local taxes {run.year}: {run.assessed} assessed ({run.total:,} won), "
                          f"{run.already} already assessed; base dates {bases}\n")

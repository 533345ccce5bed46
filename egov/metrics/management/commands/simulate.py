"""``egov simulate --residents N --year Y [--seed S] [--online-share P]``: a year of life events, then the KPIs.

Standard output carries only the result — the counts of what the run created and each
KPI against its goal — so two runs can be compared with ``diff``; progress goes to
standard error. ``egov.metrics.simulation`` describes the model.
"""

from __future__ import annotations

import os
import signal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from egov.exchange import public as exchange
from egov.metrics import simulation


class Command(BaseCommand):
    help = "Simulate a year of a generated population's life events through the real services, then print the KPIs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--residents", type=int, required=True, help="residents of the generated register")
        parser.add_argument("--year", type=int, required=True, help="the calendar year simulated")
        parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same output (default 1)")
        parser.add_argument("--online-share", type=float, default=0.8,
                            help="probability that an application goes online when the service allows it "
                                 "(default 0.8)")
        parser.add_argument("--workers", type=int, default=1,
                            help="processes filing the certificate and tax events; the output is the same for "
                                 "any number (default 1)")

    def handle(self, *args: Any, **options: Any) -> None:
        residents, year, seed, share = options["residents"], options["year"], options["seed"], options["online_share"]
        if residents < 1:
            raise CommandError(_("--residents must be at least 1."))
        if not 2000 <= year <= 2100:
            raise CommandError(_("--year must be between 2000 and 2100."))
        if not 0.0 <= share <= 1.0:
            raise CommandError(_("--online-share must be between 0 and 1."))
        workers = options["workers"]
        if not 1 <= workers <= 16:
            raise CommandError(_("--workers must be between 1 and 16."))
        saved_now = os.environ.get("EGOV_NOW")
        # SIGTERM (an operator's kill, a container stopping) unwinds like Ctrl-C, so that the
        # worker processes are ended with the run instead of going on filing (sharing.shares).
        previous_handler = signal.signal(signal.SIGTERM, _terminated)
        # Office hours and days are the deployment's (Asia/Seoul for the kr pack), not UTC's.
        tz = ZoneInfo(settings.TIME_ZONE)
        try:
            os.environ["EGOV_NOW"] = f"{year - 1}-12-31T12:00:00+09:00"
            from datetime import date

            if exchange.residents_living_count(on=date(year, 1, 1)) == 0:
                self.stderr.write(f"simulate: generating {residents} residents (seed {seed})")
                call_command("registries", "generate", "--residents", str(residents), "--seed", str(seed),
                             "--as-of", f"{year - 1}-12-31", stdout=self.stderr, stderr=self.stderr)
            outcome = simulation.simulate(residents=residents, year=year, seed=seed, online_share=share,
                                          progress=self.stderr, tz=tz, workers=workers)
        finally:
            signal.signal(signal.SIGTERM, previous_handler)
            if saved_now is None:
                os.environ.pop("EGOV_NOW", None)
            else:
                os.environ["EGOV_NOW"] = saved_now
        self._print(outcome, residents=residents, year=year, seed=seed, share=share)

    def _print(self, outcome: simulation.Outcome, *, residents: int, year: int, seed: int, share: float) -> None:
        out = self.stdout
        out.write(f"simulate: residents={residents} year={year} seed={seed} online_share={share:g}")
        for key in ("cases", "applications", "documents", "messages"):
            out.write(f"created {key}={outcome.created[key]}")
        out.write(f"local taxes assessed={outcome.taxes_assessed} paid={outcome.taxes_paid}")
        for event, count in sorted(outcome.drawn.items()):
            out.write(f"drawn {event}={count}")
        for reason, count in sorted(outcome.skipped.items()):
            out.write(f"not applicable {reason}={count}")
        for service_id, count in sorted(outcome.filed.items()):
            out.write(f"filed {service_id}={count}")
        for bundle_id, count in sorted(outcome.bundles.items()):
            out.write(f"bundled {bundle_id}={count}")
        out.write(f"counter visits put off to the next working day={outcome.put_off}")
        for reason, count in sorted(outcome.refused.items()):
            out.write(f"refused {reason}={count}")
        for decision, count in sorted(outcome.decided.items()):
            out.write(f"decided {decision}={count}")
        for value in outcome.kpis:
            definition = value.definition
            if not definition.measured:
                out.write(f"kpi {definition.key}: not measured yet")
                continue
            shown = "no data" if value.value is None else (
                f"{value.value:g}%" if definition.unit == "percent" else f"{value.value:g}")
            if definition.goal is None:
                out.write(f"kpi {definition.key}: {shown} (no goal)")
                continue
            sign = ">=" if definition.higher_is_better else "<="
            goal = f"{definition.goal:g}%" if definition.unit == "percent" else f"{definition.goal:g}"
            verdict = "no data" if value.met is None else ("met" if value.met else "not met")
            out.write(f"kpi {definition.key}: {shown} goal {sign} {goal}: {verdict}")


def _terminated(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)

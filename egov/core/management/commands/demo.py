"""``egov demo``: set up a demonstration platform and serve it, as ``make demo`` does.

Refused in production before anything is touched; otherwise the database is migrated
and seeded (keys, the country pack) by ``egov.core.bootstrap`` (``egov`` leaves that to
this command, see ``egov.cli.NO_BOOTSTRAP``). It then creates the demo accounts
(idempotently, through the plug-in ``settings.EGOV_DEMO_ACCOUNTS``), prints their
logins, and runs the background worker beside a production web server (Granian,
static files through WhiteNoise) until interrupted. Refused in production.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string

from egov.core.serving import server_command, split_bind


class Command(BaseCommand):
    help = "Create demo accounts, print their logins, and serve the platform with its worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="address for the web server")
        parser.add_argument("--workers", type=int, default=2, help="Granian worker processes")
        parser.add_argument("--setup-only", action="store_true", help="create the accounts and print them; do not serve")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("egov demo creates accounts with published passwords: it refuses to run in production.")
        from egov.core.bootstrap import ensure_ready

        ensure_ready(command="demo")
        logins = import_string(settings.EGOV_DEMO_ACCOUNTS)()
        # Further demonstration data (the registries' population…), each step idempotent.
        notes: list[str] = []
        for step in settings.EGOV_DEMO_STEPS:
            notes += import_string(step)()
        url = f"http://{options['bind']}"
        self.stdout.write(self.style.SUCCESS("\negov demo is ready.") + f" Database: {settings.DATABASES['default']['NAME']}\n")
        self.stdout.write("Demo logins (generated people; passwords are for this demo only):\n")
        for login in logins:
            factor = " + second factor" if login.needs_second_factor else ""
            self.stdout.write(
                f"  {login.role_label:<20} {login.username:<10} {login.password:<22} {login.organisation_name}{factor}"
            )
        for note in notes:
            self.stdout.write(note)
        if settings.EGOV_DEMO_OTP_BYPASS:
            self.stdout.write(
                f"\nOfficials' second factor: enter the demo-only code {settings.EGOV_DEMO_OTP_BYPASS} "
                "(accepted only while EGOV_DEMO_OTP_BYPASS is set, never in production)."
            )
        if options["setup_only"]:
            return
        self.stdout.write(f"\nServing on {url}  (Ctrl-C stops the server and the worker)\n")
        self.stdout.flush()
        self._serve(options["bind"], options["workers"])

    def _serve(self, bind: str, workers: int) -> None:
        bin_dir = Path(sys.executable).parent
        env = dict(os.environ)
        worker = subprocess.Popen([str(bin_dir / "egov"), "worker"], env=env)
        host, port = split_bind(bind)
        server = subprocess.Popen(server_command(host=host, port=port, workers=workers, threads=4, access_log=True),
                                  env=env)
        children = (server, worker)

        def stop(signum: int, frame: Any) -> None:
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            server.wait()
        finally:
            stop(signal.SIGTERM, None)
            for child in children:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()

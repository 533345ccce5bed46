"""The production web server's command line, in one place (ADR 0063).

The platform is a WSGI application (``config.wsgi:application``) served by Granian: a
Rust HTTP server whose worker processes each call the application on a pool of
threads. ``make demo``, the tests that run the platform as production does, the
screenshots and the benchmarks all start it through :func:`server_command`, so what is
measured and tested is what operators run (docs/operations.md gives the same command).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def server_command(*, host: str = "127.0.0.1", port: int = 8000, workers: int = 2, threads: int = 4,
                   application: str = "config.wsgi:application", access_log: bool = False) -> list[str]:
    """Granian serving ``application`` with ``workers`` processes of ``threads`` threads each.

    Workers that die are started again (``--respawn-failed-workers``), as gunicorn's
    arbiter did; the working directory is the repository, so ``config`` imports.
    """
    granian = Path(sys.executable).with_name("granian")
    command = [
        str(granian), "--interface", "wsgi", application, "--host", host, "--port", str(port),
        "--workers", str(workers), "--blocking-threads", str(threads), "--respawn-failed-workers",
        "--working-dir", str(REPO), "--log-level", "warning",
    ]
    if access_log:
        command.append("--access-log")
    return command


def split_bind(bind: str) -> tuple[str, int]:
    """``"127.0.0.1:8000"`` as host and port (an operator's ``--bind``)."""
    host, _sep, port = bind.rpartition(":")
    return host or "127.0.0.1", int(port)

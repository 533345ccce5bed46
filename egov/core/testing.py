"""Databases for tests that commit: each gets a clone of the migrated template.

Rule 4 of ARCHITECTURE.md: the audit table refuses DELETE and TRUNCATE, so a test
that commits can never be cleaned up by a flush. Instead it runs on a database of its
own, cloned from the migrated test database (PostgreSQL ``CREATE DATABASE … TEMPLATE``,
a copy of the SQLite file), which is dropped afterwards. The benchmarks use the same
functions.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.db import connections

from egov.core.serving import server_command


def database_url(settings_dict: dict[str, Any]) -> str:
    """A DATABASE_URL naming the same database, for a server or worker started as a subprocess."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = quote(settings_dict.get("USER") or "")
    password = quote(settings_dict.get("PASSWORD") or "")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgresql://{credentials}{host}:{port}/{settings_dict['NAME']}"


def _maintenance_cursor(alias: str) -> Any:
    return connections[alias]._nodb_cursor()


def clone_database(alias: str = "default", *, durable: bool = True) -> tuple[str, str]:
    """Point ``alias`` at a fresh copy of its current (template) database; return (template, clone).

    ``durable=False`` (the tests' clones) has PostgreSQL acknowledge a commit before its WAL
    reaches the disk: a crash could lose the last commits of a database thrown away anyway,
    and nothing a test checks depends on the flush. The benchmarks keep the default.
    """
    connection = connections[alias]
    template = connection.settings_dict["NAME"]
    connection.close()
    if connection.vendor == "postgresql":
        clone = f"{template}_c{uuid.uuid4().hex[:10]}"
        with _maintenance_cursor(alias) as cursor:
            cursor.execute(f'CREATE DATABASE "{clone}" TEMPLATE "{template}"')
            if not durable:
                cursor.execute(f'ALTER DATABASE "{clone}" SET synchronous_commit = off')
    else:
        source = Path(template)
        clone = str(source.with_name(f"{source.stem}_c{uuid.uuid4().hex[:10]}{source.suffix}"))
        # SQLite's backup API copies a consistent snapshot, including what still sits in the
        # template's WAL file while another connection (a browser fixture, say) holds it open.
        with closing(sqlite3.connect(template)) as origin, closing(sqlite3.connect(clone)) as copy:
            origin.backup(copy)
    connection.settings_dict["NAME"] = clone
    return template, clone


def drop_clone(template: str, clone: str, alias: str = "default") -> None:
    """Close every connection to the clone, point ``alias`` back at the template, and drop the clone."""
    connection = connections[alias]
    connection.close()
    connection.settings_dict["NAME"] = template
    if connection.vendor == "postgresql":
        with _maintenance_cursor(alias) as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{clone}" WITH (FORCE)')
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(clone + suffix).unlink(missing_ok=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serve(env: dict[str, str], log_path: Path, *, workers: int = 1) -> Iterator[str]:
    """The production server (egov.core.serving) serving the platform with ``env``; yields its base URL, stops it.

    One worker process of four threads by default: a test's browser or client never needs
    more, and each worker process costs the import of the whole platform at its start.
    """
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        server = subprocess.Popen(  # noqa: S603 - our own server with fixed arguments
            server_command(port=port, workers=workers, threads=4),
            env={**env, "EGOV_BASE_URL": base}, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(base + "/", timeout=1)  # noqa: S310 - loopback only
                    break
                except OSError:
                    if server.poll() is not None:
                        raise RuntimeError(log_path.read_text()) from None
                    time.sleep(0.1)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=15)

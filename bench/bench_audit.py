"""bench-audit: what appending to the audit chain costs concurrent requests.

Rule 4 of ARCHITECTURE.md says appending must not make unrelated requests wait on
each other beyond the append itself. This measures it with real requests: Granian,
configured as ``make demo`` runs it (2 workers x 4 threads), serves the
platform with the product's settings and whole middleware stack, plus two views
mounted only here (this module is the server's settings and URLconf):

- ``POST /bench/plain``: writes one small record in a transaction;
- ``POST /bench/audited``: the same, plus one ``audit_append`` in that transaction
  naming the caller (``request_actor``) and a data subject, as a registry read would.

Eight client threads send these over loopback with keep-alive connections. The run is
a series of blocks of four short rounds in mirrored order (plain, audited, audited,
plain; the next block audited, plain, plain, audited), each round bounded by a
request count and a time limit. A block's ratio is its audited throughput (both of
its audited rounds) over its plain throughput (both plain rounds): the mirrored order
cancels a load that rises or falls steadily across the block, and short rounds keep
a block within one state of the rest of the machine (whose load comes and goes in
bursts of seconds). The reported ratio is the median of the blocks' ratios, so that
the few blocks a burst still lands in unevenly do not move it; the figures also give
the interquartile range of the blocks' ratios and a distribution-free 95% confidence
interval of the median. Database connections persist, as in production
(``EGOV_DB_CONN_MAX_AGE``): opening one per request would hide every other cost.

Databases: SQLite (a fresh temporary file, migrated by this script) and PostgreSQL
when one answers at ``EGOV_BENCH_POSTGRES_URL`` (default
``postgresql://127.0.0.1:5432/egov_bench``; that database is created and dropped
here). After the rounds ``egov audit verify`` must report the chain intact, or the
benchmark fails.

What it shows (ADR 0010): the request that audits pays for one statement writing one
row with no secondary index (on PostgreSQL, one call of a PL/pgSQL function that also
queues it, with plans kept for the session), nothing else; chaining happens in batches
off the request path. On SQLite the cost that remains is that INSERT inside the single
writer's transaction, which under threads also means one more hand-over of the GIL
while the write lock is held; on PostgreSQL it is one more round trip.

Last line: ``bench-audit: appends_per_s=<n> ratio=<n>`` where ``ratio`` is the
median over blocks of throughput with the append divided by throughput without it,
for the database where that ratio is worse, and ``appends_per_s`` is the median
audited throughput on that same database. The gate is ratio >= 0.8 (exit status 1
below it). Knobs, for exploring only: ``EGOV_BENCH_CLIENTS``, ``EGOV_BENCH_WORKERS``,
``EGOV_BENCH_THREADS``, ``EGOV_BENCH_BLOCKS``, ``EGOV_BENCH_ROUND_SECONDS``.

Run as ``.venv/bin/python bench/bench_audit.py`` (``make bench-audit``).
"""

from __future__ import annotations

import http.client
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from egov.core.serving import server_command

GATE = 0.8
CLIENT_THREADS = int(os.environ.get("EGOV_BENCH_CLIENTS", "8"))
SERVER_WORKERS = int(os.environ.get("EGOV_BENCH_WORKERS", "2"))
SERVER_THREADS = int(os.environ.get("EGOV_BENCH_THREADS", "4"))
BLOCKS = int(os.environ.get("EGOV_BENCH_BLOCKS", "48"))
ROUND_REQUESTS = int(os.environ.get("EGOV_BENCH_ROUND_REQUESTS", "5000"))
ROUND_SECONDS = float(os.environ.get("EGOV_BENCH_ROUND_SECONDS", "0.5"))
POSTGRES_URL = os.environ.get("EGOV_BENCH_POSTGRES_URL", "postgresql://127.0.0.1:5432/egov_bench")
REPO = Path(__file__).resolve().parent.parent


# --- the server side: settings and URLconf of the benchmark's Granian ------------------

if os.environ.get("EGOV_BENCH_SERVER") == "1":
    from config.settings import *  # noqa: F403

    ROOT_URLCONF = __name__
    LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}


def _write_record(request: Any, *, audited: bool) -> Any:
    from django.db import connection, transaction
    from django.http import HttpResponse

    from egov.core import clock
    from egov.core.audit import audit_append, request_actor

    subject = request.headers.get("X-Bench-Subject", "user:bench")
    # As a view does: who is asking is settled before the transaction (parse, access,
    # then one service call).
    actor = request_actor(request) if audited else {}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_record (body, created_at) VALUES (%s, %s)", [subject, clock.now()])
        if audited:
            audit_append(
                action="bench.record.written", subject=subject, purpose="benchmark", legal_basis="none (benchmark)", **actor
            )
    return HttpResponse("ok", content_type="text/plain")


def _build_urlpatterns() -> list[Any]:
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    from egov.core.access import PUBLIC, access

    @csrf_exempt
    @access(PUBLIC)
    def plain(request: Any) -> Any:
        return _write_record(request, audited=False)

    @csrf_exempt
    @access(PUBLIC)
    def audited(request: Any) -> Any:
        return _write_record(request, audited=True)

    return [path("bench/plain", plain), path("bench/audited", audited)]


def __getattr__(name: str) -> Any:
    # Built on first use by Django's URL resolver, after the apps are ready.
    if name == "urlpatterns" and os.environ.get("EGOV_BENCH_SERVER") == "1":
        patterns = _build_urlpatterns()
        globals()["urlpatterns"] = patterns
        return patterns
    raise AttributeError(name)


# --- the driver ---------------------------------------------------------------------


class Database:
    """A throw-away database for one run: an SQLite file or a PostgreSQL database."""

    def __init__(self, kind: str, url: str, workdir: Path) -> None:
        self.kind = kind
        self.url = url
        self.workdir = workdir

    @classmethod
    def sqlite(cls, workdir: Path) -> Database:
        return cls("sqlite", f"sqlite:///{workdir / 'bench.sqlite3'}", workdir)

    @classmethod
    def postgresql(cls, url: str, workdir: Path) -> Database | None:
        try:
            import psycopg
        except ImportError:
            return None
        parts = urlsplit(url)
        name = parts.path.lstrip("/") or "egov_bench"
        maintenance = urlunsplit(parts._replace(path="/postgres"))
        try:
            with psycopg.connect(maintenance, autocommit=True, connect_timeout=3) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
        except psycopg.Error as error:
            print(f"PostgreSQL at {url} not used: {str(error).strip().splitlines()[0]}")
            return None
        return cls("postgresql", url, workdir)

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "EGOV_KEYS_DIR": str(self.workdir / "keys"),
            "EGOV_AUDIT_CHECKPOINT_FILE": str(self.workdir / f"checkpoints-{self.kind}.jsonl"),
            "EGOV_VAR_DIR": str(self.workdir / "var"),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")])),
            # Persistent connections, as a production deployment runs: opening a
            # PostgreSQL connection per request would hide every other cost.
            "EGOV_DB_CONN_MAX_AGE": "300",
        }
        env.pop("EGOV_NOW", None)
        return env

    def prepare(self) -> None:
        """Migrate (the product's migrations and bootstrap) and add the benchmark's own table."""
        egov = str(Path(sys.executable).with_name("egov"))
        subprocess.run([egov, "migrate", "-v", "0"], env=self.env(), cwd=REPO, check=True, capture_output=True)
        if self.kind == "sqlite":
            import sqlite3

            with sqlite3.connect(self.workdir / "bench.sqlite3") as conn:
                conn.execute("CREATE TABLE bench_record (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT, created_at TEXT)")
        else:
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as conn:
                conn.execute("CREATE TABLE bench_record (id BIGSERIAL PRIMARY KEY, body TEXT, created_at TIMESTAMPTZ)")

    def drop(self) -> None:
        if self.kind == "postgresql":
            import psycopg

            parts = urlsplit(self.url)
            with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(database: Database) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {**database.env(), "DJANGO_SETTINGS_MODULE": "bench.bench_audit", "EGOV_BENCH_SERVER": "1"}
    log = (database.workdir / f"server-{database.kind}.log").open("wb")
    server = subprocess.Popen(server_command(port=port, workers=SERVER_WORKERS, threads=SERVER_THREADS),
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError((database.workdir / f"server-{database.kind}.log").read_text())
        try:
            status = post(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/bench/plain", "user:warmup")
            if status == 200:
                return server, port
            raise RuntimeError(f"the benchmark view answered {status}")
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("Granian did not start within a minute")


def post(connection: http.client.HTTPConnection, path: str, subject: str) -> int:
    connection.request("POST", path, body=b"", headers={"X-Bench-Subject": subject, "Content-Length": "0"})
    response = connection.getresponse()
    response.read()
    return response.status


def run_round(port: int, path: str, seconds: float | None = None) -> tuple[int, float]:
    """Send up to ROUND_REQUESTS requests from CLIENT_THREADS threads, for at most ROUND_SECONDS."""
    lock = threading.Lock()
    state = {"sent": 0, "done": 0}
    errors: list[str] = []
    stop_at = time.monotonic() + (ROUND_SECONDS if seconds is None else seconds)
    start = threading.Barrier(CLIENT_THREADS + 1)

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        subject = f"user:{uuid.uuid4()}"
        start.wait()
        while time.monotonic() < stop_at:
            with lock:
                if state["sent"] >= ROUND_REQUESTS:
                    break
                state["sent"] += 1
            status = post(connection, path, subject)
            if status != 200:
                errors.append(f"{path} answered {status}")
                break
            with lock:
                state["done"] += 1
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    if errors:
        raise RuntimeError(errors[0])
    return state["done"], elapsed


def verify(database: Database) -> str:
    """``egov audit verify`` after the servers have stopped (their sealers sealed on the way out)."""
    egov = str(Path(sys.executable).with_name("egov"))
    result = subprocess.run([egov, "audit", "verify"], env=database.env(), cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"the chain is not intact after the benchmark: {result.stderr.strip()}")
    return result.stdout.splitlines()[0]


def bench(database: Database) -> dict[str, Any]:
    database.prepare()
    server, port = start_server(database)
    try:
        for path in ("/bench/plain", "/bench/audited"):  # warm both paths (imports, connections, keys)
            run_round(port, path, seconds=1.0)
        rates: dict[str, list[float]] = {"plain": [], "audited": []}
        block_ratios: list[float] = []
        appended = 0
        for number in range(BLOCKS):
            # Four rounds in mirrored order, the mirror itself alternating from block to
            # block, so that a load drifting across the block weighs on both kinds alike.
            order = ORDERS[number % 2]
            done: dict[str, int] = {"plain": 0, "audited": 0}
            elapsed: dict[str, float] = {"plain": 0.0, "audited": 0.0}
            for kind in order:
                count, seconds = run_round(port, f"/bench/{kind}")
                done[kind] += count
                elapsed[kind] += seconds
            block = {kind: done[kind] / elapsed[kind] for kind in done}
            for kind in block:
                rates[kind].append(block[kind])
            appended += done["audited"]
            block_ratios.append(block["audited"] / block["plain"])
            print(f"  {database.kind:10} block {number + 1:2d}: without {block['plain']:7.1f}/s, "
                  f"with {block['audited']:7.1f}/s, ratio {block_ratios[-1]:.3f}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    verified = verify(database)
    low, high = median_interval(block_ratios)
    quartiles = statistics.quantiles(block_ratios, n=4)
    return {
        "database": database.kind,
        "plain": statistics.median(rates["plain"]),
        "audited": statistics.median(rates["audited"]),
        "ratio": statistics.median(block_ratios),
        "ratio_iqr": (quartiles[0], quartiles[2]),
        "ratio_ci": (low, high),
        "appended": appended,
        "verify": verified,
    }


ORDERS = (("plain", "audited", "audited", "plain"), ("audited", "plain", "plain", "audited"))


def median_interval(values: list[float], z: float = 1.96) -> tuple[float, float]:
    """A distribution-free ~95% confidence interval of the median: the order statistics
    n/2 -+ z*sqrt(n)/2 (the binomial, by its normal approximation)."""
    ordered = sorted(values)
    n = len(ordered)
    half_width = z * math.sqrt(n) / 2
    low = max(0, math.floor(n / 2 - half_width))
    high = min(n - 1, math.ceil(n / 2 + half_width) - 1)
    return ordered[low], ordered[high]


def main() -> int:
    print(f"bench-audit: {CLIENT_THREADS} client threads; Granian {SERVER_WORKERS} workers x {SERVER_THREADS} threads; "
          f"{BLOCKS} blocks of 4 rounds (ratio: median over blocks), each round at most {ROUND_REQUESTS} requests "
          f"or {ROUND_SECONDS:g} s")
    results: list[dict[str, Any]] = []
    workdir = Path(tempfile.mkdtemp(prefix="egov-bench-audit-"))
    try:
        for make in (lambda: Database.sqlite(workdir / "sqlite"),
                     lambda: Database.postgresql(POSTGRES_URL, workdir / "postgresql")):
            database = make()
            if database is None:
                continue
            database.workdir.mkdir(parents=True, exist_ok=True)
            try:
                results.append(bench(database))
            finally:
                database.drop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for result in results:
        print(f"{result['database']:10} without audit {result['plain']:8.1f} req/s, with audit {result['audited']:8.1f} req/s,"
              f" ratio {result['ratio']:.3f} (median of {BLOCKS} blocks; 95% CI {result['ratio_ci'][0]:.3f}-"
              f"{result['ratio_ci'][1]:.3f}, IQR {result['ratio_iqr'][0]:.3f}-{result['ratio_iqr'][1]:.3f});"
              f" {result['verify']}")
    print(json.dumps({r["database"]: round(r["ratio"], 3) for r in results}))
    worst = min(results, key=lambda r: r["ratio"])
    print(f"bench-audit: appends_per_s={worst['audited']:.1f} ratio={worst['ratio']:.3f}")
    return 0 if worst["ratio"] >= GATE else 1


if __name__ == "__main__":
    sys.exit(main())

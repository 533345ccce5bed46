"""bench-apply: citizens filing an automatically approved service end to end, against the same writes done bare.

On PostgreSQL (``EGOV_BENCH_POSTGRES_URL``, default ``postgresql://127.0.0.1:5432/egov_bench``;
the database is created and dropped here), over HTTP against the production server —
Granian as ``make demo`` runs it (2 workers x 4 threads, persistent database
connections) — concurrent citizens file the business closure report (``business-closure-report``):
``POST /api/v1/applications/applications`` with an idempotency key, which submits, records
the consent, reads the business register through the gate, opens the case, approves it
automatically (``approve_automatically``: the guard checks the evidence) and carries out its
effect, ``business.close``, on the business register, then — after the approval has
committed — issues the signed closure certificate (폐업사실증명) the service declares, all in
the one request.

The population: ``egov registries generate`` writes a synthetic country straight into the
database (the importer's path), about one resident in ten representing an open business;
each such representative gets a citizen account linked to their resident record and a
personal access token (``Authorization: Bearer pat_…``), created in bulk before the server
starts. Each citizen files once (a closed business stays closed), so every request is a
new applicant's.

The load generator is this process: ``--clients`` threads, each with its own keep-alive
connection, taking the next citizen and posting their report; the latency is that of the
whole request, as the client sees it.

The limit, in the same run and on the same server: ``POST /bench/apply-minimal``
(bench/apply_limit.py, mounted only through ``bench.apply_limit_settings``, the settings of
this benchmark's Granian alone), which writes the same rows for the same kind of request —
consent, exchange-log row, case with its history and reference number, application and
office, notices, the business closed with its registry event, five audit entries — in one
transaction of hand-written SQL. Rounds come in blocks of four in mirrored order (limit,
apply, apply, limit; then apply, limit, limit, apply), each bounded in time and by the
citizens left for its kind; a block's ratio is its application throughput over its limit
throughput, and the reported ratio is the median over blocks.

Afterwards the benchmark checks its own result from the database: every report that was
answered 201 — through the product and through the limit — is one application whose case
is approved and whose business is closed as of the closing date (the registry's own
``state_as_of``; open the day before) with a ``business.closed`` event naming the case;
no other application exists; and ``egov audit verify`` finds the chain intact.

Last line: ``bench-apply: apps_per_s=<n> p99_ms=<n> limit_per_s=<n> ratio=<n>``. Gate:
ratio >= 0.5 (exit status 1 below it, or when the check of the result fails). Goals
(reported as met or not met): >= 200 applications/s and p99 < 150 ms on 2 cores shared by
server, database and load generator. ``--profile`` adds a cProfile of the server handling
one application (Django's handler called in-process on the same database, as Granian
calls it), by where the time goes, and of the limit for comparison.

Run as ``.venv/bin/python bench/bench_apply.py`` (``make bench-apply``); ``--help`` lists the
options and their defaults.
"""

from __future__ import annotations

import argparse
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
from collections import deque
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from egov.core.serving import server_command

GATE = 0.5
GOAL_APPS_PER_S = 200.0
GOAL_P99_MS = 150.0
SERVICE = "business-closure-report"
APPLY_PATH = "/api/v1/applications/applications"
LIMIT_PATH = "/bench/apply-minimal"
POSTGRES_URL = os.environ.get("EGOV_BENCH_POSTGRES_URL", "postgresql://127.0.0.1:5432/egov_bench")
REPO = Path(__file__).resolve().parent.parent
USERNAME_PREFIX = "bench-apply-"
ORDERS = (("limit", "apply", "apply", "limit"), ("apply", "limit", "limit", "apply"))
WARM_SECONDS = 1.5
# Requests a profile sends before the profiled ones: 10 to warm up, then 30 with their SQL statements timed.
WARM_PROFILE = 40


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/bench_apply.py",
        description="Citizens file business-closure-report over HTTP against Granian on PostgreSQL "
        f"(EGOV_BENCH_POSTGRES_URL, default {POSTGRES_URL}, created and dropped here), against a "
        "minimal endpoint doing the same writes. Last line: bench-apply: apps_per_s=<n> p99_ms=<n> "
        f"limit_per_s=<n> ratio=<n>; gate ratio >= {GATE} (exit status 1 below it).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--clients", type=int, default=8, help="concurrent citizens: load-generator threads")
    parser.add_argument(
        "--residents",
        type=int,
        default=100_000,
        help="residents generated; about one in ten represents an open business and files once",
    )
    parser.add_argument("--workers", type=int, default=2, help="Granian worker processes")
    parser.add_argument("--threads", type=int, default=4, help="Granian threads per worker")
    parser.add_argument("--blocks", type=int, default=8, help="blocks of four mirrored rounds")
    parser.add_argument("--round-seconds", type=float, default=1.0, help="the longest a round lasts")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="add a cProfile of the server handling one application, by where time goes",
    )
    parser.add_argument(
        "--profile-count", type=int, default=200, help="applications profiled (and as many limit calls)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and the work directory")
    return parser.parse_args(argv)


# --- the database and the server ---------------------------------------------------------


def _admin(statement: str) -> None:
    import psycopg

    parts = urlsplit(POSTGRES_URL)
    with psycopg.connect(
        urlunsplit(parts._replace(path="/postgres")), autocommit=True, connect_timeout=5
    ) as conn:
        conn.execute(statement.format(name=parts.path.lstrip("/") or "egov_bench"))


def environment(workdir: Path) -> dict[str, str]:
    """The environment of every process of the run: the throw-away database, keys and files under ``workdir``."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": POSTGRES_URL,
        "EGOV_KEYS_DIR": str(workdir / "keys"),
        "EGOV_AUDIT_CHECKPOINT_FILE": str(workdir / "checkpoints.jsonl"),
        "EGOV_VAR_DIR": str(workdir / "var"),
        "EGOV_LOG_LEVEL": "WARNING",
        # Persistent connections, as a production deployment runs them.
        "EGOV_DB_CONN_MAX_AGE": "300",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")])),
    }
    env.pop("EGOV_NOW", None)
    return env


def run_setup(workdir: Path, *args: str) -> str:
    """This script in a setup mode of its own, a Django process on the run's database; returns its output."""
    result = subprocess.run(
        [sys.executable, __file__, "--setup", *args],
        env=environment(workdir),
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"--setup {' '.join(args)} failed:\n{result.stderr[-4000:]}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(workdir: Path, options: argparse.Namespace) -> tuple[subprocess.Popen[bytes], int]:
    """Granian as ``make demo`` runs it, with the settings that add the limit's URL (this server only)."""
    port = free_port()
    env = {**environment(workdir), "DJANGO_SETTINGS_MODULE": "bench.apply_limit_settings"}
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen(server_command(port=port, workers=options.workers, threads=options.threads),
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError((workdir / "server.log").read_text()[-4000:])
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", f"/api/v1/applications/forms/{SERVICE}")
            if connection.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("Granian did not start within a minute")


# --- modes that run inside a Django process on the run's database -------------------------


def _django() -> None:
    import django

    django.setup()


def setup_citizens(path: str) -> None:
    """An account and a personal access token for every living representative of an open business, in bulk.

    Written with the models in a few statements rather than through ``citizen_sign_up``
    (an Argon2 hash and an audit entry per account) and identity proofing: this is the
    population the run needs, not what it measures. The tokens were "used a moment ago",
    as a citizen's script in use would have them, so that a request does not also note
    the token's first use.
    """
    _django()
    import hashlib
    import secrets
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from egov.accounts.models import PersonalAccessToken, User
    from egov.applications.effects import HANDLERS
    from egov.core import clock
    from egov.registries.models import Business

    linked = set(User.objects.exclude(resident_id=None).values_list("resident_id", flat=True))
    rows = [
        row
        for row in Business.objects.filter(status="active", representative__status="living")
        .order_by("registration_number")
        .values_list("registration_number", "representative_id", "representative_name")
        if row[1] not in linked
    ]
    now = clock.now()
    unusable = make_password(None)
    users, tokens, citizens = [], [], []
    seen: set[Any] = set()
    for n, (number, resident_id, name) in enumerate(rows):
        if resident_id in seen:  # one account per person; a second business of theirs stays open
            continue
        seen.add(resident_id)
        user = User(
            username=f"{USERNAME_PREFIX}{n}",
            display_name=name,
            kind=User.Kind.CITIZEN,
            resident_id=resident_id,
            password=unusable,
            date_joined=now,
        )
        token = "pat_" + secrets.token_urlsafe(32)
        users.append(user)
        tokens.append(
            PersonalAccessToken(
                user=user,
                name="bench-apply",
                digest=hashlib.sha256(token.encode()).hexdigest(),
                prefix=token[:10],
                expires_at=now + timedelta(days=7),
                last_used_at=now,
            )
        )
        citizens.append({"token": token, "number": number})
    with transaction.atomic():
        User.objects.bulk_create(users, batch_size=5000)
        PersonalAccessToken.objects.bulk_create(tokens, batch_size=5000)
    # Planner statistics of the freshly loaded tables, as autovacuum's analyze would leave them a
    # minute later: without them PostgreSQL guesses the households table is a fifth of its size
    # and reads it whole for each look-up of a person's children (2.5 ms instead of 0.1 ms at
    # 20,000 residents), which would be measured instead of the product.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    Path(path).write_text(json.dumps(citizens))
    print(
        json.dumps(
            {
                "citizens": len(citizens),
                "today": clock.today().isoformat(),
                "handler": "business.close" in HANDLERS,
            }
        )
    )


def setup_verify(path: str) -> None:
    """Check the run's result in the database; print the problems found (none when all is well)."""
    _django()
    from datetime import date, timedelta

    from django.db import connection

    from egov.registries.history import state_as_of
    from egov.registries.models import Business

    filed: dict[str, list[str]] = json.loads(Path(path).read_text())
    closed_on = date.fromisoformat(filed.pop("closed_on")[0])
    expected = {number: kind for kind, numbers in filed.items() for number in numbers}
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT a.form->>'registration_number', c.state, c.reference,
                 EXISTS (SELECT 1 FROM registries_registryevent e WHERE e.entity_id = b.id AND e.kind = 'business.closed'
                         AND e.cause_ref = 'case:' || c.reference AND e.effective_on = %s)
               FROM applications_application a JOIN workflow_case c ON c.id = a.case_id
               JOIN accounts_user u ON u.id = a.applicant_id
               LEFT JOIN registries_business b ON b.registration_number = a.form->>'registration_number'
               WHERE a.service_id = %s AND u.username LIKE %s""",
            [closed_on, SERVICE, f"{USERNAME_PREFIX}%"],
        )
        rows = cursor.fetchall()
    problems: list[str] = []
    found: dict[str, int] = {}
    for number, state, reference, has_event in rows:
        found[number] = found.get(number, 0) + 1
        if number not in expected:
            problems.append(f"{reference}: an application for {number} that no 201 answered")
        if state != "approved":
            problems.append(f"{reference}: the case is {state}, not approved")
        if not has_event:
            problems.append(f"{reference}: no business.closed event of {closed_on} names the case")
    for number in expected:
        if found.get(number, 0) != 1:
            problems.append(f"{number}: {found.get(number, 0)} applications where one was answered 201")
    for business in Business.objects.filter(registration_number__in=list(expected)):
        if state_as_of(business, closed_on)["status"] != "closed":
            problems.append(f"{business.registration_number}: not closed as of {closed_on}")
        if state_as_of(business, closed_on - timedelta(days=1))["status"] != "active":
            problems.append(f"{business.registration_number}: not open the day before the closing date")
    print(
        json.dumps(
            {
                "checked": len(rows),
                "expected": len(expected),
                "problems": problems[:20],
                "problem_count": len(problems),
            }
        )
    )


# --- the profile --------------------------------------------------------------------------


# Where time goes: milliseconds per application under these functions (cumulative time; a
# bucket may contain another — the request contains everything — and the last ones cut
# across the others).
BUCKETS = (
    ("Django request handling, all of it", ("handlers/base.py:get_response",)),
    ("  token authentication", ("accounts/services.py:personal_token_authenticate",)),
    ("  application_submit, all of it", ("applications/services.py:application_submit",)),
    ("    service definition look-ups", ("catalogue/public.py:service_definition",)),
    ("    form validation", ("applications/validation.py:form_clean",)),
    ("    own records read (to find the office)", ("registries/public.py:own_records",)),
    ("    consent recorded", ("exchange/public.py:consent_grant",)),
    ("    evidence through the gate", ("exchange/public.py:fetch",)),
    ("    filing transaction (case, application, notices, decision)", ("applications/services.py:_file",)),
    ("      case opened", ("workflow/services.py:case_open",)),
    (
        "      automatic decision (transition, guard, effect)",
        ("applications/services.py:_decide_automatically",),
    ),
    ("        guard: evidence_confirms", ("applications/rules.py:evidence_confirms",)),
    ("        effects on the registries", ("applications/effects.py:complete",)),
    ("      notices to the applicant", ("applications/notices.py:notice", "applications/notices.py:send")),
    ("  the answer: the application with its history", ("applications/api.py:_out",)),
    ("limit: the minimal endpoint's view", ("bench/apply_limit.py:apply_minimal",)),
    ("audit entries appended", ("core/audit.py:audit_append",)),
    ("database: SQL executed (PostgreSQL, with its round trips)", ("psycopg/cursor.py:execute",)),
    ("database: ORM query compilation", ("sql/compiler.py:as_sql",)),
    ("database: commits", ("base/base.py:commit",)),
    ("JSON encoding and decoding", ("json/__init__.py:dumps", "json/__init__.py:loads")),
    ("pydantic validation and serialisation", ("pydantic/main.py:model_validate",)),
)


def profile(kind: str, path: str, count: int) -> None:
    """cProfile of ``count`` requests of one kind through Django's handler, as the server calls it."""
    _django()
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client

    citizens = json.loads(Path(path).read_text())
    closed_on = citizens.pop(0)["today"]
    client = Client(HTTP_HOST="127.0.0.1")
    target = APPLY_PATH if kind == "apply" else LIMIT_PATH

    def call(citizen: dict[str, str]) -> None:
        answer = client.post(
            target,
            _body(citizen["number"], closed_on),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {citizen['token']}",
        )
        if answer.status_code != 201:
            raise RuntimeError(f"{target} answered {answer.status_code}: {answer.content[:500]!r}")

    warm, traced, timed = (
        citizens[:10],
        citizens[10:WARM_PROFILE],
        citizens[WARM_PROFILE : WARM_PROFILE + count],
    )
    for citizen in warm:
        call(citizen)
    # The statements one request sends, timed without cProfile: which of them the time goes to.
    statements: dict[str, list[float]] = {}

    def traced_execute(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            key = " ".join(sql.split())[:150]
            statements.setdefault(key, []).append(time.perf_counter() - began)

    with connection.execute_wrapper(traced_execute):
        for citizen in traced:
            call(citizen)
    by_time = sorted(statements.items(), key=lambda item: -sum(item[1]))
    sql = {
        "statements": sum(len(times) for times in statements.values()) / len(traced),
        "ms": sum(sum(times) for times in statements.values()) / len(traced) * 1000,
        "top": [
            (len(times) / len(traced), sum(times) / len(traced) * 1000, key) for key, times in by_time[:12]
        ],
    }
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    for citizen in timed:
        call(citizen)
    profiler.disable()
    elapsed = time.perf_counter() - began
    stats = pstats.Stats(profiler, stream=sys.stderr)
    own: list[tuple[float, str]] = []
    for (filename, line, function), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        own.append((tottime / len(timed) * 1000, f"{'/'.join(Path(filename).parts[-2:])}:{line}({function})"))
    own.sort(reverse=True)
    print(
        json.dumps(
            {
                "per_call_ms": elapsed / len(timed) * 1000,
                "buckets": _buckets(stats, len(timed)),
                "own": own[:15],
                "sql": sql,
            }
        )
    )
    stats.sort_stats("cumulative").print_stats(80)
    stats.sort_stats("tottime").print_stats(40)


def _buckets(stats: Any, count: int) -> dict[str, float]:
    found: dict[str, float] = {}
    for (filename, _line, function), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():
        where = f"{'/'.join(Path(filename).parts[-2:])}:{function}"
        for bucket, names in BUCKETS:
            if any(where.endswith(name) for name in names):
                found[bucket] = found.get(bucket, 0.0) + cumulative / count * 1000
    return {bucket: round(found[bucket], 3) for bucket, _names in BUCKETS if bucket in found}


# --- the load generator -------------------------------------------------------------------


def _body(number: str, closed_on: str) -> str:
    return json.dumps(
        {
            "service_id": SERVICE,
            "data": {"registration_number": number, "closed_on": closed_on},
            "idempotency_key": str(uuid.uuid4()),
            "consent": True,
        }
    )


class Load:
    """The citizens left for each kind, and rounds of concurrent filings by ``clients`` threads."""

    def __init__(self, port: int, clients: int, closed_on: str) -> None:
        self.port = port
        self.clients = clients
        self.closed_on = closed_on
        self.citizens: dict[str, deque[dict[str, str]]] = {"apply": deque(), "limit": deque()}
        self.filed: dict[str, list[str]] = {"apply": [], "limit": []}

    def round(self, kind: str, seconds: float, cap: int) -> dict[str, Any]:
        """File for up to ``seconds``, at most ``cap`` reports; throughput is reports answered over the round's time."""
        path = APPLY_PATH if kind == "apply" else LIMIT_PATH
        pool = self.citizens[kind]
        lock = threading.Lock()
        state = {"sent": 0}
        latencies: list[float] = []
        filed: list[str] = []
        errors: list[str] = []
        start = threading.Barrier(self.clients + 1)
        stop_at = [0.0]

        def client() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            start.wait()
            try:
                while time.monotonic() < stop_at[0] and not errors:
                    with lock:
                        if state["sent"] >= cap or not pool:
                            break
                        state["sent"] += 1
                        citizen = pool.popleft()
                    body = _body(citizen["number"], self.closed_on).encode()
                    began = time.perf_counter()
                    connection.request(
                        "POST",
                        path,
                        body=body,
                        headers={
                            "Content-Type": "application/json",
                            "Authorization": f"Bearer {citizen['token']}",
                        },
                    )
                    response = connection.getresponse()
                    content = response.read()
                    took = time.perf_counter() - began
                    if response.status != 201 or b'"state": "approved"' not in content:
                        errors.append(f"{path} answered {response.status}: {content[:600]!r}")
                        break
                    with lock:
                        latencies.append(took)
                        filed.append(citizen["number"])
            finally:
                connection.close()

        threads = [threading.Thread(target=client) for _ in range(self.clients)]
        for thread in threads:
            thread.start()
        stop_at[0] = time.monotonic() + seconds
        start.wait()
        began = time.monotonic()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
        self.filed[kind] += filed
        if errors:
            raise RuntimeError(errors[0])
        return {"done": len(filed), "elapsed": elapsed, "latencies": latencies}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")


def run_profile(
    workdir: Path, kind: str, citizens: list[dict[str, str]], closed_on: str, count: int
) -> dict[str, Any]:
    path = workdir / f"profile-{kind}-citizens.json"
    path.write_text(json.dumps([{"today": closed_on}, *citizens]))
    env = {**environment(workdir), "DJANGO_SETTINGS_MODULE": "bench.apply_limit_settings"}
    result = subprocess.run(
        [sys.executable, __file__, "--profile-worker", kind, str(path), str(count)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    (workdir / f"profile-{kind}.txt").write_text(result.stderr)
    if result.returncode != 0:
        raise RuntimeError(f"profile {kind} failed:\n{result.stderr[-4000:]}")
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def main(options: argparse.Namespace) -> int:
    print(f"bench-apply on PostgreSQL {POSTGRES_URL} (created and dropped here)")
    print(
        f"bench-apply: {options.clients} citizens filing {SERVICE} at once over HTTP; Granian {options.workers} "
        f"workers x {options.threads} threads; {options.blocks} blocks of 4 rounds of at most "
        f"{options.round_seconds:g} s (ratio: median over blocks); {options.residents} residents generated"
    )
    workdir = Path(tempfile.mkdtemp(prefix="egov-bench-apply-"))
    server: subprocess.Popen[bytes] | None = None
    created = False
    profiles: dict[str, Any] = {}
    try:
        _admin('DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _admin('CREATE DATABASE "{name}"')
        created = True
        began = time.monotonic()
        generated = subprocess.run(
            [
                str(Path(sys.executable).with_name("egov")),
                "registries",
                "generate",
                "--residents",
                str(options.residents),
            ],
            env=environment(workdir),
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        if generated.returncode != 0:
            raise RuntimeError(f"egov registries generate failed:\n{generated.stderr[-4000:]}")
        summary = [line.strip() for line in generated.stdout.splitlines() if line.strip()]
        print(
            f"  population: {options.residents} residents generated into the database in "
            f"{time.monotonic() - began:.1f} s ({summary[-1] if summary else ''})"
        )
        began = time.monotonic()
        citizens_file = workdir / "citizens.json"
        made = json.loads(run_setup(workdir, "citizens", str(citizens_file)))
        citizens: list[dict[str, str]] = json.loads(citizens_file.read_text())
        closed_on = made["today"]
        print(
            f"  {made['citizens']} citizens, each representing an open business, with an account and a token, "
            f"in {time.monotonic() - began:.1f} s; closing date {closed_on}"
        )
        if not made["handler"]:
            print(
                "  NOTE: egov.applications.effects has no handler for business.close yet: the effect is only "
                "recorded as pending, and the check of the result will fail"
            )
        reserved = options.profile_count + WARM_PROFILE if options.profile else 0
        profile_citizens = {"apply": citizens[:reserved], "limit": citizens[reserved : 2 * reserved]}
        citizens = citizens[2 * reserved :]
        server, port = start_server(workdir, options)
        load = Load(port, options.clients, closed_on)
        # Warm-up: a slice of citizens for each kind, one round each, twice; the rates seen
        # decide how the rest of the citizens are shared so that neither kind runs out first.
        warm = min(len(citizens) // 8, 2000)
        load.citizens["apply"].extend(citizens[:warm])
        load.citizens["limit"].extend(citizens[warm : 2 * warm])
        rest = citizens[2 * warm :]
        warm_rate = {}
        for kind in ("limit", "apply", "limit", "apply"):
            answer = load.round(kind, WARM_SECONDS / 2, warm // 2)
            warm_rate[kind] = answer["done"] / answer["elapsed"]
        share = warm_rate["limit"] / (warm_rate["limit"] + warm_rate["apply"])
        split = int(len(rest) * share)
        load.citizens["limit"] = deque(rest[:split])
        load.citizens["apply"] = deque(rest[split:])
        warmed = {kind: len(load.filed[kind]) for kind in load.filed}
        caps = {kind: max(1, len(load.citizens[kind]) // (2 * options.blocks)) for kind in load.citizens}
        print(
            f"  warm-up: apply {warm_rate['apply']:.1f}/s, limit {warm_rate['limit']:.1f}/s; citizens left: "
            f"apply {len(load.citizens['apply'])}, limit {len(load.citizens['limit'])} "
            f"(a round files at most {caps['apply']} and {caps['limit']})"
        )
        rates: dict[str, list[float]] = {"apply": [], "limit": []}
        latencies: dict[str, list[float]] = {"apply": [], "limit": []}
        ratios: list[float] = []
        for number in range(options.blocks):
            done = {"apply": 0, "limit": 0}
            elapsed = {"apply": 0.0, "limit": 0.0}
            for kind in ORDERS[number % 2]:
                answer = load.round(kind, options.round_seconds, caps[kind])
                done[kind] += answer["done"]
                elapsed[kind] += answer["elapsed"]
                latencies[kind] += answer["latencies"]
            if not done["limit"]:
                raise RuntimeError("the limit filed nothing in a block: no ratio can be taken")
            block = {kind: done[kind] / elapsed[kind] for kind in done}
            for kind in block:
                rates[kind].append(block[kind])
            ratios.append(block["apply"] / block["limit"])
            print(
                f"  block {number + 1:2d}: limit {block['limit']:7.1f}/s, applications {block['apply']:7.1f}/s, "
                f"ratio {ratios[-1]:.3f}"
            )
        if options.profile:
            profiles["the server handling one application (POST /api/v1/applications/applications)"] = (
                run_profile(workdir, "apply", profile_citizens["apply"], closed_on, options.profile_count)
            )
            profiles["the limit (POST /bench/apply-minimal)"] = run_profile(
                workdir, "limit", profile_citizens["limit"], closed_on, options.profile_count
            )
        server.terminate()
        server.wait(timeout=30)
        server = None
        filed_file = workdir / "filed.json"
        filed_file.write_text(
            json.dumps(
                {
                    **load.filed,
                    "closed_on": [closed_on],
                    "profile": [c["number"] for kind in profile_citizens for c in profile_citizens[kind]]
                    if options.profile
                    else [],
                }
            )
        )
        verified = json.loads(run_setup(workdir, "verify", str(filed_file)))
        audit = subprocess.run(
            [str(Path(sys.executable).with_name("egov")), "audit", "verify"],
            env=environment(workdir),
            cwd=REPO,
            capture_output=True,
            text=True,
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if options.keep:
            print(f"  kept {workdir} and the database {POSTGRES_URL}")
        else:
            if created:
                _admin('DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            shutil.rmtree(workdir, ignore_errors=True)

    apps_per_s = statistics.median(rates["apply"])
    limit_per_s = statistics.median(rates["limit"])
    ratio = statistics.median(ratios)
    quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratio, ratio, ratio]
    p50 = percentile(latencies["apply"], 0.50) * 1000
    p99 = percentile(latencies["apply"], 0.99) * 1000
    print(
        f"applications  {apps_per_s:8.1f}/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms "
        f"({len(latencies['apply'])} in the timed rounds, {warmed['apply']} in the warm-up)"
    )
    print(
        f"limit         {limit_per_s:8.1f}/s, p50 {percentile(latencies['limit'], 0.5) * 1000:.1f} ms, "
        f"p99 {percentile(latencies['limit'], 0.99) * 1000:.1f} ms ({len(latencies['limit'])} in the timed rounds)"
    )
    print(f"ratio {ratio:.3f} (median of {len(ratios)} blocks; IQR {quartiles[0]:.3f}-{quartiles[2]:.3f})")
    checked_ok = verified["problem_count"] == 0 and audit.returncode == 0
    print(
        f"result checked in the database: {verified['checked']} applications for {verified['expected']} reports "
        f"answered 201, {verified['problem_count']} problems"
        + "".join(f"\n    {problem}" for problem in verified["problems"])
    )
    print(
        f"audit chain: {(audit.stdout or audit.stderr).strip().splitlines()[0] if (audit.stdout or audit.stderr).strip() else audit.returncode}"
    )
    for name, found in profiles.items():
        print(
            f"profile, {name}: {found['per_call_ms']:.3f} ms per request under cProfile (which inflates it)"
        )
        for bucket, ms in found["buckets"].items():
            print(f"    {bucket:62} {ms:8.3f} ms {100 * ms / found['per_call_ms']:5.1f}%")
        print("    top functions by own time:")
        for ms, where in found["own"][:10]:
            print(f"      {ms:8.3f} ms  {where}")
        sql = found["sql"]
        print(
            f"    SQL per request, timed without cProfile: {sql['statements']:.1f} statements, {sql['ms']:.2f} ms; "
            "the most costly:"
        )
        for per_request, ms, statement in sql["top"]:
            print(f"      {per_request:4.1f}x {ms:7.3f} ms  {statement}")
    met = {True: "met", False: "not met"}
    print(
        f"goal >= {GOAL_APPS_PER_S:g} applications/s: {met[apps_per_s >= GOAL_APPS_PER_S]} ({apps_per_s:.1f})"
    )
    print(f"goal p99 < {GOAL_P99_MS:g} ms: {met[p99 < GOAL_P99_MS]} ({p99:.1f})")
    print(f"gate ratio >= {GATE:g}: {'passed' if ratio >= GATE else 'FAILED'}")
    if not checked_ok:
        print("check of the result: FAILED")
    print(
        f"bench-apply: apps_per_s={apps_per_s:.1f} p99_ms={p99:.1f} limit_per_s={limit_per_s:.1f} ratio={ratio:.3f}"
    )
    return 0 if ratio >= GATE and checked_ok else 1


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--setup":
        {"citizens": setup_citizens, "verify": setup_verify}[sys.argv[2]](sys.argv[3])
    elif len(sys.argv) >= 5 and sys.argv[1] == "--profile-worker":
        profile(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(main(parse_args(sys.argv[1:])))

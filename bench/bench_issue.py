"""bench-issue: signed documents issued end to end, against the bare render + sign + time-stamp; then verification.

On a throw-away SQLite database under a temporary directory (``egov registries generate``
writes a synthetic population into it), or with ``--postgres`` on a throw-away PostgreSQL
database (``EGOV_BENCH_POSTGRES_URL``, default ``postgresql://127.0.0.1:5432/egov_bench_issue``,
created and dropped here), three measurements in one run:

1. **Issuing, end to end.** ``--workers`` processes (the number of Granian workers a
   deployment runs) each issue resident registration abstracts as an approved case does:
   the resident's record read through the gate (``exchange.public.fetch``, under the
   service's consent-exempt article, one audit entry naming the resident), the template's
   fields resolved, the page drawn (ReportLab), signed and time-stamped (pyHanko, PAdES
   B-T, the platform's in-process TSA), stored with its number and hash, and the
   ``certificate.issued`` audit entry appended — ``certificates.public.issue_document``,
   the function the approval's effect calls, each document in its own transaction.
2. **The limit** (bench/issue_limit.py): the same documents drawn, signed and time-stamped
   in as many processes with no database at all — the work no issuing path can avoid.
   The rows of each resident's abstract are resolved untimed before the rounds
   (``--setup rows``: read through the gate and the template code, rolled back), and each
   limit round draws the residents of one of its pair's issuing rounds, worker by worker,
   so both draw the same people and make the same font subsets (ADR 0145).
   Rounds alternate in mirrored order (limit, issue, issue, limit), each kind's rate is
   its documents over its time, and the ratio is issue over limit.
3. **Verification by number over HTTP**: Granian as ``make demo`` runs it (2 workers x 4
   threads), ``--clients`` keep-alive connections posting
   ``POST /api/v1/certificates/verify`` with numbers issued in step 1 (each answer is
   checked to say ``valid``; each verification is an audit entry). The per-address rate
   limit is raised for this server, since every request comes from one address.

Last line: ``bench-issue: docs_per_s=<n> p99_ms=<n> limit_per_s=<n> ratio=<n> verify_per_s=<n>
verify_p99_ms=<n>``. Gate: ratio >= 0.6 (exit status 1 below it). Goals (reported as met or
not): >= 100 documents/s end to end, verification >= 1,000/s with p99 < 20 ms, on 2 cores.
``--profile`` adds a cProfile of one issuing process, by where the time goes.

Run as ``.venv/bin/python bench/bench_issue.py`` (``make bench-issue``); ``--help`` lists the options.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from egov.core.serving import server_command

GATE = 0.6
GOAL_DOCS_PER_S = 100.0
GOAL_VERIFY_PER_S = 1000.0
GOAL_VERIFY_P99_MS = 20.0
SERVICE = "resident-registration-extract"
PRODUCT = "resident-registration-extract"
REPO = Path(__file__).resolve().parent.parent
VERIFY_PATH = "/api/v1/certificates/verify"
POSTGRES_URL = os.environ.get("EGOV_BENCH_POSTGRES_URL", "postgresql://127.0.0.1:5432/egov_bench_issue")

# Where the time of one document goes (cumulative ms per document; buckets contain one another).
BUCKETS = (
    ("issue_document, all of it", "certificates/public.py:issue_document"),
    ("  registry read through the gate", "exchange/public.py:fetch"),
    ("  template resolved", "certificates/services.py:_rows"),
    ("  page drawn (ReportLab)", "certificates/rendering.py:render_pdf"),
    ("    QR code", "certificates/rendering.py:_draw_qr"),
    ("  signed and time-stamped (pyHanko)", "certificates/signing.py:sign_pdf"),
    ("    CMS signature assembled (with its token)", "certificates/signing.py:async_sign"),
    ("    time-stamp token (in-process TSA)", "certificates/signing.py:token"),
    ("    PDF/A metadata and OutputIntent", "certificates/rendering.py:prepare_pdfa"),
    ("  audit entries appended", "core/audit.py:audit_append"),
    ("  database commits", "base/base.py:commit"),
)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/bench_issue.py",
        description="Signed documents issued end to end against the bare render + sign + time-stamp, then "
        "verification by number over HTTP. Last line: bench-issue: docs_per_s=<n> p99_ms=<n> limit_per_s=<n> "
        f"ratio=<n> verify_per_s=<n> verify_p99_ms=<n>; gate ratio >= {GATE} (exit status 1 below it).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--documents", type=int, default=400, help="documents issued per round, all workers together")
    parser.add_argument("--workers", type=int, default=2, help="issuing processes (and limit processes)")
    parser.add_argument("--rounds", type=int, default=2, help="pairs of mirrored rounds (limit, issue, issue, limit)")
    parser.add_argument("--residents", type=int, default=500, help="residents generated")
    parser.add_argument("--verifications", type=int, default=4000, help="verifications by number over HTTP")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients for verification")
    parser.add_argument("--server-workers", type=int, default=2, help="Granian worker processes")
    parser.add_argument("--threads", type=int, default=4, help="Granian threads per worker")
    parser.add_argument("--profile", action="store_true", help="add a cProfile of one issuing process")
    parser.add_argument("--postgres", action="store_true",
                        help=f"on PostgreSQL (EGOV_BENCH_POSTGRES_URL, default {POSTGRES_URL}, created and dropped "
                        "here) instead of SQLite")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    return parser.parse_args(argv)


def environment(workdir: Path, database: str = "") -> dict[str, str]:
    """Every process's environment: ``database`` (a URL), or by default an SQLite file in ``workdir``."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database or f"sqlite:///{workdir / 'bench.sqlite3'}",
        "EGOV_KEYS_DIR": str(workdir / "keys"),
        "EGOV_AUDIT_CHECKPOINT_FILE": str(workdir / "checkpoints.jsonl"),
        "EGOV_VAR_DIR": str(workdir / "var"),
        "EGOV_LOG_LEVEL": "WARNING",
        "EGOV_DB_CONN_MAX_AGE": "300",
        # One client address sends every verification: the per-address limit would stop the run.
        "EGOV_CERTIFICATE_VERIFY_RATE": "1000000000",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")])),
    }
    env.pop("EGOV_NOW", None)
    return env


def _django() -> None:
    import django

    django.setup()


# --- modes run inside Django processes on the run's database ------------------------------


def setup_population(path: str) -> None:
    """The pack loaded, a holder account, the living residents to issue for and the office that reads them."""
    _django()
    from egov.accounts.models import User
    from egov.catalogue.public import evidence_needs, load_catalogue
    from egov.exchange.public import load_exchange_pack
    from egov.registries.models import Resident

    load_catalogue()
    load_exchange_pack()
    need = next(n for n in evidence_needs() if n.service_id == SERVICE and n.product == PRODUCT)
    from egov.accounts.models import Organisation

    consumers = [c for c in need.consumers if not c.startswith("kind:")]
    kinds = [c.removeprefix("kind:") for c in need.consumers if c.startswith("kind:")]
    office = (
        Organisation.objects.filter(code__in=consumers).first()
        or Organisation.objects.filter(kind__in=kinds).order_by("code").first()
    )
    assert office is not None, "no office may read the resident register for this service"
    holder, _created = User.objects.get_or_create(
        username="bench-issue-holder", defaults={"display_name": "Bench Holder", "kind": User.Kind.CITIZEN}
    )
    residents = [str(r) for r in Resident.objects.filter(status="living").values_list("id", flat=True)]
    Path(path).write_text(
        json.dumps(
            {
                "holder": str(holder.pk),
                "office": office.code,
                "office_name": office.name,
                "article": need.consent_exempt_article,
                "purpose": need.purpose,
                "residents": residents,
            }
        )
    )
    print(json.dumps({"residents": len(residents), "office": office.code}))


def setup_rows(path: str) -> None:
    """The rows each resident's abstract shows, resolved as issuing resolves them, for the limit (``rows.json``).

    Each living resident of ``setup.json`` is read through the gate as an issuing process
    reads them and the template's rows are resolved from the release by the template code
    of ``certificates.services.document_issue`` (the same labels and values), all in one
    transaction rolled back at the end: the database the rounds run on is left as it was
    (no extra log rows or audit entries). The limit draws these rows untimed-resolved, so
    that it draws the issuing rounds' very documents with no database in its timed loop.
    """
    _django()
    import uuid

    from django.db import transaction

    from egov.certificates import services
    from egov.certificates.templates_pack import document_template
    from egov.exchange import public as exchange

    setup = json.loads(Path(path).read_text())
    requester = exchange.Requester(
        organisation_code=setup["office"], actor="system:bench-issue", label=f"{setup['office_name']} · bench"
    )
    template = document_template(SERVICE)
    residents = []
    with transaction.atomic():
        for resident in setup["residents"]:
            release = exchange.fetch(
                requester=requester, product=PRODUCT, purpose=setup["purpose"], service=SERVICE,
                subject_resident_id=uuid.UUID(resident), legal_basis=setup["article"],
            )
            values = {"facts": {"resident": release.data}, "form": {}, "applicant": {"name": "벤치"},
                      "case": {"reference": "B00000000000"}}
            residents.append([(f"{row['label'].get('ko', '')} ({row['label'].get('en', '')})", row["value"])
                              for row in services._rows(template, values)])
        transaction.set_rollback(True)
    Path(path).with_name("rows.json").write_text(json.dumps(
        {"title": dict(template.title), "authority": setup["office_name"], "residents": residents},
        ensure_ascii=False,
    ))
    print(json.dumps({"residents": len(residents)}))


def issue_worker(path: str, count: int, offset: int, profile: bool) -> None:
    """Issue ``count`` documents end to end after a ``go`` on stdin; print latencies and numbers as JSON."""
    _django()
    import uuid

    from egov.certificates import public as certificates
    from egov.core import clock
    from egov.exchange import public as exchange

    setup = json.loads(Path(path).read_text())
    residents = setup["residents"]
    requester = exchange.Requester(
        organisation_code=setup["office"], actor="system:bench-issue", label=f"{setup['office_name']} · bench"
    )

    def one(n: int) -> str:
        resident_id = uuid.UUID(residents[n % len(residents)])
        release = exchange.fetch(
            requester=requester, product=PRODUCT, purpose=setup["purpose"], service=SERVICE,
            subject_resident_id=resident_id, legal_basis=setup["article"],
        )
        reference = f"B{n:011d}"
        document = certificates.issue_document(
            document_type=SERVICE, holder_id=uuid.UUID(setup["holder"]), subject_resident_ids=[resident_id],
            case_reference=reference, application_id=None,
            values={"facts": {"resident": release.data}, "form": {}, "applicant": {"name": "벤치"},
                    "case": {"reference": reference}},
            authority=setup["office_name"], by="system:bench-issue",
        )
        return document.number

    for n in range(3):  # warm: fonts registered, keys parsed, signature size measured
        one(offset + count + n)
    print("ready", flush=True)
    sys.stdin.readline()
    latencies, numbers = [], []
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    began = time.perf_counter()
    for n in range(offset, offset + count):
        start = time.perf_counter()
        numbers.append(one(n))
        latencies.append(time.perf_counter() - start)
    elapsed = time.perf_counter() - began
    result: dict[str, Any] = {"latencies": latencies, "numbers": numbers, "elapsed": elapsed}
    if profiler is not None:
        import pstats

        profiler.disable()
        stats = pstats.Stats(profiler)
        result["buckets"] = _buckets(stats, count)
        own = sorted(
            ((tt / count * 1000, f"{'/'.join(Path(f).parts[-2:])}:{line}({fn})")
             for (f, line, fn), (_cc, _nc, tt, _ct, _cl) in stats.stats.items()),  # type: ignore[attr-defined]
            reverse=True,
        )
        result["own"] = own[:12]
        result["profiled_ms"] = elapsed / count * 1000
    del clock
    print(json.dumps(result), flush=True)


def _buckets(stats: Any, count: int) -> dict[str, float]:
    found: dict[str, float] = {}
    for (filename, _line, function), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():
        where = f"{'/'.join(Path(filename).parts[-2:])}:{function}"
        for bucket, name in BUCKETS:
            if where.endswith(name):
                found[bucket] = found.get(bucket, 0.0) + cumulative / count * 1000
    return {bucket: round(found[bucket], 2) for bucket, _name in BUCKETS if bucket in found}


# --- the driver ----------------------------------------------------------------------------


def _admin(statement: str) -> None:
    """A statement on the PostgreSQL server's maintenance database (creating and dropping the run's)."""
    import psycopg

    parts = urlsplit(POSTGRES_URL)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True, connect_timeout=5) as conn:
        conn.execute(statement.format(name=parts.path.lstrip("/") or "egov_bench_issue"))


def run_setup(workdir: Path, database: str, *args: str) -> str:
    result = subprocess.run([sys.executable, __file__, "--setup", *args], env=environment(workdir, database), cwd=REPO,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"--setup {' '.join(args)} failed:\n{result.stderr[-4000:]}")
    return result.stdout


def parallel(workdir: Path, database: str, commands: list[list[str]]) -> list[dict[str, Any]]:
    """Start the processes, wait until each says ready, say go to all at once, collect their JSON."""
    processes = [
        subprocess.Popen([sys.executable, *command], env=environment(workdir, database), cwd=REPO, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for command in commands
    ]
    for process in processes:
        assert process.stdout is not None
        line = process.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"a worker did not start: {line}{process.communicate()[1][-4000:]}")
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    results = []
    for process in processes:
        out, err = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"a worker failed:\n{err[-4000:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def round_of(kind: str, workdir: Path, setup: Path, options: argparse.Namespace, offset: int,
             profile: bool = False) -> dict[str, Any]:
    share = options.documents // options.workers
    if kind == "issue":
        commands = [[__file__, "--issue-worker", str(setup), str(share), str(offset + w * share),
                     "1" if profile and w == 0 else "0"] for w in range(options.workers)]
    else:
        # The same residents as an issuing round at ``offset``: worker w draws what issuing worker w issues.
        commands = [[str(REPO / "bench" / "issue_limit.py"), str(setup.with_name("rows.json")), str(share),
                     str(offset + w * share)] for w in range(options.workers)]
    began = time.perf_counter()
    results = parallel(workdir, options.database, commands)
    elapsed = max(r["elapsed"] for r in results)
    del began
    return {
        "done": sum(len(r["latencies"]) for r in results),
        "elapsed": elapsed,
        "latencies": [x for r in results for x in r["latencies"]],
        "numbers": [n for r in results for n in r.get("numbers", [])],
        "profile": next((r for r in results if "buckets" in r), None),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(workdir: Path, options: argparse.Namespace) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen(server_command(port=port, workers=options.server_workers, threads=options.threads),
                              env=environment(workdir, options.database), stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError((workdir / "server.log").read_text()[-4000:])
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("POST", VERIFY_PATH, body="number=0000000000000000",
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
            if connection.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("Granian did not start within a minute")


def verify_load(port: int, numbers: list[str], total: int, clients: int) -> dict[str, Any]:
    """``clients`` keep-alive connections verify ``total`` numbers (cycling through those issued)."""
    lock = threading.Lock()
    state = {"next": 0}
    latencies: list[float] = []
    errors: list[str] = []
    start = threading.Barrier(clients + 1)

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start.wait()
        try:
            while not errors:
                with lock:
                    if state["next"] >= total:
                        break
                    number = numbers[state["next"] % len(numbers)]
                    state["next"] += 1
                began = time.perf_counter()
                connection.request("POST", VERIFY_PATH, body=urlencode({"number": number}),
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
                response = connection.getresponse()
                content = response.read()
                took = time.perf_counter() - began
                if response.status != 200 or b'"valid"' not in content:
                    errors.append(f"{VERIFY_PATH} answered {response.status}: {content[:400]!r}")
                    break
                with lock:
                    latencies.append(took)
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise RuntimeError(errors[0])
    return {"done": len(latencies), "elapsed": elapsed, "latencies": latencies}


def main(options: argparse.Namespace) -> int:
    print(
        f"bench-issue: {options.documents} documents a round by {options.workers} processes, {options.rounds} pairs of "
        f"mirrored rounds against the bare render + sign + time-stamp; then {options.verifications} verifications by "
        f"number over HTTP ({options.clients} clients, Granian {options.server_workers}x{options.threads})"
    )
    workdir = Path(tempfile.mkdtemp(prefix="egov-bench-issue-"))
    options.database = POSTGRES_URL if options.postgres else ""
    where = f"PostgreSQL {urlsplit(POSTGRES_URL).path.lstrip('/')}" if options.postgres else f"SQLite under {workdir.name}"
    server: subprocess.Popen[bytes] | None = None
    created = False
    try:
        if options.postgres:
            _admin('DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _admin('CREATE DATABASE "{name}"')
            created = True
        began = time.monotonic()
        generated = subprocess.run(
            [str(Path(sys.executable).with_name("egov")), "registries", "generate", "--residents",
             str(options.residents)],
            env=environment(workdir, options.database), cwd=REPO, capture_output=True, text=True,
        )
        if generated.returncode != 0:
            raise RuntimeError(f"egov registries generate failed:\n{generated.stderr[-4000:]}")
        setup = workdir / "setup.json"
        made = json.loads(run_setup(workdir, options.database, "population", str(setup)))
        run_setup(workdir, options.database, "rows", str(setup))
        print(f"  population: {made['residents']} living residents, read by {made['office']}, their abstracts' rows "
              f"resolved for the limit, in {time.monotonic() - began:.1f} s ({where})")
        rates: dict[str, list[float]] = {"issue": [], "limit": []}
        latencies: dict[str, list[float]] = {"issue": [], "limit": []}
        numbers: list[str] = []
        offset = 0
        step = options.documents + 10 * options.workers
        for pair in range(options.rounds):
            # Each limit round draws the documents of one of the pair's issuing rounds (the first
            # limit those of the first issuing round, the last those of the second).
            offsets = {"issue": [offset + step, offset + 2 * step], "limit": [offset + step, offset + 2 * step]}
            offset += 4 * step
            for kind in ("limit", "issue", "issue", "limit"):
                answer = round_of(kind, workdir, setup, options, offsets[kind].pop(0))
                rate = answer["done"] / answer["elapsed"]
                rates[kind].append(rate)
                latencies[kind] += answer["latencies"]
                numbers += answer["numbers"]
                print(f"  pair {pair + 1}, {kind:5}: {rate:7.1f} documents/s "
                      f"(p50 {percentile(answer['latencies'], 0.5) * 1000:.1f} ms)")
        profile = None
        if options.profile:
            profile = round_of("issue", workdir, setup, options, offset, profile=True)["profile"]
        server, port = start_server(workdir, options)
        verify_load(port, numbers, min(200, options.verifications), options.clients)  # warm
        verified = verify_load(port, numbers, options.verifications, options.clients)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if options.keep:
            print(f"  kept {workdir}" + (f" and {where}" if created else ""))
        else:
            if created:
                _admin('DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            shutil.rmtree(workdir, ignore_errors=True)

    docs_per_s = sum(rates["issue"]) / len(rates["issue"])
    limit_per_s = sum(rates["limit"]) / len(rates["limit"])
    ratio = docs_per_s / limit_per_s
    p50 = percentile(latencies["issue"], 0.5) * 1000
    p99 = percentile(latencies["issue"], 0.99) * 1000
    verify_per_s = verified["done"] / verified["elapsed"]
    verify_p99 = percentile(verified["latencies"], 0.99) * 1000
    print(f"issued        {docs_per_s:8.1f}/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms ({len(latencies['issue'])} documents)")
    print(f"limit         {limit_per_s:8.1f}/s, p50 {percentile(latencies['limit'], 0.5) * 1000:.1f} ms, "
          f"p99 {percentile(latencies['limit'], 0.99) * 1000:.1f} ms")
    print(f"ratio {ratio:.3f}")
    print(f"verification  {verify_per_s:8.1f}/s, p50 {percentile(verified['latencies'], 0.5) * 1000:.1f} ms, "
          f"p99 {verify_p99:.1f} ms ({verified['done']} requests)")
    if profile:
        print(f"profile of one issuing process: {profile['profiled_ms']:.2f} ms per document under cProfile")
        for bucket, ms in profile["buckets"].items():
            print(f"    {bucket:44} {ms:8.2f} ms")
        print("    top functions by own time:")
        for ms, where in profile["own"][:10]:
            print(f"      {ms:7.2f} ms  {where}")
    met = {True: "met", False: "not met"}
    print(f"goal >= {GOAL_DOCS_PER_S:g} documents/s: {met[docs_per_s >= GOAL_DOCS_PER_S]} ({docs_per_s:.1f})")
    print(f"goal >= {GOAL_VERIFY_PER_S:g} verifications/s: {met[verify_per_s >= GOAL_VERIFY_PER_S]} "
          f"({verify_per_s:.1f})")
    print(f"goal verification p99 < {GOAL_VERIFY_P99_MS:g} ms: {met[verify_p99 < GOAL_VERIFY_P99_MS]} "
          f"({verify_p99:.1f})")
    print(f"gate ratio >= {GATE:g}: {'passed' if ratio >= GATE else 'FAILED'}")
    print(f"bench-issue: docs_per_s={docs_per_s:.1f} p99_ms={p99:.1f} limit_per_s={limit_per_s:.1f} "
          f"ratio={ratio:.3f} verify_per_s={verify_per_s:.1f} verify_p99_ms={verify_p99:.1f}")
    return 0 if ratio >= GATE else 1


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--setup":
        {"population": setup_population, "rows": setup_rows}[sys.argv[2]](sys.argv[3])
    elif len(sys.argv) >= 6 and sys.argv[1] == "--issue-worker":
        issue_worker(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1")
    else:
        sys.exit(main(parse_args(sys.argv[1:])))

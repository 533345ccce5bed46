"""``egov simulate``: a small year through the real services; what it prints is what the database holds."""

from __future__ import annotations

import io
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from egov.applications import public as applications
from egov.certificates import public as certificates
from egov.notifications import public as notifications
from egov.workflow import public as workflow

# The command commits each filing (the approval's document is issued after its commit), as in production:
# the tests run on a database of their own.
pytestmark = pytest.mark.committed


@pytest.fixture
def kr_pack(committed_db: str) -> None:
    from egov.accounts.public import load_country_pack
    from egov.catalogue.public import load_catalogue
    from egov.exchange import public as exchange

    load_country_pack()
    load_catalogue()
    exchange.load_exchange_pack()


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings: Any, tmp_path: Path) -> None:
    """The proofs the simulated residents attach are kept in the test's own directory."""
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("simulate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_printed_counts_are_the_rows_created_and_each_kpi_is_held_to_its_goal(
        kr_pack: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from egov.metrics import kpis, simulation

    # Births at a rate that gives this small register a few, so that the birth one-stop bundle is among the filings.
    monkeypatch.setattr(simulation, "EVENTS", tuple(
        replace(event, per_year=3.0) if event.key == "birth" else event for event in simulation.EVENTS))
    out, err = _run("--residents", "12", "--year", "2026", "--seed", "5")

    created = dict(re.findall(r"^created (\w+)=(\d+)$", out, re.M))
    assert int(created["applications"]) == applications.application_count() > 0
    assert int(created["cases"]) == workflow.case_count()
    assert int(created["documents"]) == certificates.document_count() > 0
    assert int(created["messages"]) == notifications.message_count()
    filed = sum(int(n) for n in re.findall(r"^filed [\w-]+=(\d+)$", out, re.M))
    assert filed == applications.application_count()
    # A birth one-stop filing is one application per member service, each counted under its service.
    bundled = int(re.search(r"^bundled birth-one-stop=(\d+)$", out, re.M).group(1))  # type: ignore[union-attr]
    assert bundled > 0
    assert int(re.search(r"^filed child-allowance=(\d+)$", out, re.M).group(1)) >= bundled  # type: ignore[union-attr]
    # The benefits' office approves them once the birth report has given the child a number.
    assert re.search(r"^decided parental-benefit approved=[1-9]\d*$", out, re.M), out
    assert re.search(r"^kpi online_services: [\d.]+% goal >= 85%: (met|not met)$", out, re.M)
    assert re.search(r"^kpi visits_per_applicant: [\d.]+ goal <= 3: (met|not met)$", out, re.M)
    assert "kpi e_participation: not measured yet" in out
    assert "simulate:" in err  # progress on standard error, not mixed into the result
    assert "events" not in out
    # Every record carries a date of the simulated year (the clock was moved to each filing).
    in_year = sum(t.count for t in applications.application_tallies(
        since=kpis.year_scope(2026).since, until=kpis.year_scope(2026).until))
    assert in_year == applications.application_count()


def test_worker_processes_print_what_one_process_prints(kr_pack: None) -> None:
    """Two worker processes filing the certificate events on one fresh copy, one process on another: the same lines."""
    from egov.core.testing import clone_database, drop_clone

    template, clone = clone_database(durable=False)  # a second fresh database, the pack loaded as in the first
    try:
        parallel, err = _run("--residents", "12", "--year", "2026", "--seed", "5", "--workers", "2")
        created = dict(re.findall(r"^created (\w+)=(\d+)$", parallel, re.M))
        # The workers' filings are in this database and counted: they wrote where the coordinator reads.
        assert int(created["applications"]) == applications.application_count() > 0
        assert int(created["documents"]) == certificates.document_count() > 0
    finally:
        drop_clone(template, clone)
    assert "2 worker process(es)" in err
    alone, _err = _run("--residents", "12", "--year", "2026", "--seed", "5", "--workers", "1")

    assert parallel == alone


def test_counters_are_visited_on_working_days_only_and_online_filing_goes_on_every_day(
        kr_pack: None, settings: Any) -> None:
    """Half the filings go to a counter: none of those on a Saturday, a Sunday or a public holiday."""
    from datetime import date, datetime, time

    from egov.accounts import public as accounts
    from egov.exchange import public as exchange
    from egov.metrics import simulation

    call_command("registries", "generate", "--residents", "12", "--seed", "3", "--as-of", "2026-12-31",
                 stdout=io.StringIO(), stderr=io.StringIO())
    tz = ZoneInfo(settings.TIME_ZONE)
    saved = os.environ.get("EGOV_NOW")
    try:
        outcome = simulation.simulate(residents=12, year=2027, seed=3, online_share=0.5, progress=io.StringIO(), tz=tz,
                                      events=(simulation.Event("certificate_need", 6.0, (
                                          ("resident-registration-copy", {"copies": 1}),)),))
    finally:
        os.environ.pop("EGOV_NOW", None) if saved is None else os.environ.update(EGOV_NOW=saved)

    def office_day(day: date) -> bool:
        opens = datetime.combine(day, time(0), tz)
        return day.weekday() < 5 and workflow.working_time_between(opens, opens + timedelta(days=1)) > timedelta(0)

    filed = []
    for resident in exchange.resident_ids_for_simulation(on=date(2027, 1, 1), limit=12):
        account = accounts.resident_linked_user(resident_id=resident)
        filed += applications.applications_of(applicant_id=account, limit=1000) if account else []
    assert len(filed) == applications.application_count() > 40
    days = {(item.channel, item.submitted_at.astimezone(tz).date()) for item in filed}
    assert {day for channel, day in days if channel == "counter"}
    assert all(office_day(day) for channel, day in days if channel == "counter")
    # The check knows the pack's holidays, not only weekends: Seollal's second day in 2027 is a Monday.
    assert not office_day(date(2027, 2, 8)) and not office_day(date(2027, 1, 2)) and office_day(date(2027, 2, 10))
    assert any(not office_day(day) for channel, day in days if channel == "online")
    # Whoever meant to go on a closed day went on the next open one; the command prints how many did.
    assert outcome.put_off > 0


def test_bad_arguments_are_refused_before_anything_is_written(kr_pack: None) -> None:
    with pytest.raises(CommandError, match="between 0 and 1"):
        _run("--residents", "5", "--year", "2026", "--online-share", "1.5")
    with pytest.raises(CommandError, match="at least 1"):
        _run("--residents", "0", "--year", "2026")
    with pytest.raises(CommandError, match="between 1 and 16"):
        _run("--residents", "5", "--year", "2026", "--workers", "0")
    assert applications.application_count() == 0


def test_a_move_a_birth_and_a_death_change_the_register_from_their_dates(kr_pack: None, settings: Any) -> None:
    """A small register where everyone moves, has a child and may die: each approval shows in the register that day."""
    from egov.accounts import public as accounts
    from egov.exchange import public as exchange
    from egov.metrics import simulation

    call_command("registries", "generate", "--residents", "30", "--seed", "1", "--as-of", "2026-12-31",
                 stdout=io.StringIO(), stderr=io.StringIO())
    events = (simulation.Event("move", 0.5), simulation.Event("birth", 4.0), simulation.Event("death", 0.2))
    saved = os.environ.get("EGOV_NOW")
    try:
        outcome = simulation.simulate(residents=30, year=2027, seed=1, online_share=1.0, progress=io.StringIO(),
                                      tz=ZoneInfo(settings.TIME_ZONE), events=events)
    finally:
        os.environ.pop("EGOV_NOW", None) if saved is None else os.environ.update(EGOV_NOW=saved)

    approved = {service for service, _ref, _on in outcome.approvals}
    registering = {"move-in-report", "birth-report", "death-report"}
    assert registering <= approved, (outcome.skipped, outcome.refused, outcome.decided)
    # Births filed through the one-stop service: the benefits were approved once the child had a number.
    assert {"child-allowance", "parental-benefit"} <= approved, outcome.decided
    requester = exchange.system_requester(organisation_code="cen-mois", name="tests", label="Simulation check")
    for service, reference, decided_on in outcome.approvals:
        if service not in registering:
            continue  # the benefits pay; they change no register
        after = {r.entity_id: r for r in exchange.case_changes_as_of(requester=requester, case_reference=reference,
                                                                      on=decided_on)}
        assert after, (service, reference)
        changed_on = min(r.effective_on for r in after.values())
        before = {r.entity_id: r for r in exchange.case_changes_as_of(
            requester=requester, case_reference=reference, on=changed_on - timedelta(days=1))}
        if service == "birth-report":
            child = next(r for r in after.values() if r.entity_type == "resident")
            assert child.existed and not before[child.entity_id].existed
        elif service == "death-report":
            deceased = next(r for r in after.values() if r.entity_type == "resident")
            assert deceased.values["status"] == "deceased"
            assert before[deceased.entity_id].values["status"] == "living"
            # The dead file nothing after the day they died.
            account = accounts.resident_linked_user(resident_id=deceased.entity_id)
            filed = applications.applications_of(applicant_id=account, limit=100) if account else []
            assert all(item.submitted_at.astimezone(ZoneInfo(settings.TIME_ZONE)).date() < changed_on for item in filed)
        elif service == "move-in-report":
            assert any(r.values != before[r.entity_id].values for r in after.values())


def test_sigterm_ends_the_worker_processes_with_the_run(committed_db: str, tmp_path: Path) -> None:
    """An operator who stops a run with SIGTERM (kill, a container stopping) leaves no worker filing on."""
    import signal
    import subprocess
    import sys
    import time

    env = {**os.environ, "DATABASE_URL": committed_db, "DJANGO_SETTINGS_MODULE": "config.settings",
           "EGOV_VAR_DIR": str(tmp_path)}
    run = subprocess.Popen([sys.executable, "-m", "egov.cli", "simulate", "--residents", "400", "--year", "2026",
                            "--workers", "2"], env=env, cwd=Path(__file__).resolve().parents[3],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    workers: list[int] = []
    try:
        assert run.stderr is not None
        for line in run.stderr:  # the progress says when the workers are started
            if "worker process(es)" in line:
                break
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline:
            children = Path(f"/proc/{run.pid}/task/{run.pid}/children").read_text().split()
            workers = [int(pid) for pid in children
                       if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]
            time.sleep(0.1)
        assert len(workers) == 2, "the run started its two worker processes"
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=60) == 128 + signal.SIGTERM
        deadline = time.monotonic() + 15
        while any(Path(f"/proc/{pid}").exists() and "Z" not in _state(pid) for pid in workers):
            assert time.monotonic() < deadline, "a worker process outlived the run"
            time.sleep(0.1)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait(timeout=30)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "Z"

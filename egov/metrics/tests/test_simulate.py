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


def test_the_printed_counts_are_the_rows_created_and_each_kpi_is_held_to_its_goal(kr_pack: None) -> None:
    from egov.metrics import kpis

    out, err = _run("--residents", "12", "--year", "2026", "--seed", "5")

    created = dict(re.findall(r"^created (\w+)=(\d+)$", out, re.M))
    assert int(created["applications"]) == applications.application_count() > 0
    assert int(created["cases"]) == workflow.case_count()
    assert int(created["documents"]) == certificates.document_count() > 0
    assert int(created["messages"]) == notifications.message_count()
    filed = sum(int(n) for n in re.findall(r"^filed [\w-]+=(\d+)$", out, re.M))
    assert filed == applications.application_count()
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
    assert {"move-in-report", "birth-report", "death-report"} <= approved, (outcome.skipped, outcome.refused,
                                                                            outcome.decided)
    requester = exchange.system_requester(organisation_code="cen-mois", name="tests", label="Simulation check")
    for service, reference, decided_on in outcome.approvals:
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

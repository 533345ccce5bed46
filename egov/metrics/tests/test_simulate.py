"""``egov simulate``: a small year through the real services; what it prints is what the database holds."""

from __future__ import annotations

import io
import re

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


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("simulate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_printed_counts_are_the_rows_created_and_each_kpi_is_held_to_its_goal(kr_pack: None) -> None:
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


def test_the_dates_of_the_records_are_in_the_simulated_year(kr_pack: None) -> None:
    from egov.metrics import kpis

    _run("--residents", "6", "--year", "2026", "--seed", "2")

    in_year = sum(t.count for t in applications.application_tallies(
        since=kpis.year_scope(2026).since, until=kpis.year_scope(2026).until))
    assert in_year == applications.application_count() > 0


def test_bad_arguments_are_refused_before_anything_is_written(kr_pack: None) -> None:
    with pytest.raises(CommandError, match="between 0 and 1"):
        _run("--residents", "5", "--year", "2026", "--online-share", "1.5")
    with pytest.raises(CommandError, match="at least 1"):
        _run("--residents", "0", "--year", "2026")
    assert applications.application_count() == 0

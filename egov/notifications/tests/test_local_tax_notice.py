"""The local-tax-due notice: a fortnight before an unpaid tax's due date, once, linking to the tax service.

Alice subscribed; the 2026 vehicle tax on her car (first half) is due on 30 June 2026. The
platform clock is moved with EGOV_NOW, as an operator demonstrates it.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from egov.core import access_log, clock
from egov.finance import public as finance
from egov.notifications import public as notifications

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_taxed(alice: Any, notices_pack: None) -> Any:
    alice.resident_id = uuid.uuid4()
    alice.save(update_fields=["resident_id"])
    finance.local_tax_assess(
        taxpayer_kind="resident", taxpayer_id=alice.resident_id, tax_item="vehicle", tax_year=2026, period="1",
        object_ref="12가3456", object_label="12가3456 현대 아반떼", base_date=date(2026, 6, 1), amount=111_860,
        due_on=date(2026, 6, 30), assessor_code="sgg-11110", assessor_name="종로구", assessed_on=date(2026, 6, 10),
        by="system:tests")
    notifications.subscriptions_set(user_id=alice.pk, rules=["local-tax-due"])
    return alice


def _run_on(monkeypatch: pytest.MonkeyPatch, moment: str) -> int:
    monkeypatch.setenv("EGOV_NOW", moment)
    return notifications.notices_run(run_date=clock.today())


def test_the_tax_notice_comes_a_fortnight_before_the_due_date_once_with_a_link(
    alice_taxed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run_on(monkeypatch, "2026-06-10T09:00:00+09:00") == 0, "three weeks before: not yet"
    assert _run_on(monkeypatch, "2026-06-16T09:00:00+09:00") == 1
    assert _run_on(monkeypatch, "2026-06-17T09:00:00+09:00") == 0, "no one gets the same notice twice"

    [notice] = notifications.inbox_list(alice_taxed.pk)
    assert "자동차세" in notice.subject and "111,860" in notice.body and "12가3456" in notice.body
    assert notice.link == "/catalogue/services/local-tax-assessment-certificate/"
    # Each daily look at her taxes is on her "Who viewed my data", under her subscription.
    reads = [e for e in access_log.entries_about([f"resident:{alice_taxed.resident_id}"], limit=None)
             if e.object_ref == "finance:local_tax"]
    assert len(reads) == 3 and all(e.consent.startswith("subscription:") for e in reads)


def test_a_tax_paid_in_time_brings_no_notice(alice_taxed: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    [line] = finance.local_tax_statement(taxpayer_kind="resident", taxpayer_id=alice_taxed.resident_id,
                                         on=date(2026, 6, 12)).assessments
    finance.local_tax_pay(assessment_id=line.id, idempotency_key="paid-early", by="user:alice",
                          paid_on=date(2026, 6, 12), channel="bank")

    assert _run_on(monkeypatch, "2026-06-16T09:00:00+09:00") == 0
    assert notifications.inbox_list(alice_taxed.pk) == []

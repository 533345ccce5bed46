"""A crash mid-submit leaves the case either whole or absent."""

from __future__ import annotations

from typing import Any

import pytest

from egov.applications import effects
from egov.applications.models import Application
from egov.core.models.audit import AuditEntry
from egov.exchange.public import consents_of
from egov.finance.public import payments_of, receipt
from egov.workflow.public import cases_for_applicant

pytestmark = pytest.mark.django_db


def _crash(context: Any) -> None:
    """An automatic effect that fails as a full disk would."""
    raise RuntimeError("disk full")


def test_a_crash_in_an_automatic_effect_leaves_no_case_and_a_retry_files_it(
    offices: Any, alice: Any, alice_resident: Any, submit: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(effects, "complete", _crash)
    with pytest.raises(RuntimeError):
        submit("resident-registration-copy", {"copies": 1}, key="k", channel="online")
    assert Application.objects.count() == 0
    assert cases_for_applicant(applicant_id=alice.id) == []
    assert payments_of(payer_user_id=alice.id) == []
    monkeypatch.undo()
    application = submit("resident-registration-copy", {"copies": 1}, key="k")
    assert [c.id for c in cases_for_applicant(applicant_id=alice.id)] == [application.case_id]


def test_a_crash_after_the_fee_is_charged_leaves_no_payment(
    offices: Any, alice: Any, alice_resident: Any, clerk: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from egov.applications.services import application_submit

    monkeypatch.setattr(effects, "complete", _crash)
    with pytest.raises(RuntimeError):
        # At the counter the copy costs a fee, charged before the automatic decision.
        application_submit(applicant=alice, service_id="resident-registration-copy", data={"copies": 1},
                           idempotency_key="c", channel="counter", by=clerk)
    monkeypatch.undo()
    application = application_submit(applicant=alice, service_id="resident-registration-copy", data={"copies": 1},
                                     idempotency_key="c", channel="counter", by=clerk)
    found = receipt(payment_id=application.payment_id)
    assert found is not None and found.payment.amount == 400
    assert [p.id for p in payments_of(payer_user_id=alice.id)] == [application.payment_id]
    assert Application.objects.count() == 1


def test_a_crash_in_the_filing_leaves_no_case_but_the_consent_and_the_read_stay_on_record(
    offices: Any, alice: Any, alice_resident: Any, submit: Any, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(effects, "complete", _crash)
    with pytest.raises(RuntimeError):
        submit("resident-registration-copy", {"copies": 1}, key="k", channel="online")
    assert Application.objects.count() == 0
    # Alice agreed and the office read her record: both happened, and "Who viewed my data" shows the read.
    (consent,) = consents_of(resident_id=alice_resident.id)
    assert consent.channel == "application" and consent.state == "active"
    read = AuditEntry.objects.get(subject=f"resident:{alice_resident.id}", action="person.read",
                                  consent=str(consent.id))
    assert read.actor == "system:applications"
    assert not AuditEntry.objects.filter(action__in=["case.open", "application.submitted"]).exists()

"""A case keeps the definition version it was filed under, while new applications follow the newest version.

Version 2 of the child allowance, loaded from the pack while Alice's first application
is open, asks one more question and lets the clerk approve without claiming first. Her
open case still takes the steps of version 2 to its end; her new application is asked
the new question and follows version 3.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from egov.applications.services import application_act, application_submit
from egov.catalogue.public import load_catalogue, service_definition
from egov.core.errors import Conflict, ValidationError
from egov.workflow.public import case_get, case_history

pytestmark = pytest.mark.django_db

ANSWERS = {"child_number": "260101-4123456", "bank_account": "110-123-456789"}


def _load_version_3(pack: Path) -> None:
    """The pack's child allowance as version 3: a new question, and approval straight from submission."""
    path = pack / "services" / "child-allowance.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("version: 2\n", "version: 3\n", 1)
    text = text.replace(
        """  - name: bank_account
    type: text
    label: {ko: 수당을 받을 계좌, en: Account for payments}
""",
        """  - name: bank_account
    type: text
    label: {ko: 수당을 받을 계좌, en: Account for payments}
  - name: bank_name
    type: text
    label: {ko: 은행 이름, en: Name of the bank}
""",
        1,
    )
    text = text.replace(
        """    - name: approve
      from: in_review
      to: approved
      roles: [clerk, reviewer]""",
        """    - name: approve
      from: [submitted, in_review]
      to: approved
      roles: [clerk, reviewer]""",
        1,
    )
    assert "bank_name" in text and "from: [submitted, in_review]" in text
    path.write_text(text, encoding="utf-8")
    load_catalogue()


def _state(application: Any) -> str:
    case = case_get(case_id=application.case_id)
    assert case is not None
    return case.state


def test_an_open_case_completes_under_its_version_while_a_new_application_uses_the_new_one(
    offices: Any,
    alice: Any,
    alice_resident: Any,
    clerk: Any,
    private_pack: Path,
) -> None:
    first = application_submit(
        applicant=alice, service_id="child-allowance", data=ANSWERS, idempotency_key="v1", by=alice
    )
    assert first.service_version == 2

    _load_version_3(private_pack)
    assert service_definition("child-allowance").version == 3
    assert service_definition("child-allowance", 2).field("bank_name") is None

    # The open case: version 2 has no approval straight from submission; the clerk claims it first.
    with pytest.raises(Conflict):
        application_act(application=first, action="approve", official=clerk)
    assert _state(first) == "submitted"
    application_act(application=first, action="claim", official=clerk)
    application_act(application=first, action="approve", official=clerk)
    assert _state(first) == "approved"
    assert [h.transition for h in case_history(case_id=first.case_id)][-2:] == ["claim", "approve"]

    # A new application is asked version 3's question and follows version 3's steps.
    with pytest.raises(ValidationError) as raised:
        application_submit(
            applicant=alice, service_id="child-allowance", data=ANSWERS, idempotency_key="v2", by=alice
        )
    assert raised.value.field_errors["bank_name"] == ["Fill in Name of the bank."]
    second = application_submit(
        applicant=alice,
        service_id="child-allowance",
        data={**ANSWERS, "bank_name": "우리은행"},
        idempotency_key="v2",
        by=alice,
    )
    assert second.service_version == 3
    application_act(application=second, action="approve", official=clerk)
    assert _state(second) == "approved"
    assert [h.transition for h in case_history(case_id=second.case_id)][-1] == "approve"
    assert first.service_version == 2 and first.answers() == ANSWERS

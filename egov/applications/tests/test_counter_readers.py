"""At the counter, the clerk reads the evidence for the cases their own office decides; others read their own.

Casey at 청운효자동 files Alice's family relations certificate, which the court
administration (법원행정처) decides. The family register is read by the deciding office
under its own right (the dong office has none for it); the clerk's filing was refused
before, because the clerk's office read it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from egov.accounts.public import load_country_pack
from egov.applications.services import application_submit

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _pack_loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The kr pack's organisations (the court administration among them), loaded once and rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_country_pack()
        yield
        transaction.set_rollback(True)


def test_a_certificate_another_office_decides_is_filed_at_a_dong_counter(
    _pack_loaded: None, offices: Any, alice: Any, alice_resident: Any, clerk: Any,
) -> None:
    application = application_submit(applicant=alice, service_id="family-relations-certificate",
                                     data={"detail": "general", "copies": 1}, idempotency_key="counter-frc",
                                     channel="counter", by=clerk)
    assert application.channel == "counter"
    assert [item["product"] for item in application.evidence] == ["family-relation-certificate"]
    assert application.facts["family_relation_certificate"]["subject"]["name_ko"] == "김하늘"

"""Fees: a charge with its receipt, once per key; refunds; the provider chosen in settings."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from egov.core.errors import Conflict, ValidationError
from egov.finance.public import fee_charge, fee_refund, receipt

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


def test_a_fee_is_charged_once_per_key_and_has_a_receipt(alice: Any) -> None:
    first = fee_charge(payer_user_id=alice.id, amount=400, reference="2026-0000001", idempotency_key="fee-1")
    again = fee_charge(payer_user_id=alice.id, amount=400, reference="2026-0000001", idempotency_key="fee-1")
    assert again.id == first.id
    found = receipt(payment_id=first.id)
    assert found is not None and found.number == first.receipt_number and found.payment.amount == 400
    assert receipt(number=first.receipt_number) == found


def test_a_key_reused_for_another_amount_is_refused(alice: Any) -> None:
    fee_charge(payer_user_id=alice.id, amount=400, reference="a", idempotency_key="fee-1")
    with pytest.raises(Conflict):
        fee_charge(payer_user_id=alice.id, amount=800, reference="a", idempotency_key="fee-1")


def test_a_fee_must_be_a_positive_whole_amount(alice: Any) -> None:
    with pytest.raises(ValidationError) as raised:
        fee_charge(payer_user_id=alice.id, amount=0, currency="won", reference="a", idempotency_key="fee-1")
    assert set(raised.value.field_errors) == {"amount", "currency"}


def test_a_refund_gives_back_what_is_left_once(alice: Any) -> None:
    payment = fee_charge(payer_user_id=alice.id, amount=1000, reference="a", idempotency_key="fee-1")
    part = fee_refund(payment_id=payment.id, amount=300, reason="one copy fewer", idempotency_key="r-1",
                      by=f"user:{alice.id}")
    assert fee_refund(payment_id=payment.id, amount=300, reason="one copy fewer", idempotency_key="r-1",
                      by=f"user:{alice.id}") == part
    rest = fee_refund(payment_id=payment.id, reason="withdrawn", idempotency_key="r-2", by=f"user:{alice.id}")
    assert rest.amount == 700
    found = receipt(payment_id=payment.id)
    assert found is not None and found.payment.status == "refunded" and len(found.refunds) == 2
    with pytest.raises(ValidationError):
        fee_refund(payment_id=payment.id, reason="again", idempotency_key="r-3", by=f"user:{alice.id}")


class RefusingProvider:
    """A provider that declines every card: the charge must leave nothing behind."""

    name = "refusing"

    def charge(self, **kwargs: Any) -> Any:
        raise ValidationError("The card was declined.")

    def refund(self, **kwargs: Any) -> Any:
        raise AssertionError("never reached")


def test_the_provider_named_in_settings_is_used_and_a_declined_charge_records_nothing(alice: Any, settings: Any) -> None:
    settings.EGOV_PAYMENT_PROVIDER = "egov.finance.tests.test_fees.RefusingProvider"
    with pytest.raises(ValidationError):
        fee_charge(payer_user_id=alice.id, amount=400, reference="a", idempotency_key="fee-1")
    assert receipt(number="x") is None
    from egov.finance.models import Payment

    assert Payment.objects.count() == 0

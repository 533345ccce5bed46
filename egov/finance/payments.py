"""Payment providers: who moves the money for a fee (settings.EGOV_PAYMENT_PROVIDER, a dotted path).

A provider is a class with ``charge`` and ``refund``; the finance services call it
inside their transaction and record what it answered. A card or bank gateway
implements the same two methods. The local provider is the working implementation of
a deployment without a gateway: the fee is settled at once (paid at the counter's
till, or waived), and its answer is a reference the receipt quotes. It keeps no state
of its own: the payment, receipt and refund rows are the record.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cache
from typing import Protocol
from uuid import UUID

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class ProviderAnswer:
    """What a provider says about one charge or refund: its own reference for it."""

    provider_ref: str


class PaymentProvider(Protocol):
    name: str

    def charge(self, *, payer_user_id: UUID, amount: int, currency: str, reference: str,
               idempotency_key: str) -> ProviderAnswer: ...

    def refund(self, *, provider_ref: str, amount: int, currency: str, idempotency_key: str) -> ProviderAnswer: ...


class LocalPaymentProvider:
    """Settles at once; references are ``local-<uuid>``. For deployments without a card gateway, and for tests."""

    name = "local"

    def charge(self, *, payer_user_id: UUID, amount: int, currency: str, reference: str,
               idempotency_key: str) -> ProviderAnswer:
        return ProviderAnswer(provider_ref=f"local-{uuid.uuid4()}")

    def refund(self, *, provider_ref: str, amount: int, currency: str, idempotency_key: str) -> ProviderAnswer:
        return ProviderAnswer(provider_ref=f"local-refund-{uuid.uuid4()}")


@cache
def _provider_class(path: str) -> type:
    return import_string(path)  # type: ignore[no-any-return]


def provider() -> PaymentProvider:
    """The configured provider (read at call time, never at import)."""
    return _provider_class(settings.EGOV_PAYMENT_PROVIDER)()  # type: ignore[no-any-return]

"""The provider interface (decision 0024). A provider is a hosted payment page and the
events it sends back; no card data ever reaches Madoguchi.

Every implementation (sandbox, Stripe Checkout, payment slip) satisfies ``PaymentProvider``;
``tests/test_providers_interface.py`` proves it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


class WebhookRejected(Exception):
    """A webhook whose signature, timestamp or body is not acceptable (answered 400)."""


class ProviderError(Exception):
    """The provider refused or could not be reached (the user is told to try again)."""


@dataclass(frozen=True)
class CheckoutRequest:
    payment_id: str
    attempt_id: str  # our reference, sent to the provider and given back in its events
    amount: int  # integer yen
    description: str
    return_url: str
    cancel_url: str
    idempotency_key: str
    email: str = ""


@dataclass(frozen=True)
class CheckoutStart:
    session_id: str
    redirect_url: str


# Event types the rest of the code understands.
SUCCEEDED = "succeeded"
FAILED = "failed"
EXPIRED = "expired"
REFUNDED = "refunded"


@dataclass(frozen=True)
class ProviderEvent:
    event_id: str  # unique per provider: the ledger applies it once
    type: str  # SUCCEEDED, FAILED, EXPIRED, REFUNDED
    session_id: str
    amount: int
    method: str = ""
    refund_id: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class PaymentProvider(Protocol):
    id: str
    label: str
    hosted: bool  # True: a hosted page to redirect to; False: a slip paid elsewhere

    def checkout_start(self, request: CheckoutRequest) -> CheckoutStart: ...

    def checkout_status(self, session_id: str) -> ProviderEvent | None:
        """Ask the provider how a session ended (the applicant's return); None while open."""

    def webhook_parse(self, body: bytes, headers: Mapping[str, str]) -> ProviderEvent | None:
        """Verify and parse a webhook; raises WebhookRejected; None for events we ignore."""

    def refund(self, *, session_id: str, amount: int, idempotency_key: str) -> str:
        """Refund ``amount`` yen of a paid session; returns the provider's refund id."""

"""What the Stripe adapter returns and raises: plain frozen dataclasses and errors, no Stripe
objects; `provider_event` maps a Stripe event (a dict) to a domain-neutral ProviderEvent."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any


class StripeError(RuntimeError):
    """Stripe refused a call (`status`, Stripe's `code` and `param`) or could not be reached."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None,
                 param: str | None = None):
        super().__init__(message)
        self.status, self.code, self.param = status, code, param


class StripeConfigError(StripeError):
    pass


class StripeUnavailable(StripeError):
    """Network trouble or a Stripe-side error: retry later with the same idempotency key."""


class IdempotencyConflict(StripeError):
    """The idempotency key was already used with other parameters (a bug in the caller)."""


class MandateRequired(StripeError):
    """The bank account has no active mandate (revoked, or invalidated by a dispute): the
    borrower must authorize debits again (a new setup) before the next charge."""


class SetupIncomplete(StripeError):
    """The Checkout session has not (or not successfully) saved a payment method yet."""


class WebhookVerificationError(StripeError):
    """A webhook whose signature, age or body does not check out: refuse it (400)."""


@dataclass(frozen=True)
class SetupSession:
    session_id: str
    url: str  # where to send the borrower's browser

    def __iter__(self) -> Iterator[str]:  # session_id, url = start_setup(...)
        return iter((self.session_id, self.url))


@dataclass(frozen=True)
class SavedMethod:
    payment_method_id: str
    kind: str  # "us_bank_account" or "card"
    customer_id: str | None
    setup_intent_id: str
    fingerprint: str | None = None
    bank_name: str | None = None
    routing_number: str | None = None
    bank_last4: str | None = None
    account_type: str | None = None
    card_brand: str | None = None
    card_last4: str | None = None
    card_exp_month: int | None = None
    card_exp_year: int | None = None
    mandate_id: str | None = None
    mandate_accepted_at: datetime | None = None


@dataclass(frozen=True)
class ChargeResult:
    payment_intent_id: str | None
    status: str  # processing, succeeded, requires_payment_method, requires_action, ...
    amount_minor: int | None = None
    failure_code: str | None = None  # card_declined, insufficient_funds, account_closed, ...
    failure_message: str | None = None
    decline_code: str | None = None
    charge_id: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    @property
    def pending(self) -> bool:
        return self.status == "processing"

    @property
    def failed(self) -> bool:
        return self.status in ("requires_payment_method", "canceled")


@dataclass(frozen=True)
class ProviderEvent:
    event_id: str
    type: str
    created: datetime
    object_id: str | None
    payment_intent_id: str | None
    status: str | None
    amount_minor: int | None
    failure_code: str | None
    network_code: str | None
    metadata: Mapping[str, str]
    decline_code: str | None = None  # a card decline's reason (failure_code "card_declined")


def utc_from_unix(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), timezone.utc) if value is not None else None


def provider_event(event: Mapping[str, Any]) -> ProviderEvent:
    """Map a Stripe event (as a dict) to a ProviderEvent. For a payment_intent: its status and
    `last_payment_error.code` (and `decline_code`); a charge: its `failure_code`; a dispute:
    its reason; a payment method: the block's reason and the ACH return code (`network_code`,
    which Stripe shows only on blocked accounts, not on the failed payment itself)."""
    obj = (event.get("data") or {}).get("object") or {}
    kind = obj.get("object")
    failure = network = decline = None
    payment_intent = obj.get("id") if kind == "payment_intent" else obj.get("payment_intent")
    if kind == "payment_intent":
        error = obj.get("last_payment_error") or {}
        failure, decline = error.get("code"), error.get("decline_code")
    elif kind == "charge":
        failure = obj.get("failure_code")
        if obj.get("status") == "failed" and (obj.get("payment_method_details") or {}).get(
                "type") == "card":
            decline = (obj.get("outcome") or {}).get("reason")
    elif kind == "dispute":
        failure = obj.get("reason")
        details = obj.get("payment_method_details") or {}
        network = (details.get(details.get("type") or "") or {}).get("network_reason_code")
    elif kind == "payment_method":
        blocked = (((obj.get("us_bank_account") or {}).get("status_details") or {})
                   .get("blocked") or {})
        failure, network = blocked.get("reason"), blocked.get("network_code")
    elif kind == "setup_intent":
        failure = (obj.get("last_setup_error") or {}).get("code")
    if isinstance(payment_intent, Mapping):
        payment_intent = payment_intent.get("id")
    amount = obj.get("amount")
    return ProviderEvent(
        event_id=str(event.get("id")), type=str(event.get("type")),
        created=utc_from_unix(event.get("created")) or datetime.now(timezone.utc),
        object_id=obj.get("id"), payment_intent_id=payment_intent, status=obj.get("status"),
        amount_minor=amount if isinstance(amount, int) else None, failure_code=failure,
        network_code=network, decline_code=decline,
        metadata=MappingProxyType({str(k): str(v) for k, v in
                                   (obj.get("metadata") or {}).items()}))

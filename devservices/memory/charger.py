"""`domain.payments.collection_runs.Charger` in memory, with Stripe's rules that the domain
relies on: one result per idempotency key (a retry with the same key returns the first result
and charges nothing more; the same key with other parameters is refused), bank debits come back
`processing` and cards `succeeded`, a declining method comes back `requires_payment_method`
with its failure code (a result, not an exception)."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from domain.payments.collection_runs import ChargeResult

# payment method ids as Stripe's test tokens name them, and what charging them does
DECLINES = {
    "pm_card_chargeDeclined": ("card_declined", "Your card was declined."),
    "pm_card_chargeDeclinedInsufficientFunds": ("card_declined",
                                                "Your card has insufficient funds."),
    "pm_card_chargeDeclinedExpiredCard": ("expired_card", "Your card has expired."),
}


class ChargerUnavailable(ConnectionError):
    """The processor could not be reached (the caller retries later with the same key)."""


class IdempotencyConflict(ValueError):
    """The same idempotency key with other parameters."""


@dataclass(frozen=True)
class Charge:
    idempotency_key: str
    customer: str
    payment_method: str
    amount_minor: int
    description: str
    metadata: dict
    result: ChargeResult


@dataclass
class InMemoryCharger:
    """Charges are kept in `charges` (one per idempotency key, in order). `outcomes` maps a
    payment method to the status (or `(failure_code, message)` decline) it always gets;
    otherwise ids containing "bank" or "us_bank" settle later (`processing`), others succeed
    now. `unavailable_next` makes the next N calls raise `ChargerUnavailable`."""
    outcomes: dict[str, str | tuple[str, str]] = field(default_factory=dict)
    unavailable_next: int = 0
    charges: list[Charge] = field(default_factory=list)
    _by_key: dict[str, Charge] = field(default_factory=dict, repr=False)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1), repr=False)

    def charge(self, idempotency_key: str, customer: str, payment_method: str,
               amount_minor: int, description: str, metadata: dict) -> ChargeResult:
        if not idempotency_key or len(idempotency_key) > 255:
            raise ValueError("idempotency_key must be 1 to 255 characters")
        if amount_minor <= 0:
            raise ValueError("amount_minor must be positive")
        if self.unavailable_next > 0:
            self.unavailable_next -= 1
            raise ChargerUnavailable("the in-memory processor is unavailable (as configured)")
        params = (customer, payment_method, int(amount_minor), description, dict(metadata))
        seen = self._by_key.get(idempotency_key)
        if seen is not None:
            if (seen.customer, seen.payment_method, seen.amount_minor, seen.description,
                    seen.metadata) != params:
                raise IdempotencyConflict(f"idempotency key {idempotency_key!r} was used with "
                                          "other parameters")
            return seen.result
        reference = f"pi_mem_{next(self._ids):06d}"
        outcome = self.outcomes.get(payment_method) or DECLINES.get(payment_method)
        if outcome is None:
            bank = "bank" in payment_method.lower()
            outcome = "processing" if bank else "succeeded"
        if isinstance(outcome, tuple):
            result = ChargeResult(reference, "requires_payment_method", *outcome)
        else:
            result = ChargeResult(reference, outcome)
        charge = Charge(idempotency_key, customer, payment_method, int(amount_minor),
                        description, dict(metadata), result)
        self._by_key[idempotency_key] = charge
        self.charges.append(charge)
        return result

    @property
    def charged_minor(self) -> int:
        """The amount of every charge that was not declined."""
        return sum(c.amount_minor for c in self.charges
                   if c.result.status in ("processing", "succeeded"))

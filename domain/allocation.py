"""Payment allocation for the thin lifecycle: installment by installment, oldest first,
interest before principal (Fineract's "interest, principal" order), in advance once the due
installments are paid. Issue "Servicing engine" adds configurable hierarchies.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Outstanding:
    number: int
    principal_minor: int  # still unpaid
    interest_minor: int   # still unpaid


@dataclass(frozen=True)
class Allocation:
    number: int
    principal_minor: int
    interest_minor: int


def allocate(amount_minor: int, outstanding: list[Outstanding]) -> list[Allocation]:
    """Split a payment over the unpaid installments; raises if it exceeds what is owed."""
    owed = sum(o.principal_minor + o.interest_minor for o in outstanding)
    if amount_minor <= 0:
        raise ValueError("amount must be positive")
    if amount_minor > owed:
        raise OverPayment(owed)
    left = amount_minor
    result = []
    for o in sorted(outstanding, key=lambda o: o.number):
        if left == 0:
            break
        interest = min(left, o.interest_minor)
        left -= interest
        principal = min(left, o.principal_minor)
        left -= principal
        if interest or principal:
            result.append(Allocation(o.number, principal, interest))
    return result


class OverPayment(ValueError):
    def __init__(self, owed_minor: int):
        self.owed_minor = owed_minor
        super().__init__(f"payment exceeds the {owed_minor} cents owed")

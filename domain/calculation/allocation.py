"""Payment allocation hierarchies: a pure split of one payment over what a loan owes.

Two settings of the product decide the order (docs/conventions/payments.md):
- method `due_date`: installment by installment, oldest first, each installment's components in
  the product's component order (default fee, interest, principal);
  method `bucket`: across all installments already due, component by component (all past-due
  fees, then all past-due interest, then all past-due principal), oldest first within each;
- hierarchy `schedule`: after what is due, the rest pays the next installments in schedule order,
  with `early` `in_advance` each in full (its interest paid ahead of accrual) or with
  `principal_first` their principal only (any rest held as an advance); `clear_dues`: only what is due is paid, the rest is held as an advance or applied
  to principal (from the last installment backwards, shortening the term), per `excess`.
A payoff (hierarchy `payoff`) is split by `payoff_split` instead. Nothing here ever pays more
than a component owes; a payment larger than the loan can take is refused.
"""
from dataclasses import dataclass, replace
from datetime import date

COMPONENTS = ("fee", "interest", "principal")
METHODS = ("due_date", "bucket")
HIERARCHIES = ("schedule", "clear_dues")
EXCESS = ("advance", "principal")
EARLY = ("in_advance", "principal_first")  # schedule: what money beyond the dues pays
OVERPAYMENT = ("hold", "refund")  # money above the payoff: a credit balance, or paid back


@dataclass(frozen=True)
class Outstanding:
    number: int
    principal_minor: int  # still unpaid
    interest_minor: int   # still unpaid
    fee_minor: int = 0    # scheduled fees and charges, still unpaid
    due_date: date | None = None

    def get(self, component: str) -> int:
        return getattr(self, f"{component}_minor")


@dataclass(frozen=True)
class Allocation:
    number: int  # 0 = advance held in suspense
    principal_minor: int = 0
    interest_minor: int = 0
    fee_minor: int = 0
    advance_minor: int = 0

    @property
    def total_minor(self) -> int:
        return self.principal_minor + self.interest_minor + self.fee_minor + self.advance_minor


@dataclass(frozen=True)
class Rule:
    method: str = "due_date"
    components: tuple[str, ...] = COMPONENTS
    hierarchy: str = "schedule"
    excess: str = "advance"
    early: str = "in_advance"

    def __post_init__(self) -> None:
        if self.method not in METHODS or self.hierarchy not in HIERARCHIES or \
                self.excess not in EXCESS or self.early not in EARLY or \
                sorted(self.components) != sorted(COMPONENTS):
            raise ValueError(f"not a valid allocation rule: {self}")


class OverPayment(ValueError):
    def __init__(self, owed_minor: int):
        self.owed_minor = owed_minor
        super().__init__(f"payment exceeds the {owed_minor} cents the loan can take")


def capacity(outstanding: list[Outstanding], rule: Rule, on: date) -> int | None:
    """Most a payment can be under the rule; None when an advance can hold any excess."""
    if rule.hierarchy == "clear_dues" and rule.excess == "advance" or \
            rule.hierarchy == "schedule" and rule.early == "principal_first":
        return None
    total = sum(o.principal_minor + o.interest_minor + o.fee_minor for o in outstanding)
    if rule.hierarchy == "clear_dues":  # future installments can take principal only
        total -= sum(o.interest_minor + o.fee_minor for o in outstanding
                     if on is not None and o.due_date is not None and o.due_date > on)
    return total


def allocate(amount_minor: int, outstanding: list[Outstanding], rule: Rule = Rule(),
             on: date | None = None) -> list[Allocation]:
    """Split `amount_minor` by the rule as of date `on` (what has fallen due by then)."""
    if amount_minor <= 0:
        raise ValueError("amount must be positive")
    limit = capacity(outstanding, rule, on)
    if limit is not None and amount_minor > limit:
        raise OverPayment(limit)
    rows = sorted(outstanding, key=lambda o: (o.due_date or date.min, o.number))
    due = [o for o in rows if on is None or o.due_date is None or o.due_date <= on]
    future = [o for o in rows if o not in due]
    paid: dict[int, dict[str, int]] = {}
    left = amount_minor

    def take(o: Outstanding, component: str) -> None:
        nonlocal left
        already = paid.get(o.number, {}).get(component, 0)
        part = min(left, o.get(component) - already)
        if part > 0:
            paid.setdefault(o.number, {}).setdefault(component, 0)
            paid[o.number][component] += part
            left -= part

    if rule.method == "bucket":
        for component in rule.components:
            for o in due:
                take(o, component)
    else:
        for o in due:
            for component in rule.components:
                take(o, component)
    if rule.hierarchy == "schedule" and rule.early == "principal_first":
        for o in future:  # next installment first, principal only; its interest when due
            take(o, "principal")
    elif rule.hierarchy == "schedule":
        for o in future:
            for component in rule.components:
                take(o, component)
    elif rule.excess == "principal":
        for o in reversed(future):
            take(o, "principal")
    result = [Allocation(n, p.get("principal", 0), p.get("interest", 0), p.get("fee", 0))
              for n, p in sorted(paid.items())]
    if left:
        if limit is not None:  # cannot happen: capacity() bounded the amount
            raise OverPayment(limit)
        result.append(Allocation(0, advance_minor=left))
    return result


def payoff_split(outstanding: list[Outstanding], accrued_interest: dict[int, int]
                 ) -> tuple[list[Allocation], int]:
    """What closes the loan on a date: all principal and fees, and per installment the interest
    accrued by then and not yet paid (`accrued_interest[n]` = accrued minus paid, which is
    negative where interest was paid ahead). Returns the split and the unearned interest
    rebate (interest paid ahead beyond what accrued), which reduces the principal collected."""
    rebate = sum(-a for a in accrued_interest.values() if a < 0)
    split = []
    for o in sorted(outstanding, key=lambda o: o.number):
        interest = max(accrued_interest.get(o.number, 0), 0)
        if o.principal_minor or interest or o.fee_minor:
            split.append(Allocation(o.number, o.principal_minor, interest, o.fee_minor))
    return split, rebate


def net(rows: list[Allocation]) -> list[Allocation]:
    """Sum allocation rows per installment (reversal rows are negative)."""
    by: dict[int, Allocation] = {}
    for r in rows:
        a = by.get(r.number, Allocation(r.number))
        by[r.number] = replace(a, principal_minor=a.principal_minor + r.principal_minor,
                               interest_minor=a.interest_minor + r.interest_minor,
                               fee_minor=a.fee_minor + r.fee_minor,
                               advance_minor=a.advance_minor + r.advance_minor)
    return [a for _, a in sorted(by.items())
            if any((a.principal_minor, a.interest_minor, a.fee_minor, a.advance_minor))]

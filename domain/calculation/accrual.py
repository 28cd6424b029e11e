"""Daily accrual and delinquency: pure per-loan rules that close of business applies to the
whole book in set-based SQL (and that tests compare the SQL with).

Accrual recognises each installment's scheduled interest evenly over the days of its period:
interest accrued through day D (end of day) for one installment is
    floor(interest * elapsed_days / period_days),  elapsed = clamp(D - start, 0, period_days)
Rounding point "accrual": cumulative, rounded down to the cent, so a period's accrual is exact
on its due date and daily figures never drift.

What "paid" means (the one definition: COB's set-based SQL, its per-loan reference, the loan
pages, late fees; docs/conventions/accrual-cob.md): an installment is paid when its scheduled
principal + interest + scheduled installment fee is fully paid by allocations to those
components. Money allocated to charges (late fees, NSF fees, any other charge assessed against
the installment) never counts. An installment's fee allocations pay its scheduled installment
fee first and its charges after (`paid_toward_installment`).
"""
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Period:
    """What accrual and delinquency need of one installment."""
    number: int
    start_date: date
    due_date: date
    interest_minor: int
    due_minor: int  # scheduled principal + interest + installment fee; never charges
    paid_minor: int = 0  # allocated to those components (`paid_toward_installment`)

    @property
    def paid(self) -> bool:
        return self.paid_minor >= self.due_minor


def paid_toward_installment(principal_minor: int, interest_minor: int, fee_minor: int,
                            scheduled_fee_minor: int) -> int:
    """What counts toward an installment being paid, from what was allocated to it: all of its
    principal and interest, and of its fee allocations (scheduled fee and charges together)
    at most its scheduled installment fee; the rest of the fee money paid charges."""
    return principal_minor + interest_minor + min(fee_minor, scheduled_fee_minor)


def installment_paid(principal_minor: int, interest_minor: int, scheduled_fee_minor: int,
                     paid_principal_minor: int, paid_interest_minor: int,
                     paid_fee_minor: int) -> bool:
    """The definition of a paid installment: scheduled principal + interest + installment fee
    fully paid by allocations to those components (charges never count)."""
    return paid_toward_installment(paid_principal_minor, paid_interest_minor, paid_fee_minor,
                                   scheduled_fee_minor) \
        >= principal_minor + interest_minor + scheduled_fee_minor


def accrued_through(periods: list[Period], on: date) -> int:
    total = 0
    for p in periods:
        length = (p.due_date - p.start_date).days
        if length <= 0:
            total += p.interest_minor if on >= p.due_date else 0
            continue
        elapsed = min(max((on - p.start_date).days, 0), length)
        total += p.interest_minor * elapsed // length
    return total


def days_past_due(periods: list[Period], on: date) -> int:
    """Days since the due date of the oldest installment that fell due before `on` and is not
    paid (`Period.paid`: charges never count); 0 when nothing is overdue."""
    for p in sorted(periods, key=lambda p: p.due_date):
        if p.due_date < on and not p.paid:
            return (on - p.due_date).days
    return 0


def bucket(dpd: int, lower_bounds: tuple[int, ...]) -> str:
    """Name of the delinquency bucket: 'current', then '1-30', '31-60', ..., '91+'."""
    if dpd < lower_bounds[0]:
        return "current"
    for low, high in zip(lower_bounds, lower_bounds[1:]):
        if low <= dpd < high:
            return f"{low}-{high - 1}"
    return f"{lower_bounds[-1]}+"


def bucket_names(lower_bounds: tuple[int, ...]) -> list[str]:
    return ["current", *(bucket(b, lower_bounds) for b in lower_bounds)]

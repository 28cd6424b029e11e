"""Daily accrual and delinquency: pure per-loan rules that close of business applies to the
whole book in set-based SQL (and that tests compare the SQL with).

Accrual recognises each installment's scheduled interest evenly over the days of its period:
interest accrued through day D (end of day) for one installment is
    floor(interest * elapsed_days / period_days),  elapsed = clamp(D - start, 0, period_days)
Rounding point "accrual": cumulative, rounded down to the cent, so a period's accrual is exact
on its due date and daily figures never drift.
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
    due_minor: int  # principal + interest + fees scheduled
    paid_minor: int = 0


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
    fully paid; 0 when nothing is overdue."""
    for p in sorted(periods, key=lambda p: p.due_date):
        if p.due_date < on and p.paid_minor < p.due_minor:
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

"""Repayment schedules: a pure function from `ScheduleTerms` to a `Schedule`.

Named rounding points (and nothing else rounds):
- `installment`: the equal installment (or equal principal part) is rounded to the terms'
  multiple with the terms' mode (default 0.01, half up);
- `period interest`: each period's interest is rounded half up to the cent;
- `flat interest`: each period's flat interest (original principal x period rate) is rounded
  half up to the cent.
Periodic rates are exact rationals (`fractions.Fraction`: 11.99% a month is exactly
0.1199/12), so the one rounding is the named one: 3,000.00 x 0.1199 / 12 = 29.975 -> 29.98.
The final installment takes the remaining principal, so principal sums exactly to the amount
the schedule amortizes.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import NamedTuple

from domain.kernel.errors import ValidationError
from domain.kernel.money import CENT, ROUNDING_MODES, from_minor, round_to_cent, to_minor
from domain.calculation.periods import (
    due_dates,
    parse_frequency,
    period_fraction,
    regular_share,
    year_fraction,
)

AMORTIZATIONS = ("equal_installments", "equal_principal")
INTEREST_METHODS = ("declining_balance", "flat")
INTEREST_PERIODS = ("same_as_repayment", "daily")


@dataclass(frozen=True)
class Rounding:
    multiple: Decimal = CENT
    mode: str = "half_up"

    def apply(self, amount: Decimal) -> Decimal:
        """Round to a whole number of `multiple`s with the named mode (never below a cent)."""
        units = (amount / self.multiple).quantize(Decimal(1), rounding=ROUNDING_MODES[self.mode])
        return round_to_cent(units * self.multiple)


@dataclass(frozen=True)
class ScheduleTerms:
    principal_minor: int  # what the schedule amortizes (a financed fee included)
    annual_rate: Decimal  # nominal percent
    periods: int
    frequency: str
    disbursement_date: date
    amortization: str = "equal_installments"
    interest_method: str = "declining_balance"
    interest_period: str = "same_as_repayment"
    day_count: str = "30/360"
    first_payment_date: date | None = None
    rounding: Rounding = field(default_factory=Rounding)
    grace_principal: int = 0  # first N installments pay no principal
    grace_interest: int = 0  # first N installments pay no interest; it falls due after
    installment_fee_minor: int = 0


class Installment(NamedTuple):
    """One row of a schedule (a named tuple: immutable and cheap, schedules are built often)."""
    number: int
    start_date: date
    due_date: date
    principal_minor: int
    interest_minor: int
    balance_minor: int
    fee_minor: int = 0

    @property
    def total_minor(self) -> int:
        return self.principal_minor + self.interest_minor + self.fee_minor


@dataclass(frozen=True)
class Schedule:
    principal_minor: int
    installments: tuple[Installment, ...]
    regular_installment_minor: int

    @property
    def installment_minor(self) -> int:
        return self.regular_installment_minor

    @property
    def total_interest_minor(self) -> int:
        return sum(i.interest_minor for i in self.installments)

    @property
    def total_fees_minor(self) -> int:
        return sum(i.fee_minor for i in self.installments)

    @property
    def total_of_payments_minor(self) -> int:
        return sum(i.total_minor for i in self.installments)


def period_rates(terms: ScheduleTerms) -> tuple[list[date], list[date], list[Fraction],
                                                 list[Fraction]]:
    """Start date, due date and exact periodic rate (a Fraction, unrounded) of every period; and
    the rates the level installment is solved with, which under 30/360 treat an odd first
    period as a regular one (Fineract: its interest is charged, its length does not move
    the installment)."""
    starts, dues = period_dates(terms)
    rates, emi_rates, _ = rates_of(terms, starts, dues)
    return starts, dues, rates, emi_rates


def period_dates(terms: ScheduleTerms) -> tuple[list[date], list[date]]:
    """Start and due date of every period."""
    dues = due_dates(terms.disbursement_date, terms.periods, parse_frequency(terms.frequency),
                     terms.first_payment_date)
    return [terms.disbursement_date, *dues[:-1]], dues


def rates_of(terms: ScheduleTerms, starts: list[date], dues: list[date]):
    """(rates, emi_rates, signature): the periodic rates of `period_rates`, and a hashable
    value that determines both lists exactly (so schedules whose periods earn the same can
    share their amounts, whatever their dates: domain.calculation.schedule_templates)."""
    freq = parse_frequency(terms.frequency)
    regular_first = dues[0] == freq.due_date(terms.disbursement_date, 1)
    annual = Fraction(terms.annual_rate) / 100  # exact: a Decimal converts without loss
    share = regular_share(freq, terms.day_count, terms.interest_period)
    if share is not None:  # every regular period earns the same: compute it once
        regular = annual * share
        rates = [regular] * len(dues)
        if not regular_first:
            rates[0] = annual * period_fraction(starts[0], dues[0], freq, terms.day_count,
                                                terms.interest_period, regular=False)
    else:  # each period earns its own days; periods of equal length share a fraction
        by_length: dict[int, Fraction] = {}
        rates = []
        for s, d in zip(starts, dues):
            n = (d - s).days
            if terms.day_count == "actual/actual" or n not in by_length:
                by_length[n] = annual * year_fraction(s, d, terms.day_count)
            rates.append(by_length[n])
    emi_rates = list(rates)
    if terms.day_count == "30/360" and share is not None:
        emi_rates[0] = annual * share
    if share is not None:
        signature = ("regular", len(rates), regular, rates[0], emi_rates[0])
    else:
        signature = ("own", tuple(rates))
    return rates, emi_rates, signature


def annuity_payment(principal: Decimal, rates: list[Fraction]) -> Decimal:
    """Level payment (to 40 digits, before the installment's rounding) that brings `principal`
    to zero over periods with these rates: P * prod(1+r) / sum_k prod_{j>k}(1+r_j); the
    textbook P*r/(1-(1+r)^-n) when rates are equal."""
    with localcontext() as ctx:
        ctx.prec = 40
        growth, weights, prev, r = Decimal(1), Decimal(0), None, Decimal(0)
        for f in reversed(rates):  # regular periods share one rate object: convert it once
            if f is not prev:
                prev, r = f, Decimal(f.numerator) / Decimal(f.denominator)
            weights += growth
            growth *= 1 + r
        return principal * growth / weights


def build(terms: ScheduleTerms) -> Schedule:
    check(terms)
    starts, dues, rates, emi_rates = period_rates(terms)
    return assemble(terms, starts, dues, *amounts(terms, rates, emi_rates))


def check(terms: ScheduleTerms) -> None:
    if terms.principal_minor <= 0 or terms.periods < 1:
        raise ValueError("principal and periods must be positive")
    if not 0 <= terms.grace_principal < terms.periods or \
            not 0 <= terms.grace_interest < terms.periods:
        raise ValueError("grace must leave at least one installment")


def amounts(terms: ScheduleTerms, rates: list[Fraction], emi_rates: list[Fraction]
            ) -> tuple[Decimal, list[tuple[int, int, int]]]:
    """(level installment, (principal, interest, balance) per period): everything of a
    schedule but its dates; it depends on the dates only through the rates."""
    principal = from_minor(terms.principal_minor)
    gp, n = terms.grace_principal, terms.periods
    amortizing = n - gp
    interest = _flat_interest(principal, rates) if terms.interest_method == "flat" else None
    if terms.amortization == "equal_principal":
        exact = principal / amortizing
    elif interest is not None:
        exact = principal / amortizing + sum(interest) / n
    else:
        exact = annuity_payment(principal, emi_rates[gp:])
    level = terms.rounding.apply(exact)

    level_minor = to_minor(level)
    flat_minor = [to_minor(i) for i in interest] if interest is not None else None
    gi, equal_principal = terms.grace_interest, terms.amortization == "equal_principal"

    # interest = balance x num / den, half up: floor((2 x balance x num + den) / (2 x den));
    # regular periods share one rate object, so each distinct rate is split once
    nums, dens, prev, pair = [], [], None, (0, 1)
    for r in rates:
        if r is not prev:
            prev, pair = r, (2 * r.numerator, r.denominator)
        nums.append(pair[0])
        dens.append(pair[1])

    def run(level_minor: int) -> list[tuple[int, int, int]]:
        """(principal, interest, balance) per period, in integer cents; interest half up to
        the cent on each balance, exactly (the rate is a ratio of integers, so the loop is
        integer arithmetic and a half cent is always seen as one)."""
        balance, deferred, rows = terms.principal_minor, 0, []
        last = n - 1
        for k in range(n):
            accrued = flat_minor[k] if flat_minor is not None else \
                (balance * nums[k] + dens[k]) // (2 * dens[k])
            if k < gi:
                deferred, due_interest = deferred + accrued, 0
            else:
                deferred, due_interest = 0, accrued + deferred
            if k < gp:
                part = 0
            elif k == last:
                part = balance
            elif equal_principal:
                part = level_minor
            else:  # the level installment; interest deferred by grace is collected within it
                part = level_minor - due_interest
            if part < 0:
                part = 0
            elif part > balance:
                part = balance
            balance -= part
            rows.append((part, due_interest, balance))
        return rows

    parts = run(level_minor)
    if terms.amortization == "equal_installments":
        level, parts = _even_out(level, parts, run, terms.rounding, amortizing)
    if terms.amortization == "equal_installments" and _degenerate(parts, gp, terms.grace_interest):
        # rounding up compounds over a long, dear loan and pays it off early: round the
        # level down instead, so the last installment takes the (positive) remainder
        level = Rounding(terms.rounding.multiple, "down").apply(exact)
        parts = run(to_minor(level))
        if _degenerate(parts, gp, terms.grace_interest):
            raise ValidationError({"installment_rounding": (
                "makes an installment zero: the rounded installment would pay the loan off "
                "early or never; use a smaller multiple")})
    return level, parts


def assemble(terms: ScheduleTerms, starts: list[date], dues: list[date], level: Decimal,
             parts: list[tuple[int, int, int]]) -> Schedule:
    """The schedule of `amounts` on these dates."""
    n, fee, gp = terms.periods, terms.installment_fee_minor, terms.grace_principal
    make = Installment._make
    rows = [make((k, s, d, p, i, b, fee))
            for k, s, d, (p, i, b) in zip(range(1, n + 1), starts, dues, parts)]
    if sum(r.principal_minor for r in rows) != terms.principal_minor:
        raise AssertionError("schedule principal does not sum to the amount financed")
    if terms.amortization == "equal_installments":  # the level payment, fee included
        regular = to_minor(level) + terms.installment_fee_minor
    else:  # equal principal: the first amortizing installment
        regular = rows[gp].total_minor
    return Schedule(terms.principal_minor, tuple(rows), regular)


def _degenerate(parts, gp: int, gi: int) -> bool:
    """An installment after the grace is 0.00: the loan would be paid off early (or, with a
    level below the interest, never amortize)."""
    after = parts[max(gp, gi):]
    return any(p + i == 0 for p, i, _ in after) or any(p == 0 for p, _, _ in after[:-1])


def _even_out(level, rows, run, rounding: Rounding, amortizing: int):
    """Fineract's EMI adjustment: when the last installment differs from the one before by
    more than half a cent per amortizing installment, spread the difference over the
    installments and keep the new level if it brings the last one closer (at most 3 tries)."""
    def gap(rs):  # rows are (principal, interest, balance)
        return (rs[-1][0] + rs[-1][1]) - (rs[-2][0] + rs[-2][1])
    if len(rows) < 2 or amortizing < 2:
        return level, rows
    for _ in range(3):
        diff = gap(rows)
        if abs(diff) <= amortizing // 2:
            break
        candidate = rounding.apply(level + from_minor(diff) / amortizing)
        if candidate == level:
            break
        trial = run(to_minor(candidate))
        if abs(gap(trial)) >= abs(diff) or any(p + i == 0 for p, i, _ in trial[-2:]):
            break  # no better, or it would pay the loan off early (compounding overshoot)
        level, rows = candidate, trial
    return level, rows


def _flat_interest(principal: Decimal, rates: list[Fraction]) -> list[Decimal]:
    """Flat: each period's interest on the original principal at that period's rate, rounded
    half up to the cent, exactly (equal every period when the periods are regular)."""
    cents, out, prev, amount = to_minor(principal), [], None, Decimal(0)
    for r in rates:  # regular periods share one rate object: compute it once
        if r is not prev:
            prev = r
            amount = from_minor((2 * cents * r.numerator + r.denominator) // (2 * r.denominator))
        out.append(amount)
    return out

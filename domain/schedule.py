"""Repayment schedules: a pure function from terms to installments.

Conventions (Apache Fineract's): the periodic rate is the nominal annual rate divided by the
number of periods a year (30/360 style); the equal installment is rounded half-up to the cent;
each period's interest is rounded half-up to the cent on the running balance; the final
installment takes the remainder so principal sums exactly to the amount financed.
"""
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from domain.money import from_minor, round_to_cent, to_minor
from domain.terms import FREQUENCIES


@dataclass(frozen=True)
class Installment:
    number: int
    due_date: date
    principal_minor: int
    interest_minor: int
    balance_minor: int

    @property
    def total_minor(self) -> int:
        return self.principal_minor + self.interest_minor


@dataclass(frozen=True)
class Schedule:
    principal_minor: int
    installments: tuple[Installment, ...]

    @property
    def installment_minor(self) -> int:
        """The regular installment (the first one; the last may differ by the remainder)."""
        return self.installments[0].total_minor

    @property
    def total_interest_minor(self) -> int:
        return sum(i.interest_minor for i in self.installments)

    @property
    def total_of_payments_minor(self) -> int:
        return sum(i.total_minor for i in self.installments)


def due_dates(start: date, periods: int, frequency: str) -> list[date]:
    if frequency == "monthly":
        return [start + relativedelta(months=n) for n in range(1, periods + 1)]
    days = {"biweekly": 14, "weekly": 7}[frequency]
    return [start + timedelta(days=days * n) for n in range(1, periods + 1)]


def equal_installment(principal: Decimal, rate: Decimal, periods: int) -> Decimal:
    """Annuity payment, rounded half-up to the cent."""
    if rate == 0:
        return round_to_cent(principal / periods)
    factor = (1 + rate) ** periods
    return round_to_cent(principal * rate * factor / (factor - 1))


def build_schedule(principal_minor: int, annual_rate: Decimal, periods: int, frequency: str,
                   amortization: str, disbursement_date: date) -> Schedule:
    if principal_minor <= 0 or periods < 1:
        raise ValueError("principal and periods must be positive")
    rate = annual_rate / Decimal(100) / FREQUENCIES[frequency]
    principal = from_minor(principal_minor)
    emi = equal_installment(principal, rate, periods)
    even_principal = round_to_cent(principal / periods)
    balance = principal
    rows = []
    for number, due in enumerate(due_dates(disbursement_date, periods, frequency), start=1):
        interest = round_to_cent(balance * rate)
        if number == periods:
            part = balance
        elif amortization == "equal_installments":
            part = min(emi - interest, balance)
        else:
            part = min(even_principal, balance)
        balance -= part
        rows.append(Installment(number, due, to_minor(part), to_minor(interest), to_minor(balance)))
    schedule = Schedule(principal_minor, tuple(rows))
    assert sum(i.principal_minor for i in rows) == principal_minor
    return schedule

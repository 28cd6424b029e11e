"""Repayment frequencies, due dates and day counts: the calendar arithmetic behind interest.

Kept apart from the schedule so the same rules serve quotes, booking, daily accrual and the APR.
"""
import calendar as _cal  # the standard library module
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

DAY_COUNTS = ("30/360", "actual/360", "actual/365", "actual/364", "actual/actual")
NAMED_FREQUENCIES = ("monthly", "semimonthly", "biweekly", "weekly", "quarterly")
_EVERY = re.compile(r"^every_([1-9][0-9]{0,2})_days$")


@dataclass(frozen=True)
class Frequency:
    """A repayment frequency: a whole number of months (with a half-month step for
    semimonthly) or a whole number of days."""
    name: str
    months: int = 0
    days: int = 0

    @property
    def periods_per_year(self) -> Decimal | None:
        """Nominal periods a year for month-based frequencies; None for day-based ones, whose
        periodic rate comes from the day count's year basis instead."""
        if self.name == "semimonthly":
            return Decimal(24)
        if self.months:
            return Decimal(12) / self.months
        return None

    def due_date(self, anchor: date, k: int) -> date:
        """The k-th date (k >= 0) of the series that starts at `anchor`, always measured from
        the anchor so month-end dates do not drift (Jan 31 -> Feb 28 -> Mar 31)."""
        if self.name == "semimonthly":
            d = anchor + relativedelta(months=k // 2)
            return d + timedelta(days=15) if k % 2 else d
        if self.months:
            return anchor + relativedelta(months=self.months * k)
        return anchor + timedelta(days=self.days * k)


def parse_frequency(name: str) -> Frequency:
    fixed = {"monthly": Frequency("monthly", months=1),
             "quarterly": Frequency("quarterly", months=3),
             "semimonthly": Frequency("semimonthly", days=15),
             "biweekly": Frequency("biweekly", days=14),
             "weekly": Frequency("weekly", days=7)}
    if name in fixed:
        return fixed[name]
    m = _EVERY.match(name or "")
    if m:
        return Frequency(name, days=int(m.group(1)))
    raise ValueError(f"must be one of {', '.join(NAMED_FREQUENCIES)} or every_N_days")


def due_dates(disbursed: date, periods: int, freq: Frequency,
              first_payment: date | None = None) -> list[date]:
    """Due dates: one period after disbursement, or from a given first payment date (which
    makes the first period short or long: an odd first period)."""
    if first_payment is None:
        return [freq.due_date(disbursed, k) for k in range(1, periods + 1)]
    return [freq.due_date(first_payment, k) for k in range(periods)]


def days_30_360(start: date, end: date) -> int:
    """30/360 US (bond basis): day 31 counts as 30; an end on the 31st counts as 30 when the
    start is the 30th or 31st."""
    d1, d2 = start.day, end.day
    if d1 == 31:
        d1 = 30
    if d2 == 31 and d1 == 30:
        d2 = 30
    return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)


def year_basis(day_count: str, year: int | None = None) -> int:
    if day_count == "actual/actual":
        return 366 if year is not None and _cal.isleap(year) else 365
    return {"30/360": 360, "actual/360": 360, "actual/365": 365, "actual/364": 364}[day_count]


def year_fraction(start: date, end: date, day_count: str) -> Decimal:
    """Fraction of a year from start to end under the day count. actual/actual splits the span
    at each 1 January and divides each part by the days of its own year (ISDA)."""
    if end <= start:
        return Decimal(0)
    if day_count == "30/360":
        return Decimal(days_30_360(start, end)) / 360
    if day_count != "actual/actual":
        return Decimal((end - start).days) / year_basis(day_count)
    total, cursor = Decimal(0), start
    while cursor < end:
        boundary = min(date(cursor.year + 1, 1, 1), end)
        total += Decimal((boundary - cursor).days) / year_basis(day_count, cursor.year)
        cursor = boundary
    return total


def period_fraction(start: date, end: date, freq: Frequency, day_count: str,
                    interest_period: str, regular: bool = True) -> Decimal:
    """Year fraction that one period earns interest for.

    `daily`: actual (or 30/360) days of the period under the day count.
    `same_as_repayment`: a regular period earns the nominal share of the year (1/12 a month,
    1/24 a half-month, N/basis for N-day periods); a period that is not regular (an odd first
    period) earns that share scaled by its length against a regular period ending on its due
    date, measured under the day count.
    """
    if interest_period == "daily":
        return year_fraction(start, end, day_count)
    if freq.periods_per_year is not None:
        share = 1 / freq.periods_per_year
    else:
        share = Decimal(freq.days) / year_basis("actual/365" if day_count == "actual/actual"
                                                else day_count)
    if regular:
        return share
    one_period = year_fraction(_previous(end, freq), end, day_count)
    return share * year_fraction(start, end, day_count) / one_period


def _previous(due: date, freq: Frequency) -> date:
    if freq.name == "semimonthly":
        return due - timedelta(days=15)
    if freq.months:
        return due - relativedelta(months=freq.months)
    return due - timedelta(days=freq.days)

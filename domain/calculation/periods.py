"""Repayment frequencies, due dates and day counts: the calendar arithmetic behind interest.

Kept apart from the schedule so the same rules serve quotes, booking, daily accrual and the APR.
The conventions follow Apache Fineract's progressive loan schedule (docs/conventions/schedule.md).
"""
import calendar as _cal  # the standard library module
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction


DAY_COUNTS = ("30/360", "actual/360", "actual/365", "actual/364", "actual/actual")
NAMED_FREQUENCIES = ("monthly", "semimonthly", "biweekly", "weekly", "quarterly")
_EVERY = re.compile(r"^every_([1-9][0-9]{0,2})_days$")


@dataclass(frozen=True)
class Frequency:
    """A repayment frequency: whole months, twice a month, whole weeks or whole days."""
    name: str
    months: int = 0
    days: int = 0

    @property
    def weeks(self) -> int:
        return self.days // 7 if self.name in ("weekly", "biweekly") else 0

    @property
    def periods_per_year(self) -> Decimal | None:
        """Nominal periods a year for month-based frequencies; None for day-based ones."""
        if self.name == "semimonthly":
            return Decimal(24)
        if self.months:
            return Decimal(12) / self.months
        return None

    def due_date(self, anchor: date, k: int) -> date:
        """The k-th date (k >= 0) of the series through `anchor`. Monthly dates are measured
        from the anchor so month ends do not drift (Oct 31 -> Nov 30 -> Dec 31 -> Feb 29)."""
        if self.name == "semimonthly":
            return _semimonthly(anchor, k)
        if self.months:
            return add_months(anchor, self.months * k)
        return anchor + timedelta(days=self.days * k)

    def previous(self, due: date) -> date:
        """Start of a regular period ending on `due`."""
        if self.name == "semimonthly":
            return _semimonthly_before(due)
        if self.months:
            return add_months(due, -self.months)
        return due - timedelta(days=self.days)

    def series(self, anchor: date, count: int, start: int = 1) -> list[date]:
        """Dates k = start .. start+count-1 of the series, in one pass."""
        if self.name == "semimonthly":
            return _semimonthly_series(anchor, start + count - 1)[start:]
        if self.months:  # add_months inlined: schedules call this for every installment
            day, step, base = anchor.day, self.months, anchor.year * 12 + anchor.month - 1
            out = []
            for k in range(start, start + count):
                y, m0 = divmod(base + step * k, 12)
                out.append(date(y, m0 + 1, day if day <= 28 else
                                min(day, _month_days(y, m0 + 1))))
            return out
        step = timedelta(days=self.days)
        return [anchor + step * k for k in range(start, start + count)]


def add_months(d: date, months: int) -> date:
    """Calendar months later (or earlier), the day clamped to the month's last day."""
    y, m0 = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(y, m0 + 1, min(d.day, _month_days(y, m0 + 1)))


_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _month_days(y: int, m: int) -> int:
    if m == 2 and (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)):
        return 29
    return _DAYS[m]


def _semimonthly_days(day: int) -> tuple[int, int | None]:
    """Twice a month on day a and day a+15; from the 15th on, the second date is the last day
    of the month (so 15th/month-end, Fineract's semi-monthly, for anchors on 15, 30 or 31)."""
    a = day if day <= 15 else min(day - 15, 15)
    return (a, None) if a == 15 else (a, a + 15)


def _series_in_month(y: int, m: int, day: int) -> list[date]:
    a, b = _semimonthly_days(day)
    last = _cal.monthrange(y, m)[1]
    return [date(y, m, min(a, last)), date(y, m, last if b is None else min(b, last))]


def _semimonthly_series(anchor: date, k: int) -> list[date]:
    """The anchor and the k series dates after it."""
    out, y, m = [anchor], anchor.year, anchor.month
    while len(out) <= k:
        out += [d for d in _series_in_month(y, m, anchor.day) if d > anchor]
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out[:k + 1]


def _semimonthly(anchor: date, k: int) -> date:
    return _semimonthly_series(anchor, k)[k]


def _semimonthly_before(due: date) -> date:
    y, m = (due.year - 1, 12) if due.month == 1 else (due.year, due.month - 1)
    dates = _series_in_month(y, m, due.day) + _series_in_month(due.year, due.month, due.day)
    return max(d for d in dates if d < due)


def parse_frequency(name: str) -> Frequency:
    """The Frequency a name stands for (frozen, so one per name is kept: schedules ask for
    it for every loan)."""
    found = _PARSED.get(name) if isinstance(name, str) else None
    if found is None:
        found = _parse_frequency(name)
        if len(_PARSED) < 256:
            _PARSED[name] = found
    return found


_PARSED: dict[str, Frequency] = {}


def _parse_frequency(name: str) -> Frequency:
    fixed = {"monthly": Frequency("monthly", months=1),
             "quarterly": Frequency("quarterly", months=3),
             "semimonthly": Frequency("semimonthly", days=15),
             "biweekly": Frequency("biweekly", days=14),
             "weekly": Frequency("weekly", days=7)}
    if name in fixed:
        return fixed[name]
    m = _EVERY.match(name or "") if isinstance(name, str) else None
    if m:
        return Frequency(name, days=int(m.group(1)))
    raise ValueError(f"must be one of {', '.join(NAMED_FREQUENCIES)} or every_N_days")


def due_dates(disbursed: date, periods: int, freq: Frequency,
              first_payment: date | None = None) -> list[date]:
    """Due dates: one period after disbursement, or from a given first payment date (which
    makes the first period short or long: an odd first period)."""
    if first_payment is None:
        return freq.series(disbursed, periods, start=1)
    return freq.series(first_payment, periods, start=0)


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


def year_fraction(start: date, end: date, day_count: str) -> Fraction:
    """Fraction of a year from start to end under the day count, exact (a rational number:
    a month is exactly 1/12, never a truncated decimal). actual/actual divides each year's
    days by that year's length, the year boundary taken at 31 December as Apache Fineract
    does (2023-12-12..2024-01-12 = 19/365 + 12/366)."""
    if end <= start:
        return Fraction(0)
    if day_count == "30/360":
        return Fraction(days_30_360(start, end), 360)
    if day_count != "actual/actual":
        return Fraction((end - start).days, year_basis(day_count))
    total, cursor = Fraction(0), start
    while cursor < end:
        boundary = min(date(cursor.year, 12, 31), end)
        if boundary <= cursor:
            boundary = min(date(cursor.year + 1, 12, 31), end)
            year = cursor.year + 1
        else:
            year = cursor.year
        total += Fraction((boundary - cursor).days, year_basis(day_count, year))
        cursor = boundary
    return total


def regular_share(freq: Frequency, day_count: str, interest_period: str) -> Fraction | None:
    """Exact year fraction of one regular period when it is fixed by convention, else None (then
    the period's own days count): months earn 1/12 each (1/24 a half-month) under every day
    count; weeks earn 1/52 each with interest per repayment period; under 30/360 an N-day
    period earns N/360."""
    if freq.periods_per_year is not None and (day_count == "30/360"
                                              or interest_period == "same_as_repayment"):
        return Fraction(freq.months, 12) if freq.months else Fraction(1, 24)
    if day_count == "30/360":
        return Fraction(freq.days, 360)
    if interest_period == "same_as_repayment" and freq.weeks:
        return Fraction(freq.weeks, 52)
    return None


def period_fraction(start: date, end: date, freq: Frequency, day_count: str,
                    interest_period: str, regular: bool = True) -> Fraction:
    """Year fraction one period earns interest for. A regular period earns its conventional
    share (regular_share) or, where there is none, its days under the day count; an odd first
    period earns that share scaled by its length against a regular period ending on its due
    date, both measured under the day count."""
    share = regular_share(freq, day_count, interest_period)
    if share is None:
        return year_fraction(start, end, day_count)
    if regular:
        return share
    previous = freq.previous(end)
    one_period = year_fraction(previous, end, day_count)
    if one_period == 0:  # a one-day period ending on the 31st is 0 days under 30/360
        return share * Fraction((end - start).days, (end - previous).days)
    return share * year_fraction(start, end, day_count) / one_period

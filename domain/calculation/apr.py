"""Annual percentage rate by Regulation Z (12 CFR 1026) Appendix J, actuarial method.

A general rule, not a fit: any stream of advances and payments. The term starts at the first
advance ((b)(2)); each amount sits t whole unit-periods plus a fraction f from that start
((b)(5)); the general equation (b)(8) is solved for the unit-period rate i in Decimal, and the
APR is i times the unit-periods in a year ((b)(1)).

Over 300 lines on purpose: unit-period choice, the (b)(5) fractions and the solver are one
algorithm of Appendix J, kept in the order the regulation states it.
"""
import calendar
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from domain.kernel.errors import ValidationError
from domain.kernel.money import from_minor, parse_amount
from domain.calculation.periods import NAMED_FREQUENCIES, parse_frequency

_PREC = 40  # digits carried through the iteration ((b)(9): carry all available decimals)
_TOL = Decimal("1e-24")
_MONTH_DAYS = Decimal(365) / 12
_EVERY = re.compile(r"^every_([1-9][0-9]{0,2})_(days|months)$")
_NO_RATE = {"payments": "no annual percentage rate solves these amounts"}
MAX_COUNT = 3000


@dataclass(frozen=True)
class Unit:
    """A unit-period: n months (12 = a year), a semimonth, n days (weeks are 7n days), or the
    whole term of a single advance, single payment transaction ((b)(4)(ii))."""
    kind: str  # "month" | "semimonth" | "day" | "term"
    n: int = 1
    term_per_year: Decimal | None = None

    @property
    def per_year(self) -> Decimal:
        """(b)(5)(ii)-(vii): 12/n for months, 24 semimonths, 52/weeks, 365 days; any other
        N-day period (every_10_days) is taken as 365/N."""
        if self.kind in ("term", "semimonth"):
            return self.term_per_year or Decimal(24)
        if self.kind == "month":
            return Decimal(12) / self.n
        return Decimal(52) / (self.n // 7) if self.n % 7 == 0 else Decimal(365) / self.n

    @property
    def length(self) -> Decimal:
        """Approximate days, to rank periods ((b)(4)(i)(A): the smaller wins a tie)."""
        if self.kind == "day":
            return Decimal(self.n)
        return _MONTH_DAYS * self.n if self.kind == "month" else _MONTH_DAYS / 2


_NAMED = {"monthly": Unit("month", 1), "quarterly": Unit("month", 3), "yearly": Unit("month", 12),
          "semimonthly": Unit("semimonth"), "weekly": Unit("day", 7), "biweekly": Unit("day", 14)}


def parse_unit(name: str) -> Unit:
    """A unit-period by name: monthly, semimonthly, weekly, biweekly, quarterly, yearly,
    every_N_days or every_N_months (N <= 12); ValueError otherwise."""
    if name in _NAMED:
        return _NAMED[name]
    if (m := _EVERY.match(name or "")) and (m.group(2) == "days" or int(m.group(1)) <= 12):
        return Unit("month" if m.group(2) == "months" else "day", int(m.group(1)))
    raise ValueError(f"unknown unit-period '{name}'")


# --- calendar: (b)(3)(iv) months are equal; month-end and 29th/30th series keep their day ---

def _month_end(d: date) -> bool:
    return d.day == calendar.monthrange(d.year, d.month)[1]


def _back(d: date, months: int, day: int) -> date:
    """d moved back whole months onto the series' day, clamped to the month's last day."""
    y, m0 = divmod(d.year * 12 + d.month - 1 - months, 12)
    return date(y, m0 + 1, min(day, calendar.monthrange(y, m0 + 1)[1]))


def _series_day(d: date, pool: list[date]) -> int:
    """The nominal day of d's monthly series: a short month's end (Feb 28, Apr 30) stands for
    the most common day from it up in the stream (ties: the later), so a month-end or 30th
    series counts months from its own day as (b)(3)(iv) requires."""
    if not _month_end(d) or d.day == 31:
        return d.day
    days = Counter(x.day for x in pool if x.day >= d.day)
    return max(days, key=lambda k: (days[k], k))


def _months_back(start: date, d: date, day: int) -> tuple[int, int]:
    """Full months measured back from d while staying on or after start, and the days left."""
    m = (d.year - start.year) * 12 + d.month - start.month
    while m > 0 and _back(d, m, day) < start:
        m -= 1
    return m, (_back(d, m, day) - start).days


def time_from_start(unit: Unit, start: date, d: date, day: int) -> tuple[int, Decimal]:
    """(t, f): whole unit-periods and the fraction from start to d, per (b)(5)(ii)-(vii)."""
    if unit.kind == "term":
        return (1 if d > start else 0), Decimal(0)
    if unit.kind == "day":
        q, r = divmod((d - start).days, unit.n)
        return q, Decimal(r) / unit.n
    m, rem = _months_back(start, d, day)
    if unit.kind == "month" and unit.n == 1:
        return m, Decimal(rem) / 30
    if unit.kind == "semimonth" or unit.n < 12:
        size = 15 if unit.kind == "semimonth" else 30 * unit.n
        q, r = divmod(30 * m + rem, size)
        return q, Decimal(r) / size
    years, months = divmod(m, 12)
    if rem == 0:
        return years, Decimal(months) / 12
    return years, Decimal((_back(d, 12 * years, day) - start).days) / 365


# --- the unit-period, (b)(3) and (b)(4) ---

def _fits(a: date, b: date) -> list[Unit]:
    """The standard intervals the period a -> b is exactly: a whole number of months is months
    ((b)(3)(iv): all months are equal); 13-16 days apart on the calendar is a semimonth, and
    also n days only when n is whole weeks; one month of 28 days (a February) is also 4 weeks,
    so a 28-day series does not turn monthly where it meets February's end (longer months
    are not: a quarter of 91 days stays a quarter); otherwise n days (at most a year)."""
    k = (b.year - a.year) * 12 + b.month - a.month
    days = (b - a).days
    weeks = [Unit("day", days)] if days % 7 == 0 else []
    if 1 <= k <= 12 and (b.day == a.day or (_month_end(a) and b.day >= a.day)
                         or (_month_end(b) and a.day >= b.day)):
        return [Unit("month", k)] + (weeks if k == 1 else [])
    if (k == 0 and 13 <= b.day - a.day <= 16) or (k == 1 and 13 <= a.day - b.day <= 16):
        return [Unit("semimonth")] + weeks
    return [Unit("day", days)] if days <= 365 else []


def infer_unit(advance_dates: list[date], payment_dates: list[date]) -> Unit:
    """(b)(4)(i): the common period (occurring more than once, at most a year) that occurs most
    often among the periods between advances, between payments and from the start of the term
    to the first payment; a tie goes to the smaller (see _fits for what a period counts as).
    No common period: the average period rounded to the nearest standard interval,
    the lower if equally near ((b)(4)(i)(B))."""
    advances, payments = sorted(set(advance_dates)), sorted(set(payment_dates))
    periods = list(zip(advances, advances[1:])) + list(zip([advances[0]] + payments, payments))
    periods = [(a, b) for a, b in periods if b > a]
    counts = Counter(u for a, b in periods for u in _fits(a, b))
    best = max(counts, key=lambda u: (counts[u], -u.length), default=None)
    if best and counts[best] > 1:
        return best
    average = Decimal(sum((b - a).days for a, b in periods)) / max(len(periods), 1)
    standard = ([Unit("day", 1), Unit("semimonth")] + [Unit("day", 7 * w) for w in range(1, 53)]
                + [Unit("month", k) for k in range(1, 13)])
    return min(standard, key=lambda u: (abs(u.length - average), u.length))


def _single_term(start: date, end: date) -> Unit:
    """(b)(4)(ii), (b)(5)(vi)-(vii): one advance, one payment: the unit is the term if under a
    year (12/months a year for whole months, else 365/days); from a year on, a year."""
    m, rem = _months_back(start, end, 31 if _month_end(start) and _month_end(end) else end.day)
    if m >= 12:
        return Unit("month", 12)
    return Unit("term", term_per_year=Decimal(12) / m if rem == 0
                else Decimal(365) / (end - start).days)


# --- the general equation, (b)(8) and (b)(9) ---

def _solve(flows: list[tuple[Decimal, int, Decimal]]) -> Decimal:
    """Unit-period rate i with sum(A/((1+e i)(1+i)^q)) = sum(P/((1+f i)(1+i)^t)); flows carry
    advances positive and payments negative. Newton steps kept inside a sign-change bracket."""
    def g(i):
        value = slope = Decimal(0)
        for amount, t, f in flows:
            term = amount / ((1 + f * i) * (1 + i) ** t)
            value += term
            slope -= term * (f / (1 + f * i) + t / (1 + i))
        return value, slope

    g0 = g(Decimal(0))[0]
    if g0 == 0:
        return Decimal(0)
    far = Decimal("0.01") if g0 < 0 else Decimal("-0.01")  # payments exceed advances: i > 0
    while (g(far)[0] < 0) == (g0 < 0):
        if far > 10 ** 6 or far <= Decimal("-0.9"):
            raise ValidationError(_NO_RATE)
        far = far * 2 if far > 0 else max(far * 2, Decimal("-0.9"))
    lo, hi = min(far, Decimal(0)), max(far, Decimal(0))
    lo_negative = g(lo)[0] < 0
    x = (lo + hi) / 2
    for _ in range(400):
        value, slope = g(x)
        if value == 0:
            return x
        lo, hi = (x, hi) if (value < 0) == lo_negative else (lo, x)
        nxt = x - value / slope if slope else lo
        nxt = nxt if lo < nxt < hi else (lo + hi) / 2
        if abs(nxt - x) < _TOL or hi - lo < _TOL:
            return nxt
        x = nxt
    return x


def annual_percentage_rate(advances: list[tuple[date, Decimal]],
                           payments: list[tuple[date, Decimal]],
                           unit: str | Unit | None = None) -> Decimal:
    """APR in percent (9.69 means 9.69%), not rounded for disclosure: kept to 18 decimals, so
    the caller rounds once. `unit` names the unit-period (see parse_unit); None infers it
    from the dates (infer_unit; one advance and one payment: the term, _single_term)."""
    if not advances or not payments:
        raise ValidationError({"advances" if not advances else "payments": "must not be empty"})
    if any(a <= 0 for _, a in advances) or any(p <= 0 for _, p in payments):
        raise ValidationError({"amount": "every amount must be greater than zero"})
    start = min(d for d, _ in advances)
    if any(d <= start for d, _ in payments):
        raise ValidationError({"payments": f"every payment must fall after {start.isoformat()}"})
    adv_dates, pay_dates = [d for d, _ in advances], [d for d, _ in payments]
    if unit is not None:
        u = unit if isinstance(unit, Unit) else parse_unit(unit)
    elif len(advances) == 1 and len(payments) == 1:
        u = _single_term(start, pay_dates[0])
    else:
        u = infer_unit(adv_dates, pay_dates)
    with localcontext() as ctx:
        ctx.prec = _PREC
        flows = [(sign * Decimal(amount), *time_from_start(u, start, d, _series_day(d, pool)))
                 for sign, items, pool in ((1, advances, adv_dates), (-1, payments, pay_dates))
                 for d, amount in items]
        try:
            return (_solve(flows) * u.per_year * 100).quantize(Decimal("1e-18"))
        except ArithmeticError:  # a decimal overflow: no rate within reach
            raise ValidationError(_NO_RATE) from None


# --- the `lendbook apr` contract ---

def _amount(value, field: str, errors: dict) -> Decimal | None:
    try:  # a JSON float would already have lost its exact value
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return from_minor(parse_amount(str(value), field))
        errors[field] = 'must be a decimal string such as "5000.00"'
    except ValidationError as e:
        errors.update(e.errors)
    return None


def _date(value, field: str, errors: dict) -> date | None:
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    errors[field] = "must be a date YYYY-MM-DD"
    return None


def _objects(value, field: str, keys: tuple[str, ...], errors: dict) -> list[tuple[str, dict]]:
    """(path, item) per object of a non-empty list having exactly these keys; else errors."""
    if not isinstance(value, list) or not value:
        errors[field] = "must be a non-empty list"
        return []
    good = []
    for path, item in ((f"{field}[{n}]", item) for n, item in enumerate(value)):
        if not isinstance(item, dict):
            errors[path] = "must be a JSON object"
            continue
        errors.update({f"{path}.{k}": "is not a known field" for k in item if k not in keys})
        errors.update({f"{path}.{k}": "is required" for k in keys if k not in item})
        good += [(path, item)] if all(k in item for k in keys) else []
    return good


def _series(p: dict, f: str, errors: dict) -> list[tuple[date, Decimal]]:
    """One payment group as dated amounts (due dates as domain.calculation.periods makes them)."""
    amount = _amount(p["amount"], f"{f}.amount", errors)
    first = _date(p["first_date"], f"{f}.first_date", errors)
    count, frequency = p["count"], None
    name = p["frequency"] if isinstance(p["frequency"], str) else ""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        errors[f"{f}.count"] = f"must be a whole number from 1 to {MAX_COUNT}"
    elif name == "single" and count != 1:
        errors[f"{f}.count"] = "must be 1 for a single payment"
    try:
        frequency = None if name == "single" else parse_frequency(name)
    except ValueError:
        choices = ", ".join(NAMED_FREQUENCIES)
        errors[f"{f}.frequency"] = f"must be one of {choices}, every_N_days or single"
    if not (amount and first) or f"{f}.count" in errors or f"{f}.frequency" in errors:
        return []
    try:
        return [(frequency.due_date(first, k) if frequency else first, amount)
                for k in range(count)]
    except (OverflowError, ValueError):
        errors[f"{f}.count"] = "runs past the year 9999"
        return []


def apr_request(data: dict) -> dict:
    """`lendbook apr`: {"advances": [...], "payments": [...]} -> {"apr": "9.69"} (percent, two
    places, half-up). The frequencies only make the due dates; the unit-period comes from the
    dates by (b)(4), as for a quote's schedule, so both give one APR for one schedule."""
    if not isinstance(data, dict):
        raise ValidationError({"input": "must be a JSON object"})
    errors = {k: "is not a known field" for k in data if k not in ("advances", "payments")}
    advances, payments, firsts = [], [], []
    for f, a in _objects(data.get("advances"), "advances", ("amount", "date"), errors):
        amount = _amount(a["amount"], f"{f}.amount", errors)
        when = _date(a["date"], f"{f}.date", errors)
        advances += [(when, amount)] if amount and when else []
    keys = ("amount", "first_date", "count", "frequency")
    for f, p in _objects(data.get("payments"), "payments", keys, errors):
        flows = _series(p, f, errors)
        payments += flows
        firsts += [(f, flows[0][0])] if flows else []
    errors.update({k: "is required" for k in ("advances", "payments") if k not in data})
    if not errors:
        start = min(d for d, _ in advances)
        errors = {f"{f}.first_date": f"must be after the first advance ({start.isoformat()})"
                  for f, first in firsts if first <= start}
    if errors:
        raise ValidationError(errors)
    apr = annual_percentage_rate(advances, payments)
    return {"apr": str(apr.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))}

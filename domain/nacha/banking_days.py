"""Banking days: weekdays the Federal Reserve's ACH operator settles on.

Holidays are the Federal Reserve's: a fixed-date holiday on a Sunday is observed the Monday
after; on a Saturday it is not moved (the Fed opens that Friday).
"""
from datetime import date, timedelta
from functools import lru_cache


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


@lru_cache(maxsize=64)
def fed_holidays(year: int) -> frozenset[date]:
    fixed = [date(year, 1, 1), date(year, 7, 4), date(year, 11, 11), date(year, 12, 25)]
    if year >= 2022:
        fixed.append(date(year, 6, 19))
    days = {d + timedelta(days=1) if d.weekday() == 6 else d for d in fixed}
    days |= {_nth_weekday(year, 1, 0, 3), _nth_weekday(year, 2, 0, 3), _last_weekday(year, 5, 0),
             _nth_weekday(year, 9, 0, 1), _nth_weekday(year, 10, 0, 2),
             _nth_weekday(year, 11, 3, 4)}
    return frozenset(days)


def is_banking_day(day: date) -> bool:
    return day.weekday() < 5 and day not in fed_holidays(day.year)


def add_banking_days(day: date, n: int) -> date:
    """The n-th banking day after `day` (n >= 1); `day` itself need not be one."""
    while n > 0:
        day += timedelta(days=1)
        if is_banking_day(day):
            n -= 1
    return day

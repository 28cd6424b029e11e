"""The settlement window, in figures: a bank-file debit is taken as settled from the day after
the 2nd banking day following its settlement date (banking days are the Fed's)."""
from datetime import date

from domain.servicing.settlement import latest_matured, matured, settlement_day


def first_settled_day(effective: date) -> date:
    day = effective
    while not matured(effective, day):
        day = date.fromordinal(day.toordinal() + 1)
    return day


def test_settled_the_day_after_the_second_banking_day_after_settlement():
    assert first_settled_day(date(2026, 2, 5)) == date(2026, 2, 10)  # Thu -> Fri, Mon -> Tue
    assert first_settled_day(date(2026, 2, 10)) == date(2026, 2, 13)  # Tue -> Wed, Thu -> Fri
    assert settlement_day(date(2026, 2, 7)) == date(2026, 2, 9)  # a Saturday settles Monday
    assert first_settled_day(date(2026, 2, 7)) == date(2026, 2, 12)
    # Fri 02-13, then Presidents' Day (Mon 02-16): Tue 17, Wed 18 -> settled Thu 02-19
    assert first_settled_day(date(2026, 2, 13)) == date(2026, 2, 19)
    # the 2nd banking day a Friday: settled on the Saturday (not three calendar days later)
    assert first_settled_day(date(2026, 3, 11)) == date(2026, 3, 14)


def test_the_cutoff_is_the_latest_effective_date_settled():
    for on in (date(2026, 2, 10), date(2026, 2, 19), date(2026, 3, 14), date(2026, 11, 30)):
        cutoff = latest_matured(on)
        assert matured(cutoff, on) and not matured(date.fromordinal(cutoff.toordinal() + 1), on)
    assert latest_matured(date(2026, 2, 19)) == date(2026, 2, 13)

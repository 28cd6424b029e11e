"""Half a cent rounds up (issue 18, case 1): periodic rates are exact fractions of a year, so
3,000.00 at 11.99%, 30/360, monthly earns 3,000 x 0.1199 / 12 = 29.975 exactly in its first
month, which the named rounding point (half up) makes 29.98, never 29.97."""
from datetime import date
from decimal import Decimal
from fractions import Fraction

from cli import demo
from domain.calculation.periods import regular_share, parse_frequency
from domain.calculation.schedule import ScheduleTerms, build
from domain.kernel.actor import SYSTEM
from domain.ledger import reports
from domain.servicing.queries import loan_detail


def _first(amount_minor: int) -> tuple[int, int, int]:
    s = build(ScheduleTerms(amount_minor, Decimal("11.99"), 24, "monthly", date(2026, 1, 15)))
    first = s.installments[0]
    return s.regular_installment_minor, first.interest_minor, first.principal_minor


def test_a_month_is_exactly_one_twelfth_of_a_year():
    assert regular_share(parse_frequency("monthly"), "30/360", "same_as_repayment") == \
        Fraction(1, 12)
    assert regular_share(parse_frequency("quarterly"), "actual/365", "same_as_repayment") == \
        Fraction(1, 4)


def test_half_a_cent_of_interest_rounds_up():
    assert _first(300_000) == (14_121, 2_998, 11_123)  # 141.21 = 29.98 + 111.23
    assert _first(1_500_000) == (70_603, 14_988, 55_615)  # 149.875 -> 149.88


def _half_up(x: Fraction) -> int:
    return int(x + Fraction(1, 2))


def test_the_demo_book_earns_half_up_interest(fresh_sqlite):
    """Every installment of every demo loan charges exactly balance x 0.1199 / 12 rounded half
    up (computed here with rationals, apart from the engine); LN-000005 (3,000.00) and
    LN-000006 (15,000.00) carry the half cents of the report."""
    url = fresh_sqlite
    demo.load(url)
    for number in ("LN-000001", "LN-000003", "LN-000005", "LN-000006"):
        d = loan_detail(SYSTEM, number, url)
        balance = d.principal_minor
        for row in d.installments:
            assert row.interest_minor == _half_up(balance * Fraction(1199, 120_000)), \
                (number, row.number)
            balance -= row.principal_minor
        assert balance == 0
    assert loan_detail(SYSTEM, "LN-000005", url).installments[0].interest_minor == 2_998
    assert loan_detail(SYSTEM, "LN-000006", url).installments[0].interest_minor == 14_988
    rows = reports.trial_balance(SYSTEM, url)
    assert sum(r.debit_minor for r in rows) == sum(r.credit_minor for r in rows) > 0

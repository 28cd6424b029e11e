"""Schedules against published figures (Apache Fineract) and the exact-sum invariant."""
import json
import random
from datetime import date
from decimal import Decimal

import pytest

from domain.kernel.money import fmt, to_minor
from domain.calculation.schedule import ScheduleTerms, build
from tests.conftest import shared_file


def build_schedule(principal_minor, annual_rate, periods, frequency, amortization,
                   disbursement_date, **options):
    """Shorthand for these tests: 30/360 and the other defaults of ScheduleTerms."""
    return build(ScheduleTerms(principal_minor, annual_rate, periods, frequency,
                               disbursement_date, amortization, **options))


def _cases():
    return json.loads(shared_file("oracles/quote-cases.json").read_text())


def _amounts(minors):
    return [fmt(m) for m in minors]


@pytest.mark.parametrize("index", range(3))
def test_fineract_published_cases(index):
    case = _cases()[index]
    inp, expect = case["input"], case["expect"]
    assert inp["amortization"] == "equal_installments" and inp["day_count"] == "30/360"
    s = build_schedule(to_minor(Decimal(inp["principal"])), Decimal(inp["annual_rate"]),
                       inp["periods"], inp["frequency"], inp["amortization"],
                       date.fromisoformat(inp["disbursement_date"]))
    assert fmt(s.installment_minor) == expect["installment"], case["name"]
    for key, attr in (("interest", "interest_minor"), ("principal", "principal_minor"),
                      ("balance", "balance_minor")):
        if key in expect:
            assert _amounts(getattr(i, attr) for i in s.installments) == expect[key], case["name"]


def test_fineract_six_month_case_stated_here():
    """The published figures themselves (Fineract ProgressiveEMICalculatorTest)."""
    s = build_schedule(10000, Decimal("9.4822"), 6, "monthly", "equal_installments",
                       date(2024, 1, 1))
    assert [i.total_minor for i in s.installments] == [1713] * 6
    assert [i.interest_minor for i in s.installments] == [79, 66, 53, 40, 27, 13]


def test_due_dates_monthly_clamp_to_month_end():
    s = build_schedule(100000, Decimal("12"), 3, "monthly", "equal_installments",
                       date(2025, 1, 31))
    assert [i.due_date for i in s.installments] == [date(2025, 2, 28), date(2025, 3, 31),
                                                    date(2025, 4, 30)]


def test_biweekly_equal_principal():
    s = build_schedule(260000, Decimal("8.5"), 26, "biweekly", "equal_principal",
                       date(2025, 1, 1))
    assert {i.principal_minor for i in s.installments} == {10000}
    assert s.installments[1].due_date == date(2025, 1, 29)
    interest = [i.interest_minor for i in s.installments]
    assert interest == sorted(interest, reverse=True) and interest[-1] > 0


def test_every_schedule_sums_exactly_to_principal():
    rng = random.Random(20261122)
    for _ in range(400):
        principal = rng.randint(100, 10_000_000)
        rate = Decimal(rng.randint(0, 3600)) / 100
        periods = rng.randint(1, 120)
        freq = rng.choice(["monthly", "biweekly", "weekly"])
        amort = rng.choice(["equal_installments", "equal_principal"])
        s = build_schedule(principal, rate, periods, freq, amort, date(2025, 3, 15))
        assert sum(i.principal_minor for i in s.installments) == principal
        assert s.installments[-1].balance_minor == 0
        assert all(i.principal_minor >= 0 and i.interest_minor >= 0 for i in s.installments)
        if amort == "equal_installments" and periods > 1:
            regular = {i.total_minor for i in s.installments[:-1]}
            assert len(regular) == 1
            # the EMI's half-cent rounding, compounded, is all the last installment absorbs
            growth = (1 + rate / 100 / {"monthly": 12, "biweekly": 26, "weekly": 52}[freq])
            bound = Decimal(periods) * growth ** periods / 2 + 1
            assert abs(s.installments[-1].total_minor - regular.pop()) <= bound

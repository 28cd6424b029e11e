"""APR by Regulation Z Appendix J against its published examples, and the rules behind them.

Published figures: 12 CFR 1026 Appendix J part (c), "Examples for the actuarial method"
(https://www.consumerfinance.gov/rules-policy/regulations/1026/j/). The inputs and APRs below
are the regulation's; the transcription checked against is the test suite of
simontreanor/FSharp.Finance.Personal (tests/AprUsActuarialTests.fs), which cites each paragraph.
"""
import json
from datetime import date, timedelta
from decimal import Decimal, localcontext

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calculation.apr import (
    Unit,
    annual_percentage_rate,
    apr_request,
    infer_unit,
    parse_unit,
    time_from_start,
)
from domain.kernel.errors import ValidationError
from domain.calculation.periods import parse_frequency
from tests.conftest import shared_file


def _oracle_cases():
    return json.loads(shared_file("oracles/apr-cases.json").read_text())


@pytest.mark.parametrize("index", range(2))
def test_shared_oracle_cases(index):
    case = _oracle_cases()[index]
    assert apr_request(case["input"]) == case["expect"], case["name"]


def _adv(amount, when):
    return [{"amount": amount, "date": when}]


def _pay(amount, first, count=1, frequency="single"):
    return {"amount": amount, "first_date": first, "count": count, "frequency": frequency}


def _every_two_months(first: date, count: int, amount: str) -> list[dict]:
    """The request form has no two-month frequency: such a series goes in as single payments."""
    return [_pay(amount, (first + relativedelta(months=2 * k)).isoformat()) for k in range(count)]


PUBLISHED = {
    # (c)(1)(i) monthly payments, regular first period
    "c1i": (_adv("5000.00", "1978-01-10"), [_pay("230.00", "1978-02-10", 24, "monthly")], "9.69"),
    # (c)(1)(ii) monthly payments, long first period
    "c1ii": (_adv("6000.00", "1978-02-10"), [_pay("200.00", "1978-04-01", 36, "monthly")],
             "11.82"),
    # (c)(1)(iii) semimonthly payments (1st and 16th), short first period
    "c1iii": (_adv("5000.00", "1978-02-23"),
              [_pay("219.17", "1978-03-01", 24, "semimonthly")], "10.34"),
    # (c)(1)(iv) quarterly payments, long first period
    "c1iv": (_adv("10000.00", "1978-05-23"), [_pay("385.00", "1978-10-01", 40, "quarterly")],
             "8.97"),
    # (c)(1)(v) weekly payments, long first period
    "c1v": (_adv("500.00", "1978-03-20"), [_pay("17.60", "1978-04-21", 30, "weekly")], "14.96"),
    # (c)(2)(i) monthly payments, regular first period, irregular first payment
    "c2i": (_adv("5000.00", "1978-01-10"),
            [_pay("250.00", "1978-02-10"), _pay("230.00", "1978-03-10", 23, "monthly")],
            "10.08"),
    # (c)(2)(ii) payments every 4 weeks, long first period, irregular first payment
    "c2ii": (_adv("400.00", "1978-03-18"),
             [_pay("39.50", "1978-04-20"), _pay("38.31", "1978-05-18", 11, "every_28_days")],
             "28.50"),
    # (c)(3)(i) monthly payments, regular first period, irregular final payment
    "c3i": (_adv("5000.00", "1978-01-10"),
            [_pay("230.00", "1978-02-10", 23, "monthly"), _pay("280.00", "1980-01-10")],
            "10.50"),
    # (c)(3)(ii) payments every 2 weeks, short first period, irregular final payment
    "c3ii": (_adv("200.00", "1978-04-03"),
             [_pay("9.50", "1978-04-11", 19, "biweekly"), _pay("30.00", "1979-01-02")],
             "12.22"),
    # (c)(4)(i) monthly payments, regular first period, irregular first and final payments
    "c4i": (_adv("5000.00", "1978-01-10"),
            [_pay("250.00", "1978-02-10"), _pay("230.00", "1978-03-10", 22, "monthly"),
             _pay("280.00", "1980-01-10")], "10.90"),
    # (c)(4)(ii) payments every two months, short first period, irregular first and final
    "c4ii": (_adv("8000.00", "1978-01-10"),
             [_pay("449.36", "1978-03-01")] + _every_two_months(date(1978, 5, 1), 18, "465.00")
             + [_pay("200.00", "1981-05-01")], "7.30"),
    # (c)(5)(i) single advance, single payment, term under a year measured in days
    "c5i": (_adv("1000.00", "1978-01-03"), [_pay("1080.00", "1978-09-15")], "11.45"),
}


@pytest.mark.parametrize("name", PUBLISHED)
def test_appendix_j_published_examples(name):
    advances, payments, expected = PUBLISHED[name]
    assert apr_request({"advances": advances, "payments": payments}) == {"apr": expected}


def _flows(request: dict) -> tuple[list, list]:
    """The dated amounts a request stands for, as the quote code would pass them."""
    advances = [(date.fromisoformat(a["date"]), Decimal(a["amount"])) for a in request[0]]
    payments = []
    for p in request[1]:
        first = date.fromisoformat(p["first_date"])
        freq = None if p["frequency"] == "single" else parse_frequency(p["frequency"])
        payments += [(freq.due_date(first, k) if freq else first, Decimal(p["amount"]))
                     for k in range(p["count"])]
    return advances, payments


@pytest.mark.parametrize("name", PUBLISHED)
def test_published_examples_with_the_unit_period_inferred_from_dates(name):
    """The quote path: bare dates, unit-period by (b)(4), same published figure."""
    apr = annual_percentage_rate(*_flows(PUBLISHED[name]))
    assert str(apr.quantize(Decimal("0.01"))) == PUBLISHED[name][2]


@pytest.mark.parametrize("name,unit", [
    ("c1i", "monthly"), ("c1iii", "semimonthly"), ("c1iv", "quarterly"), ("c1v", "weekly"),
    ("c2ii", "every_28_days"), ("c3ii", "biweekly"), ("c4ii", "every_2_months")])
def test_unit_period_inferred_as_the_regulation_names_it(name, unit):
    advances, payments = _flows(PUBLISHED[name])
    assert infer_unit([d for d, _ in advances], [d for d, _ in payments]) == parse_unit(unit)


def test_fractions_of_a_unit_period_per_b5():
    # (b)(5)(ii): months counted back from the payment, odd days over 30 ((c)(1)(ii): 19 days)
    assert time_from_start(parse_unit("monthly"), date(1978, 2, 10), date(1978, 4, 1), 1) == \
        (1, Decimal(19) / 30)
    # (b)(5)(iii): semimonth = 30 x months + days, over 15 ((c)(1)(iii): 6 and 21 days)
    semi = parse_unit("semimonthly")
    assert time_from_start(semi, date(1978, 2, 23), date(1978, 3, 1), 1) == (0, Decimal(6) / 15)
    assert time_from_start(semi, date(1978, 2, 23), date(1978, 3, 16), 16) == (1, Decimal(6) / 15)
    # (b)(5)(iii): multimonthly over 30 x n days ((c)(1)(iv): 4 months + 9 days = 129 days)
    assert time_from_start(parse_unit("quarterly"), date(1978, 5, 23), date(1978, 10, 1), 1) == \
        (1, Decimal(39) / 90)
    # (b)(5)(iv): days over days per unit ((c)(1)(v): 32 days)
    assert time_from_start(parse_unit("weekly"), date(1978, 3, 20), date(1978, 4, 21), 21) == \
        (4, Decimal(4) / 7)
    # (b)(3)(iv): a 30th series measures Feb 28 back to Jan 30
    assert time_from_start(parse_unit("monthly"), date(1978, 1, 10), date(1978, 2, 28), 30) == \
        (1, Decimal(20) / 30)


def test_single_payment_term_in_whole_months_uses_12_over_months():
    # (b)(5)(vi): 3-month term, 3% for the term -> 4 unit-periods a year -> 12%
    apr = annual_percentage_rate([(date(2024, 1, 15), Decimal("1000"))],
                                 [(date(2024, 4, 15), Decimal("1030"))])
    assert apr == 12
    # month-end to month-end is whole months too ((b)(3)(iv)): Jan 31 -> Apr 30 is 3 months
    assert annual_percentage_rate([(date(2023, 1, 31), Decimal("1000"))],
                                  [(date(2023, 4, 30), Decimal("1030"))]) == 12


def test_multiple_advances_are_discounted_like_payments():
    """(b)(8) with two advances: payments priced exactly at 1% a month give 12.00%."""
    start, i = date(2024, 3, 15), Decimal("0.01")
    advanced = Decimal(1000) + Decimal(1000) / (1 + i)  # the second advance a month later
    payment = _exact_payment(advanced, i, 24)
    payments = [(start + relativedelta(months=k), payment) for k in range(1, 25)]
    apr = annual_percentage_rate([(start, Decimal(1000)),
                                  (start + relativedelta(months=1), Decimal(1000))], payments)
    assert abs(apr - 12) < Decimal("1e-12")


def test_single_payment_over_a_year_uses_a_yearly_unit():
    # (b)(4)(ii), (b)(5)(v): two whole years at 10% a year compounded
    apr = annual_percentage_rate([(date(2020, 3, 1), Decimal("1000"))],
                                 [(date(2022, 3, 1), Decimal("1210"))])
    assert abs(apr - Decimal("10")) < Decimal("1e-15")


def test_no_common_period_rounds_the_average_to_a_standard_interval():
    # (b)(4)(i)(B): periods of 6 and 15 days average 10.5 days: nearer a week than a semimonth
    unit = infer_unit([date(1978, 2, 23)], [date(1978, 3, 1), date(1978, 3, 16)])
    assert unit == parse_unit("weekly")


def test_month_end_series_is_monthly_with_whole_periods():
    start = date(2023, 12, 31)
    payments = [(start + relativedelta(months=k), Decimal("100")) for k in range(1, 13)]
    assert infer_unit([start], [d for d, _ in payments]) == parse_unit("monthly")
    assert annual_percentage_rate([(start, Decimal("1200"))], payments) == 0


def test_payments_below_the_advance_give_a_negative_rate():
    apr = annual_percentage_rate([(date(2024, 1, 1), Decimal("1000"))],
                                 [(date(2024, 1, 1) + relativedelta(months=k), Decimal("80"))
                                  for k in range(1, 13)])
    assert apr < 0


@pytest.mark.parametrize("data,field", [
    ({"payments": [_pay("1", "2024-02-01")]}, "advances"),
    ({"advances": _adv("1.00", "2024-01-01")}, "payments"),
    ({"advances": _adv("1.00", "2024-01-01"), "payments": []}, "payments"),
    ({"advances": _adv("1.00", "2024-01-01"), "payments": [_pay("1", "2024-02-01")], "x": 1},
     "x"),
    ({"advances": _adv("0", "2024-01-01"), "payments": [_pay("1", "2024-02-01")]},
     "advances[0].amount"),
    ({"advances": _adv(1.5, "2024-01-01"), "payments": [_pay("1", "2024-02-01")]},
     "advances[0].amount"),
    ({"advances": _adv("1.00", "2024-02-30"), "payments": [_pay("1", "2024-03-01")]},
     "advances[0].date"),
    ({"advances": [{"amount": "1.00", "date": "2024-01-01", "fee": "1"}],
      "payments": [_pay("1", "2024-02-01")]}, "advances[0].fee"),
    ({"advances": _adv("1.00", "2024-01-01"), "payments": [_pay("-1", "2024-02-01")]},
     "payments[0].amount"),
    ({"advances": _adv("1.00", "2024-01-01"), "payments": [_pay("1", "2024-02-01", 0, "monthly")]},
     "payments[0].count"),
    ({"advances": _adv("1.00", "2024-01-01"), "payments": [_pay("1", "2024-02-01", 2)]},
     "payments[0].count"),
    ({"advances": _adv("1.00", "2024-01-01"), "payments": [_pay("1", "2024-02-01", 2, "daily")]},
     "payments[0].frequency"),
    ({"advances": _adv("1.00", "2024-01-01"), "payments": [_pay("1", "2023-12-01")]},
     "payments[0].first_date"),
    ({"advances": _adv("1.00", "2024-01-01"),
      "payments": [{"amount": "1", "first_date": "2024-02-01", "count": 1}]},
     "payments[0].frequency"),
])
def test_bad_input_names_the_field(data, field):
    with pytest.raises(ValidationError) as e:
        apr_request(data)
    assert field in e.value.errors


def test_not_an_object():
    with pytest.raises(ValidationError) as e:
        apr_request([])
    assert "input" in e.value.errors


# --- properties ---

SERIES = {  # unit name -> date of payment k of a series with a regular first period
    "monthly": lambda s, k: s + relativedelta(months=k),
    "quarterly": lambda s, k: s + relativedelta(months=3 * k),
    "semimonthly": lambda s, k: s + relativedelta(months=k // 2) + timedelta(days=15 * (k % 2)),
    "weekly": lambda s, k: s + timedelta(days=7 * k),
    "biweekly": lambda s, k: s + timedelta(days=14 * k),
    "every_10_days": lambda s, k: s + timedelta(days=10 * k),  # 365/10 a year, an extension
}


def _exact_payment(principal: Decimal, i: Decimal, n: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 50
        return principal * i / (1 - (1 + i) ** -n)


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(SERIES)), rate_bp=st.integers(1, 9999),
       principal_cents=st.integers(10000, 10 ** 8), n=st.integers(2, 120),
       start=st.dates(date(1970, 1, 1), date(2080, 12, 31)))
def test_exact_payments_at_a_nominal_rate_give_that_rate(name, rate_bp, principal_cents, n, start):
    """A loan at nominal r with unrounded level payments and a regular first period: APR == r."""
    if name == "semimonthly":
        start = start.replace(day=min(start.day, 13))  # keep the half-month inside the month
    rate = Decimal(rate_bp) / 100
    i = rate / 100 / parse_unit(name).per_year
    principal = Decimal(principal_cents) / 100
    payment = _exact_payment(principal, i, n)
    payments = [(SERIES[name](start, k), payment) for k in range(1, n + 1)]
    assert infer_unit([start], [d for d, _ in payments]) == parse_unit(name)
    apr = annual_percentage_rate([(start, principal)], payments)
    assert abs(apr - rate) < Decimal("1e-12")
    assert apr.quantize(Decimal("0.01")) == rate


@settings(max_examples=40, deadline=None)
@given(day=st.integers(1, 31), n=st.integers(3, 60))
def test_monthly_series_on_any_day_is_monthly(day, n):
    """Month-end and 29th/30th series too ((b)(3)(iv))."""
    start = date(2023, 1, 1) + timedelta(days=day - 1)
    dates = [start + relativedelta(months=k) for k in range(1, n + 1)]
    assert infer_unit([start], dates) == Unit("month", 1)


@settings(max_examples=40, deadline=None)
@given(anchor=st.dates(date(1990, 1, 1), date(2060, 12, 28)).filter(lambda d: d.day <= 28),
       n=st.integers(5, 48), lead=st.integers(1, 20))
def test_semimonthly_schedules_of_the_quote_code_are_semimonthly(anchor, n, lead):
    freq = parse_frequency("semimonthly")
    dates = [freq.due_date(anchor, k) for k in range(n)]
    assert infer_unit([anchor - timedelta(days=lead)], dates) == Unit("semimonth")


@settings(max_examples=40, deadline=None)
@given(cents=st.integers(1, 5000), n=st.integers(2, 60), step=st.sampled_from([7, 10, 14, 28]),
       shift=st.integers(0, 3000))
def test_more_paid_means_a_higher_rate_and_day_units_ignore_the_calendar(cents, n, step, shift):
    start = date(2001, 1, 1) + timedelta(days=shift)
    principal = Decimal("1000.00")
    base = (principal / n).quantize(Decimal("0.01")) + Decimal("1.00")
    dates = [start + timedelta(days=step * k) for k in range(1, n + 1)]
    low = annual_percentage_rate([(start, principal)], [(d, base) for d in dates])
    high = annual_percentage_rate([(start, principal)],
                                  [(d, base + Decimal(cents) / 100) for d in dates])
    assert high > low > 0
    moved = annual_percentage_rate([(date(2001, 1, 1), principal)],
                                   [(d - timedelta(days=shift), base) for d in dates])
    assert abs(moved - low) < Decimal("1e-15")


@settings(max_examples=30, deadline=None)
@given(cents=st.integers(1000, 10 ** 7), pay=st.integers(100, 10 ** 6), n=st.integers(1, 48),
       frequency=st.sampled_from(["monthly", "semimonthly", "biweekly", "weekly", "quarterly",
                                  "every_10_days"]))
def test_request_and_quote_path_agree(cents, pay, n, frequency):
    amount, payment = Decimal(cents) / 100, Decimal(pay) / 100
    if payment * n <= amount / 2:  # far below the advance: no rate above -90% a period
        return
    request = (_adv(str(amount), "2024-01-31"),
               [_pay(str(payment), "2024-02-29", n, frequency if n > 1 else "single")])
    got = apr_request({"advances": request[0], "payments": request[1]})["apr"]
    apr = annual_percentage_rate(*_flows(request))
    assert got == str(apr.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP"))


def test_a_28_day_series_that_meets_february_stays_a_28_day_series():
    """Found by the property above (2026-12-03): from Jan 31 every 28 days lands on Feb 28 and
    Mar 28, each also exactly a month; counted as both (as a semimonth of whole weeks is),
    the tie goes to the smaller period, 28 days, so the APR is the one the same stream has
    anywhere else in the calendar."""
    principal, pay = Decimal("1000.00"), Decimal("501.00")
    start = date(2001, 1, 31)
    dates = [start + timedelta(days=28 * k) for k in (1, 2)]
    assert dates == [date(2001, 2, 28), date(2001, 3, 28)]
    assert infer_unit([start], dates) == Unit("day", 28)
    here = annual_percentage_rate([(start, principal)], [(d, pay) for d in dates])
    elsewhere = annual_percentage_rate([(date(2001, 1, 1), principal)],
                                       [(d - timedelta(days=30), pay) for d in dates])
    assert abs(here - elsewhere) < Decimal("1e-15")


def test_month_end_payments_stay_monthly_through_february():
    start = date(2001, 1, 31)
    dates = [date(2001, 2, 28), date(2001, 3, 31), date(2001, 4, 30), date(2001, 5, 31)]
    assert infer_unit([start], dates) == Unit("month", 1)

"""The one definition of a paid installment (domain/calculation/accrual.py) and days past due
from it: scheduled principal + interest + installment fee fully paid by allocations to those
components; money that paid charges never counts."""
from datetime import date

from hypothesis import given, strategies as st

from domain.calculation import accrual
from domain.calculation.accrual import Period, installment_paid, paid_toward_installment

ON = date(2026, 2, 18)


def test_fee_money_beyond_the_scheduled_fee_paid_charges():
    # no scheduled fee: 15.00 of fee money (a late fee) never counts
    assert paid_toward_installment(22155, 3000, 1500, 0) == 25155
    assert not installment_paid(23655, 3000, 0, 22155, 3000, 1500)
    assert installment_paid(23655, 3000, 0, 23655, 3000, 0)  # a late fee left owing
    # 5.00 scheduled fee: fee money pays it first, the rest paid charges
    assert paid_toward_installment(23655, 3000, 300, 500) == 26955
    assert not installment_paid(23655, 3000, 500, 23655, 3000, 300)
    assert installment_paid(23655, 3000, 500, 23655, 3000, 500)
    assert installment_paid(23655, 3000, 500, 23655, 3000, 2000)  # 5.00 + a 15.00 late fee
    assert not installment_paid(23655, 3000, 500, 23155, 3000, 2000)


def test_days_past_due_from_the_oldest_unpaid_installment():
    """The issue's first case: installment 1 (due 2026-01-15) 15.00 short on principal after
    a payment took its late fee first, installment 2 (due 2026-02-15) unpaid: 34 days."""
    one = Period(1, date(2025, 12, 15), date(2026, 1, 15), 3000, 26655,
                 paid_toward_installment(22155, 3000, 1500, 0))
    two = Period(2, date(2026, 1, 15), date(2026, 2, 15), 2763, 26655)
    three = Period(3, date(2026, 2, 15), date(2026, 3, 15), 2524, 26655)
    assert not one.paid and accrual.days_past_due([three, two, one], ON) == 34
    assert accrual.bucket(34, (1, 31, 61, 91)) == "31-60"
    paid_one = Period(1, one.start_date, one.due_date, 3000, 26655, 26655)
    assert accrual.days_past_due([paid_one, two, three], ON) == 3
    assert accrual.days_past_due([paid_one, two, three], date(2026, 2, 15)) == 0  # not before
    assert accrual.days_past_due([], ON) == 0


@given(st.integers(0, 10**7), st.integers(0, 10**6), st.integers(0, 10**4),
       st.integers(0, 10**7), st.integers(0, 10**6), st.integers(0, 10**5))
def test_paid_is_each_scheduled_component_covered(principal, interest, fee, paid_p, paid_i,
                                                  paid_f):
    """With allocations never above what a component owes (allocation's invariant), paid by
    the sum equals every scheduled component covered; what paid charges changes nothing."""
    paid_p, paid_i = min(paid_p, principal), min(paid_i, interest)
    by_component = paid_p == principal and paid_i == interest and paid_f >= fee
    assert installment_paid(principal, interest, fee, paid_p, paid_i, paid_f) == by_component
    # the fee money beyond the scheduled fee paid charges: without it, the same answer
    assert installment_paid(principal, interest, fee, paid_p, paid_i, min(paid_f, fee)) == \
        by_component

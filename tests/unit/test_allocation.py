"""Allocation hierarchies on one worked example (docs/conventions/payments.md shows the same
figures)."""
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calculation.allocation import (
    Allocation,
    OverPayment,
    Outstanding,
    Rule,
    allocate,
    net,
    payoff_split,
)

ON = date(2026, 3, 15)
# Two installments past due, one due later; each owes fee, interest, principal.
BOOK = [Outstanding(1, 10000, 2000, 1500, date(2026, 1, 15)),
        Outstanding(2, 10100, 1900, 0, date(2026, 2, 15)),
        Outstanding(3, 10200, 1800, 0, date(2026, 4, 15))]


def split(amount, rule):
    return [(a.number, a.fee_minor, a.interest_minor, a.principal_minor, a.advance_minor)
            for a in allocate(amount, BOOK, rule, ON)]


def test_due_date_pays_oldest_installment_first_all_components():
    assert split(15000, Rule("due_date")) == [(1, 1500, 2000, 10000, 0), (2, 0, 1500, 0, 0)]


def test_bucket_pays_all_past_due_interest_before_any_principal():
    assert split(15000, Rule("bucket")) == [(1, 1500, 2000, 9600, 0), (2, 0, 1900, 0, 0)]


def test_component_order_is_configurable():
    rule = Rule("due_date", ("interest", "principal", "fee"))
    assert split(13000, rule) == [(1, 1000, 2000, 10000, 0)]


def test_schedule_pays_ahead_into_the_next_installment():
    assert split(30000, Rule(hierarchy="schedule")) == [
        (1, 1500, 2000, 10000, 0), (2, 0, 1900, 10100, 0), (3, 0, 1800, 2700, 0)]


def test_clear_dues_holds_the_rest_as_an_advance():
    assert split(30000, Rule(hierarchy="clear_dues")) == [
        (1, 1500, 2000, 10000, 0), (2, 0, 1900, 10100, 0), (0, 0, 0, 0, 4500)]


def test_clear_dues_can_apply_the_rest_to_principal_from_the_last_installment():
    assert split(30000, Rule(hierarchy="clear_dues", excess="principal")) == [
        (1, 1500, 2000, 10000, 0), (2, 0, 1900, 10100, 0), (3, 0, 0, 4500, 0)]


def test_payment_beyond_what_the_loan_can_take_is_refused():
    with pytest.raises(OverPayment) as e:
        allocate(37501, BOOK, Rule(), ON)
    assert e.value.owed_minor == 37500
    with pytest.raises(ValueError):
        allocate(0, BOOK, Rule(), ON)


def test_payoff_takes_accrued_interest_only_and_rebates_interest_paid_ahead():
    parts, rebate = payoff_split(BOOK, {1: 2000, 2: 1900, 3: 600})
    assert [(a.number, a.interest_minor, a.principal_minor) for a in parts] == [
        (1, 2000, 10000), (2, 1900, 10100), (3, 600, 10200)]
    assert rebate == 0
    _, rebate = payoff_split(BOOK, {1: 0, 2: 0, 3: -250})
    assert rebate == 250


def test_net_sums_rows_per_installment_and_drops_zeros():
    rows = [Allocation(1, 100, 20), Allocation(1, -100, -20), Allocation(2, 5, 1)]
    assert net(rows) == [Allocation(2, 5, 1)]


rules = st.builds(Rule, st.sampled_from(["due_date", "bucket"]),
                  st.permutations(["fee", "interest", "principal"]).map(tuple),
                  st.sampled_from(["schedule", "clear_dues"]),
                  st.sampled_from(["advance", "principal"]))
books = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**5), st.integers(0, 10**4),
                           st.integers(0, 400)), min_size=1, max_size=24)


@settings(max_examples=300, deadline=None)
@given(books, rules, st.integers(1, 3 * 10**6), st.integers(0, 400))
def test_allocation_never_pays_more_than_owed_and_sums_to_the_payment(book, rule, amount, day):
    owed = [Outstanding(n + 1, p, i, f, date(2026, 1, 1).fromordinal(
        date(2026, 1, 1).toordinal() + d)) for n, (p, i, f, d) in enumerate(book)]
    on = date(2026, 1, 1).fromordinal(date(2026, 1, 1).toordinal() + day)
    try:
        parts = allocate(amount, owed, rule, on)
    except OverPayment as e:
        assert amount > e.owed_minor
        return
    assert sum(a.total_minor for a in parts) == amount
    by = {o.number: o for o in owed}
    for a in parts:
        if a.number == 0:
            assert a.advance_minor > 0 and rule.hierarchy == "clear_dues"
            continue
        o = by[a.number]
        assert 0 <= a.principal_minor <= o.principal_minor
        assert 0 <= a.interest_minor <= o.interest_minor
        assert 0 <= a.fee_minor <= o.fee_minor
        if rule.hierarchy == "clear_dues" and o.due_date > on:
            assert a.interest_minor == a.fee_minor == 0  # nothing not yet due, but principal

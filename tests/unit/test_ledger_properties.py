"""Every journal entry the domain builds balances, and a reversing entry undoes it exactly."""
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.ledger import entries as ledger

amounts = st.integers(0, 10**10)
ON = date(2026, 1, 1)


def _sums(*entries):
    total: dict[str, int] = {}
    for e in entries:
        for line in e.lines:
            total[line.account] = total.get(line.account, 0) + line.amount_minor
    return {a: v for a, v in total.items() if v}


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 10**10), amounts, amounts, amounts, amounts, amounts, amounts)
def test_built_entries_balance_and_reversals_undo_them(principal, fee, p, i, f, adv, accrued):
    financed = min(fee, principal - 1)
    entries = [ledger.disbursement("d", 1, ON, principal, financed_fee_minor=financed),
               ledger.disbursement("d2", 1, ON, principal, deducted_fee_minor=financed)]
    if p + i + f + adv:
        entries.append(ledger.repayment("r", 1, ON, p, i, f, adv))
    if accrued:
        entries += [ledger.accrual("a", 1, ON, accrued), ledger.fee_charge("c", 1, ON, accrued,
                                                                           "late fee")]
    for e in entries:
        assert sum(line.amount_minor for line in e.lines) == 0
        assert _sums(e, ledger.reversing("x-" + e.entry_id, e, ON, "undo")) == {}


def test_an_unbalanced_or_unknown_entry_is_refused():
    with pytest.raises(ledger.UnbalancedEntry):
        ledger.Entry("bad", ledger.REPAYMENT, ON, 1, (ledger.Line(ledger.CASH, 100),
                                                       ledger.Line(ledger.SUSPENSE, -99)))
    with pytest.raises(ledger.UnbalancedEntry):
        ledger.Entry("bad", ledger.REPAYMENT, ON, 1, (ledger.Line("9999-nowhere", 100),
                                                       ledger.Line(ledger.CASH, -100)))

"""Money parsing, product terms, decision rules, allocation and ledger balance rules."""
from datetime import date
from decimal import Decimal

import pytest

from domain.ledger import entries as ledger
from domain.calculation.allocation import OverPayment, Outstanding, allocate
from domain.origination.decisioning import decide
from domain.kernel.errors import ValidationError
from domain.kernel.money import fmt, parse_amount, parse_rate
from domain.calculation.terms import ProductTerms

TERMS = ProductTerms(100000, 2500000, 6, 60, Decimal("11.99"))


@pytest.mark.parametrize("text,error", [
    ("0", "must be greater than zero"), ("-5", "must be greater than zero"),
    ("abc", "'abc' is not a number"), ("", "is required"), ("1.001", "at most two decimal"),
    ("NaN", "is not a number"), ("Infinity", "is not a number"),
])
def test_parse_amount_refuses_bad_input(text, error):
    with pytest.raises(ValidationError) as e:
        parse_amount(text, "amount")
    assert error in e.value.errors["amount"]


def test_parse_amount_accepts_human_forms():
    assert parse_amount("$1,250.5", "amount") == 125050
    assert parse_amount(" 99 ", "amount") == 9900
    assert fmt(-123456) == "-1,234.56"


def test_parse_rate_bounds():
    assert parse_rate("11.99%", "annual_rate") == Decimal("11.99")
    with pytest.raises(ValidationError):
        parse_rate("101", "annual_rate")


def test_terms_validate_and_round_trip():
    assert ProductTerms.from_dict(TERMS.to_dict()) == TERMS
    with pytest.raises(ValidationError) as e:
        ProductTerms(500, 100, 12, 6, Decimal("5"), frequency="daily")
    assert set(e.value.errors) == {"max_amount", "max_term", "frequency"}
    with pytest.raises(ValidationError) as e:
        TERMS.check_request(99999, 61)
    assert e.value.errors == {"amount": "must be between 1,000.00 and 25,000.00",
                              "term": "must be between 6 and 60 payments"}


def test_decision_approves_affordable_and_declines_with_reason():
    ok = decide(TERMS, 800000, 24, 520000, 37655)
    assert ok.outcome == "approved" and len(ok.reasons) == 3
    bad = decide(TERMS, 2500000, 6, 300000, 431000)
    assert bad.outcome == "declined"
    assert bad.reasons == ["Insufficient income for the requested amount: payment would be "
                           "143.7% of monthly income (limit 40%)"]
    # biweekly installments are compared as a monthly equivalent (x 26 / 12)
    biweekly = ProductTerms(100000, 2500000, 6, 60, Decimal("5"), frequency="biweekly")
    assert decide(biweekly, 100000, 26, 100000, 18000).outcome == "approved"
    assert decide(biweekly, 100000, 26, 100000, 19000).outcome == "declined"


def test_allocation_interest_first_oldest_first_and_overpayment():
    owed = [Outstanding(2, 1000, 50), Outstanding(1, 900, 100)]
    parts = allocate(1200, owed)
    assert [(p.number, p.principal_minor, p.interest_minor) for p in parts] == [
        (1, 900, 100), (2, 150, 50)]
    with pytest.raises(OverPayment) as e:
        allocate(2051, owed)
    assert e.value.owed_minor == 2050


def test_ledger_entries_must_balance():
    entry = ledger.repayment("x", 1, date(2025, 1, 1), 900, 100)
    assert sum(line.amount_minor for line in entry.lines) == 0
    with pytest.raises(ledger.UnbalancedEntry):
        ledger.Entry("y", "repayment", date(2025, 1, 1), 1,
                     (ledger.Line(ledger.CASH, 100), ledger.Line(ledger.LOANS_RECEIVABLE, -99)))

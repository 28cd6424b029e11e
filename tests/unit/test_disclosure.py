"""Whether a signed disclosure still holds on the funding date: the APR of the disclosed
payments from the funding date against Reg Z's 1/8-point tolerance (1026.22(a)(2))."""
from datetime import date, timedelta
from decimal import Decimal

from domain.origination.disclosure import TOLERANCE, Disclosure, on_funding
from domain.calculation.quote import quote
from domain.calculation.terms import ProductTerms

TERMS = ProductTerms(100000, 5000000, 6, 60, Decimal("11.99"))
ON = date(2026, 3, 2)


def disclosure(amount_minor=2000000, term=36) -> Disclosure:
    return Disclosure.from_quote(quote(TERMS.quote_request(amount_minor, term, ON)), ON,
                                 "monthly")


def test_round_trips_through_its_stored_form():
    d = disclosure()
    assert Disclosure.from_dict(d.to_dict()) == d
    assert (d.apr, d.amount_financed_minor, len(d.payments)) == (Decimal("11.99"), 2000000, 36)
    assert d.payments[0] == (date(2026, 4, 2), 66419)


def test_the_apr_drifts_up_with_each_day_of_delay_and_the_tolerance_is_the_boundary():
    d = disclosure()
    verdicts = [on_funding(d, ON + timedelta(days=k)) for k in range(12)]
    assert verdicts[0].accurate and verdicts[0].apr_if_funded == d.apr
    aprs = [v.apr_if_funded for v in verdicts[2:]]
    assert aprs == sorted(aprs) and len(set(aprs)) == len(aprs)  # strictly rising
    for v in verdicts:
        assert v.accurate == (abs(v.apr_if_funded - d.apr) <= TOLERANCE)
    assert [v.accurate for v in verdicts].index(False) == 7  # the 9th of March: 12.13%
    assert "12.13%, more than 1/8 of a point off" in verdicts[7].reason


def test_a_short_loan_moves_faster():
    d = disclosure(600000, 12)
    assert on_funding(d, ON + timedelta(days=2)).accurate
    assert not on_funding(d, ON + timedelta(days=3)).accurate


def test_funding_before_the_agreement_or_on_the_first_due_date_is_refused():
    d = disclosure()
    assert "before the agreement date" in on_funding(d, ON - timedelta(days=1)).reason
    late = on_funding(d, date(2026, 4, 2))
    assert not late.accurate and "first payment disclosed falls due on 2026-04-02" in late.reason

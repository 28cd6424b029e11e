"""Interest paid ahead (issue 18, case 7): 5,000.00 at 11.99%, 24 monthly installments of
235.34 (installment 1: interest 49.96, principal 185.38), funded 2026-01-15; the servicer posts
235.34 the same day. The product setting `early_payment` decides what it pays:

- `in_advance` (default): installment 1 in full, 49.96 of it interest not yet accrued. The
  balances show principal 4,814.62, interest accrued 0.00, interest paid ahead 49.96, and the
  payoff 4,764.66 = 4,814.62 + 0.00 - 49.96 + 0.00 - 0.00: the page adds up.
- `principal_first`: principal only, next installment first: installment 1's 185.38, then
  49.96 of installment 2's principal; principal 4,764.66, nothing paid ahead, and installment 1
  still owes its 49.96 of interest when it falls due."""
from datetime import date

import pytest

from domain.origination import applications as origination
from domain.servicing import payments, queries
from tests.integration.helpers import make_product, make_user

FUNDED = date(2026, 1, 15)


def _loan(url, uniq, early):
    admin = make_user(url, uniq, "admin")
    servicer = make_user(url, uniq, "servicer")
    borrower = make_user(url, uniq, "borrower")
    product = make_product(url, admin, uniq, settings=(("early_payment", early),))
    app = origination.submit_application(borrower, product, "5000", "24", "50000", url=url)
    return servicer, origination.accept_offer(borrower, app.id, url, on=FUNDED)


def _adds_up(d) -> bool:
    return d.payoff_minor == (d.principal_outstanding_minor + d.interest_accrued_minor
                              - d.interest_paid_ahead_minor + d.fees_outstanding_minor
                              - d.advance_minor)


@pytest.mark.parametrize("early,split,balances", [
    ("in_advance", (18_538, 4_996, 0), (481_462, 0, 4_996, 476_466)),
    ("principal_first", (23_534, 0, 0), (476_466, 0, 0, 476_466)),
])
def test_money_paid_ahead_shows_on_balances_that_add_up(db_url, uniq, early, split, balances):
    servicer, number = _loan(db_url, f"{uniq}{early[0]}", early)
    r = payments.record_payment(servicer, number, "235.34", FUNDED, f"{number}-early",
                                url=db_url, today=FUNDED)
    assert (r.principal_minor, r.interest_minor, r.advance_minor) == split
    d = queries.loan_detail(servicer, number, db_url, today=FUNDED)
    assert (d.principal_outstanding_minor, d.interest_accrued_minor,
            d.interest_paid_ahead_minor, d.payoff_minor) == balances
    assert _adds_up(d)
    later = queries.loan_detail(servicer, number, db_url, today=date(2026, 2, 1))
    assert _adds_up(later)  # 17 of 31 days accrued: 27.39 of installment 1's 49.96
    if early == "in_advance":
        assert (later.interest_accrued_minor, later.interest_paid_ahead_minor) == (0, 2_257)
        assert later.installments[0].status == "paid"
    else:
        assert (later.interest_accrued_minor, later.interest_paid_ahead_minor) == (2_739, 0)
        assert later.installments[0].status == "partial"
        assert later.next_due_minor == 4_996  # installment 1's interest, due 2026-02-15

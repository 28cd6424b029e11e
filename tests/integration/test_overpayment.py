"""A payment above the payoff (issue 18, case 3): it closes the loan, the interest booked is
the interest earned, and the rest is a credit balance (product setting `overpayment`: hold it
for a servicer to refund, or refund it at once), never interest income.

The issue's loan: 3,000.00 at 12%, 12 monthly installments of 266.55 (total 3,198.56), funded
2026-01-15, nothing paid, a 15.00 late fee on installment 1. On 2026-03-20 the payoff is
3,000.00 + interest accrued 61.70 + installment 1's 15.00 late fee =
3,076.70, and the remaining schedule is 3,213.56. A regular payment of 3,213.56 that day pays
3,076.70 and leaves 136.86 over: 198.56 - 136.86 = 61.70 interest, as earned."""
from datetime import date

import pytest
from sqlmodel import select

from domain.db.tables import Loan, Payment
from domain.db.uow import UnitOfWork
from domain.kernel.actor import SYSTEM
from domain.kernel.errors import ValidationError
from domain.ledger import entries as ledger
from domain.ledger import journal
from domain.origination import applications as origination
from domain.servicing import cob, payments, queries
from tests.integration.helpers import make_product, make_user

FUNDED, ON = date(2026, 1, 15), date(2026, 3, 20)


def _loan(url, uniq, overpayment: str):
    admin = make_user(url, uniq, "admin")
    servicer = make_user(url, uniq, "servicer")
    borrower = make_user(url, uniq, "borrower")
    product = make_product(url, admin, uniq, annual_rate="12", settings=(
        ("late_fee_minor", "15.00"), ("late_fee_grace_days", "10"),
        ("overpayment", overpayment)))
    app = origination.submit_application(borrower, product, "3000", "12", "50000", url=url)
    number = origination.accept_offer(borrower, app.id, url, on=FUNDED)
    cob.run_cob(ON, SYSTEM, url)  # accrual through 2026-03-20, the late fees on the way
    return servicer, number


def _balances(url, number):
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        return loan.status, {a: journal.account_balance(s, a, loan.id) for a in (
            ledger.INTEREST_INCOME, ledger.SUSPENSE, ledger.INTEREST_RECEIVABLE, ledger.CASH)}


@pytest.mark.parametrize("policy", ["hold", "refund"])
def test_a_payment_above_the_payoff_books_no_unearned_interest(fresh_db, uniq, policy):
    db_url = fresh_db()  # close of business runs the whole book: one book per test
    servicer, number = _loan(db_url, f"{uniq}{policy[0]}", policy)
    detail = queries.loan_detail(servicer, number, db_url, today=ON)
    assert detail.payoff_minor == 307_670
    assert detail.fees_outstanding_minor == 1_500  # installment 1's late fee (2 is in grace)
    result = payments.record_payment(servicer, number, "3213.56", ON, f"{number}-over",
                                     url=db_url, today=ON)
    assert (result.principal_minor, result.interest_minor, result.fee_minor,
            result.advance_minor) == (300_000, 6_170, 1_500, 13_686)
    status, bal = _balances(db_url, number)
    assert status == "paid_off"
    assert bal[ledger.INTEREST_INCOME] == -6_170  # credit: exactly the interest earned
    assert bal[ledger.INTEREST_RECEIVABLE] == 0
    after = queries.loan_detail(servicer, number, db_url, today=ON)
    if policy == "hold":
        assert bal[ledger.SUSPENSE] == -13_686 and after.advance_minor == 13_686
        payments.refund_advance(servicer, number, "136.86", ON, f"{number}-refund",
                                "credit balance returned", db_url)
    refunds = [p for p in queries.loan_detail(servicer, number, db_url, today=ON).payments
               if p.method == "refund"]
    assert [p.amount_minor for p in refunds] == [13_686]
    status, bal = _balances(db_url, number)
    assert bal[ledger.SUSPENSE] == 0 and bal[ledger.INTEREST_INCOME] == -6_170
    assert queries.loan_detail(servicer, number, db_url, today=ON).advance_minor == 0


def test_a_replayed_overpayment_refunds_once(fresh_db, uniq):
    db_url = fresh_db()
    servicer, number = _loan(db_url, f"{uniq}r2", "refund")
    for _ in range(2):
        payments.record_payment(servicer, number, "3213.56", ON, f"{number}-over",
                                url=db_url, today=ON)
    with UnitOfWork(db_url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        methods = sorted(p.method for p in s.exec(select(Payment).where(
            Payment.loan_id == loan.id)))
    assert methods == ["refund", "regular"]


def test_a_payoff_flagged_payment_must_still_equal_the_payoff(fresh_db, uniq):
    db_url = fresh_db()
    servicer, number = _loan(db_url, f"{uniq}p", "hold")
    with pytest.raises(ValidationError) as e:
        payments.record_payment(servicer, number, "3213.56", ON, f"{number}-po", url=db_url,
                                today=ON, payoff=True)
    assert e.value.errors == {"amount": "the payoff on 2026-03-20 is 3,076.70"}

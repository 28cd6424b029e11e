"""Replay of a loan a reversal reopens (found by the model-based test, tests/model): the
reversal of the payment that paid a loan off replays late fees and delinquency before the loan
is reopened, so replay read it as paid off (no fee after the day it closed, DPD 0). As known
now the loan was never paid off: the fee is due on its grace date and the DPD counts.

1,200.00 at 12%, 12 monthly installments of 106.62, funded 2026-01-10 (installment 1 due
2026-02-10), late fee 15.00 after 10 days' grace. A payoff of 1,203.87 on 2026-01-20 closes the
loan that day; close of business runs through 2026-02-25 (another loan keeps the book open);
on 2026-02-25 the payoff is reversed as a posting error. Expected: installment 1's late fee
charged effective 2026-02-21, DPD 15 (bucket 1-30), fees outstanding 15.00; before the fix:
no fee, DPD 0."""
from datetime import date

from sqlmodel import select

from domain.db.tables import Loan, LoanCharge
from domain.db.uow import UnitOfWork
from domain.kernel.actor import SYSTEM
from domain.kernel.money import fmt
from domain.origination import applications as origination
from domain.servicing import cob, loan_state, payments, queries
from tests.integration.helpers import make_product, make_user

FUNDED, PAID, TODAY = date(2026, 1, 10), date(2026, 1, 20), date(2026, 2, 25)


def test_reversing_the_payoff_replays_the_loan_as_open(fresh_db, uniq):
    url = fresh_db()
    admin, servicer = make_user(url, uniq, "admin"), make_user(url, uniq, "servicer")
    borrower = make_user(url, uniq, "borrower")
    product = make_product(url, admin, uniq, annual_rate="12", settings=(
        ("late_fee_minor", "15.00"), ("late_fee_grace_days", "10")))
    numbers = []
    for _ in range(2):
        app = origination.submit_application(borrower, product, "1200", "12", "50000", url=url)
        numbers.append(origination.accept_offer(borrower, app.id, url, on=FUNDED))
    number = numbers[0]
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        payoff = loan_state.load(s, loan).payoff_minor(PAID)
    assert payoff == 1_203_87
    paid = payments.record_payment(servicer, number, fmt(payoff), PAID, f"{number}-payoff",
                                   url=url, payoff=True, today=PAID)
    cob.run_cob(TODAY, SYSTEM, url)
    payments.reverse_payment(servicer, paid.payment_id, "posting error", "", TODAY, url)
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        fees = [(c.installment_number, c.amount_minor, c.assessed_on) for c in s.exec(
            select(LoanCharge).where(LoanCharge.loan_id == loan.id))]
    assert loan.status == "active" and loan.closed_on is None
    assert fees == [(1, 15_00, date(2026, 2, 21))]
    assert (loan.days_past_due, loan.delinquency_bucket) == (15, "1-30")
    d = queries.loan_detail(servicer, number, url, today=TODAY)
    assert (d.days_past_due, d.fees_outstanding_minor) == (15, 15_00)

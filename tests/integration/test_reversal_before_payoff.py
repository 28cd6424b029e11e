"""A payment returned after a later payoff closed the loan (found by the model-based test,
tests/model): the reversal re-applies the later payments, and the payoff payment, flagged as a
payoff, was refused because it no longer equalled the payoff of its date ("the payoff on
2026-03-01 is ..."), so the return could not be recorded at all (in a bank file: the whole
file refused). A payoff is checked against the quote when it is posted; applied again after
an earlier payment is taken away it is applied like any payment of its amount.

1,200.00 at 12%, 12 monthly installments of 106.62, funded 2026-01-10. Installment 1 is paid
on its due date, 2026-02-10; the loan is paid off on 2026-03-01 with 1,112.87; on 2026-03-05
the 2026-02-10 payment comes back R01. Expected: the reversal is recorded, the loan reopens,
the payoff money (1,112.87) now pays installment 1 and onwards, and the borrower owes the
returned 106.62 again: the payoff on 2026-03-05 is 108.20 (106.62 + 1.58, the scheduled interest
of installment 2 accrued from 03-01 to 03-05, 11.05 x 23/28 - 11.05 x 19/28, floored).
"""
from datetime import date

from sqlmodel import select

from domain.db.tables import Loan
from domain.db.uow import UnitOfWork
from domain.kernel.money import fmt
from domain.ledger import entries as ledger
from domain.ledger import journal
from domain.origination import applications as origination
from domain.servicing import loan_state, payments, queries
from tests.integration.helpers import make_product, make_user

FUNDED = date(2026, 1, 10)


def test_a_return_after_a_payoff_reopens_the_loan(db_url, uniq):
    url = db_url
    admin, servicer = make_user(url, uniq, "admin"), make_user(url, uniq, "servicer")
    borrower = make_user(url, uniq, "borrower")
    product = make_product(url, admin, uniq, annual_rate="12")
    app = origination.submit_application(borrower, product, "1200", "12", "50000", url=url)
    number = origination.accept_offer(borrower, app.id, url, on=FUNDED)
    first = payments.record_payment(servicer, number, "106.62", date(2026, 2, 10),
                                    f"{number}-1", url=url, today=date(2026, 2, 10))
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        quote = loan_state.load(s, loan).payoff_minor(date(2026, 3, 1))
    assert quote == 1_112_87
    payoff = payments.record_payment(servicer, number, fmt(quote), date(2026, 3, 1),
                                     f"{number}-payoff", url=url, payoff=True,
                                     today=date(2026, 3, 1))
    payments.reverse_payment(servicer, first.payment_id, "insufficient funds", "R01",
                             date(2026, 3, 5), url)
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        st = loan_state.load(s, loan)
        receivable = journal.account_balance(s, ledger.LOANS_RECEIVABLE, loan.id)
    assert (loan.status, loan.closed_on) == ("active", None)
    assert receivable == st.principal_outstanding_minor
    d = queries.loan_detail(servicer, number, url, today=date(2026, 3, 5))
    paid = {p.id: p for p in d.payments}
    again = paid[payoff.payment_id]
    assert again.principal_minor + again.interest_minor + again.fee_minor \
        + again.advance_minor == 1_112_87
    assert paid[first.payment_id].reversed
    assert d.payoff_minor == 106_62 + 1_58 == 108_20

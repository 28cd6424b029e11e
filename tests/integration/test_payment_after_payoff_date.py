"""A payment dated after the day a loan was paid off (found by the model-based test,
tests/model): a payoff backdated before a payment already posted re-applies that payment on a
loan that owes nothing from the payoff's date on; it paid the interest the schedule "accrued"
after the payoff (interest on a zero balance), which the closing then booked as income.
Expected: nothing is owed after the payoff, so the later payment is all a credit balance.

1,200.00 at 12%, 12 monthly installments, funded 2026-01-10 (installment 2: interest 11.05,
2026-02-10 to 03-10). 1.00 is received on 2026-02-20; then a cheque of 1,213.97 received on
2026-02-15, the payoff that day (1,200.00 + 12.00 + 1.97 accrued on installment 2), is posted
on 02-20. After: the loan is paid off with interest income 13.97 (the interest accrued to
02-15), and the 1.00 is held as a credit balance."""
from datetime import date

from sqlmodel import select

from domain.db.tables import Loan
from domain.db.uow import UnitOfWork
from domain.ledger import entries as ledger
from domain.ledger import journal
from domain.origination import applications as origination
from domain.servicing import loan_state, payments, queries
from tests.integration.helpers import make_product, make_user

FUNDED, TODAY = date(2026, 1, 10), date(2026, 2, 20)


def test_a_payment_after_the_payoff_date_pays_no_interest(db_url, uniq):
    url = db_url
    admin, servicer = make_user(url, uniq, "admin"), make_user(url, uniq, "servicer")
    borrower = make_user(url, uniq, "borrower")
    product = make_product(url, admin, uniq, annual_rate="12")
    app = origination.submit_application(borrower, product, "1200", "12", "50000", url=url)
    number = origination.accept_offer(borrower, app.id, url, on=FUNDED)
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        assert loan_state.load(s, loan).payoff_minor(date(2026, 2, 15)) == 1_213_97
    later = payments.record_payment(servicer, number, "1.00", TODAY, f"{number}-1", url=url,
                                    today=TODAY)
    payments.record_payment(servicer, number, "1213.97", date(2026, 2, 15), f"{number}-2",
                            url=url, today=TODAY)
    d = queries.loan_detail(servicer, number, url, today=TODAY)
    paid = {p.id: p for p in d.payments}[later.payment_id]
    assert d.status == "paid_off"
    assert (paid.principal_minor, paid.interest_minor, paid.fee_minor, paid.advance_minor) == \
        (0, 0, 0, 1_00)
    with UnitOfWork(url) as s:
        income = -journal.account_balance(s, ledger.INTEREST_INCOME, d.loan_id)
        receivable = journal.account_balance(s, ledger.INTEREST_RECEIVABLE, d.loan_id)
    assert (income, receivable) == (13_97, 0)
    assert d.advance_minor == 1_00

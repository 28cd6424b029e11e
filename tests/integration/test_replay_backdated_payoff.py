"""A payoff backdated before a late fee's date (found by the model-based test, tests/model):
replay kept the fee, because a payoff pays interest only as accrued, so by the paid
definition the installments it settled were still short of their scheduled interest; the
fee then kept the loan open. As known now the loan was paid off on the payoff's date: no
fee is due after it, and the loan closes.

1,200.00 at 12%, 12 monthly installments, funded 2026-01-10 (installment 1: interest 12.00,
due 2026-02-10), late fee 15.00 after 10 days' grace. Close of business through 2026-02-25
charges installment 1's fee on 2026-02-21. A cheque of 1,210.06 received on 2026-02-05 (the
payoff that day: 1,200.00 + 10.06 of interest accrued, 12.00 x 26/31) is posted on 02-25.
Expected: the fee removed (effective 02-21), the loan paid off, interest income 10.06;
before the fix: the fee stood and the loan stayed active owing it."""
from datetime import date

from sqlmodel import select

from domain.db.tables import Loan, LoanCharge
from domain.db.uow import UnitOfWork
from domain.kernel.actor import SYSTEM
from domain.ledger import entries as ledger
from domain.ledger import journal
from domain.origination import applications as origination
from domain.servicing import cob, loan_state, payments
from tests.integration.helpers import make_product, make_user

FUNDED, PAID, TODAY = date(2026, 1, 10), date(2026, 2, 5), date(2026, 2, 25)


def test_a_backdated_payoff_removes_the_late_fee_and_closes_the_loan(fresh_db, uniq):
    url = fresh_db()
    admin, servicer = make_user(url, uniq, "admin"), make_user(url, uniq, "servicer")
    borrower = make_user(url, uniq, "borrower")
    product = make_product(url, admin, uniq, annual_rate="12", settings=(
        ("late_fee_minor", "15.00"), ("late_fee_grace_days", "10")))
    app = origination.submit_application(borrower, product, "1200", "12", "50000", url=url)
    number = origination.accept_offer(borrower, app.id, url, on=FUNDED)
    cob.run_cob(TODAY, SYSTEM, url)
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        assert loan_state.load(s, loan, PAID).payoff_minor(PAID) == 1_210_06
    payments.record_payment(servicer, number, "1210.06", PAID, f"{number}-cheque", url=url,
                            today=TODAY)
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        fees = [(c.amount_minor, c.assessed_on) for c in s.exec(
            select(LoanCharge).where(LoanCharge.loan_id == loan.id).order_by(LoanCharge.id))]
        balances = {a: journal.account_balance(s, a, loan.id) for a in ledger.ACCOUNTS}
    assert fees == [(15_00, date(2026, 2, 21)), (-15_00, date(2026, 2, 21))]
    assert (loan.status, loan.days_past_due) == ("paid_off", 0)
    assert balances[ledger.INTEREST_INCOME] == -10_06
    assert (balances[ledger.LOANS_RECEIVABLE], balances[ledger.FEES_RECEIVABLE],
            balances[ledger.INTEREST_RECEIVABLE]) == (0, 0, 0)


def test_principal_paid_ahead_of_a_recast_is_not_a_payoff(fresh_db, uniq):
    """Principal paid ahead and then moved off the installments a recast replaced (row 0)
    is outside the new schedule: it does not make the loan paid off as known now. 800.00 paid
    on 2026-01-15 (in advance), recast on 01-20: the new installment 1 (due 2026-02-10) is not
    paid; its fee charged on 02-21 stays when a backdated 1.00 of 03-01 is posted on 03-25."""
    from domain.servicing import modifications
    url = fresh_db()
    admin, servicer = make_user(url, uniq, "admin"), make_user(url, uniq, "servicer")
    borrower = make_user(url, uniq, "borrower")
    product = make_product(url, admin, uniq, annual_rate="12", settings=(
        ("late_fee_minor", "15.00"), ("late_fee_grace_days", "10")))
    app = origination.submit_application(borrower, product, "1200", "12", "50000", url=url)
    number = origination.accept_offer(borrower, app.id, url, on=FUNDED)
    payments.record_payment(servicer, number, "800.00", date(2026, 1, 15), f"{number}-1",
                            url=url, today=date(2026, 1, 15))
    modifications.modify_loan(servicer, number, "recast", date(2026, 1, 20), "recast",
                              f"{number}-recast", {}, url)
    cob.run_cob(date(2026, 3, 25), SYSTEM, url)
    payments.record_payment(servicer, number, "1.00", date(2026, 3, 1), f"{number}-2",
                            url=url, today=date(2026, 3, 25))
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        fees = [(c.installment_number, c.amount_minor, c.assessed_on) for c in s.exec(
            select(LoanCharge).where(LoanCharge.loan_id == loan.id).order_by(LoanCharge.id))]
    assert loan.status == "active"
    assert fees[0] == (1, 15_00, date(2026, 2, 21))
    assert sum(a for n, a, _ in fees if n == 1) == 15_00  # still standing
    assert loan.days_past_due > 0

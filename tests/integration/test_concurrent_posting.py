"""Money-moving commands on one loan serialise (issue 18, case 8): two servicer tabs posting
80.00 each against a 100.00 payoff at the same moment give one 80.00 payment and one payoff of
the remaining 20.00 with 60.00 held as a credit balance (product setting `overpayment: hold`),
never a negative payoff on an active loan. Fired from parallel threads on both engines."""
import threading
from datetime import date

from sqlmodel import select

from domain.db.tables import Loan
from domain.db.uow import UnitOfWork
from domain.kernel.money import from_minor
from domain.ledger import entries as ledger
from domain.ledger import journal
from domain.origination import applications as origination
from domain.kernel.actor import SYSTEM
from domain.servicing import cob, loan_state, payments, queries
from tests.integration.helpers import make_product, make_user

FUNDED, ON = date(2026, 1, 10), date(2026, 2, 1)


def _parallel(*calls):
    """Run the calls at the same instant on threads of their own; their results or errors."""
    barrier, out = threading.Barrier(len(calls)), [None] * len(calls)

    def run(k, call):
        barrier.wait()
        try:
            out[k] = call()
        except Exception as e:  # noqa: BLE001 - the test inspects what each thread met
            out[k] = e
    threads = [threading.Thread(target=run, args=(k, c)) for k, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_two_tabs_posting_at_once_never_overpay_the_loan(db_url, uniq):
    admin, servicer = make_user(db_url, uniq, "admin"), make_user(db_url, uniq, "servicer")
    borrower = make_user(db_url, uniq, "borrower")
    product = make_product(db_url, admin, uniq, annual_rate="12")
    app = origination.submit_application(borrower, product, "1200", "12", "50000", url=db_url)
    number = origination.accept_offer(borrower, app.id, db_url, on=FUNDED)
    payoff = queries.loan_detail(servicer, number, db_url, today=ON).payoff_minor
    payments.record_payment(servicer, number, str(from_minor(payoff - 10_000)), ON,
                            f"{number}-most", url=db_url, today=ON)
    assert queries.loan_detail(servicer, number, db_url, today=ON).payoff_minor == 10_000

    def tab(n):
        return lambda: payments.record_payment(servicer, number, "80.00", ON,
                                               f"{number}-tab{n}", url=db_url, today=ON)
    results = _parallel(tab(1), tab(2))
    assert not [r for r in results if isinstance(r, Exception)], results
    parts = sorted((r.principal_minor + r.interest_minor + r.fee_minor, r.advance_minor)
                   for r in results)
    assert parts == [(2_000, 6_000), (8_000, 0)]  # 80.00 in full; then 20.00 + 60.00 over
    with UnitOfWork(db_url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        state = loan_state.load(s, loan)
        assert loan.status == "paid_off" and state.advance_minor == 6_000
        assert journal.account_balance(s, ledger.SUSPENSE, loan.id) == -6_000
        assert journal.account_balance(s, ledger.LOANS_RECEIVABLE, loan.id) == 0


def test_a_payment_and_a_reversal_at_once_leave_a_consistent_loan(db_url, uniq):
    """A reversal of one payment and a new payment race on the same loan: whichever runs
    second sees the first, so the loan ends as if they had run one after the other."""
    admin, servicer = make_user(db_url, uniq, "admin"), make_user(db_url, uniq, "servicer")
    borrower = make_user(db_url, uniq, "borrower")
    product = make_product(db_url, admin, uniq, annual_rate="12",
                           settings=(("nsf_fee_minor", "25.00"),))
    app = origination.submit_application(borrower, product, "1200", "12", "50000", url=db_url)
    number = origination.accept_offer(borrower, app.id, db_url, on=FUNDED)
    first = payments.record_payment(servicer, number, "106.62", ON, f"{number}-1", url=db_url,
                                    today=ON)
    results = _parallel(
        lambda: payments.reverse_payment(servicer, first.payment_id, "returned", "R01", ON,
                                         db_url),
        lambda: payments.record_payment(servicer, number, "50.00", ON, f"{number}-2",
                                        url=db_url, today=ON))
    assert not [r for r in results if isinstance(r, Exception)], results
    with UnitOfWork(db_url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        state = loan_state.load(s, loan)
        paid = sum(i.paid_minor for i in state.installments)
        # only the 50.00 stands, applied to the NSF fee first if it was charged before it
        assert paid + state.advance_minor == 5_000
        assert sum(i.fee_minor for i in state.installments) == 2_500
        receivable = journal.account_balance(s, ledger.LOANS_RECEIVABLE, loan.id)
        assert receivable == state.principal_outstanding_minor


def test_close_of_business_and_a_payment_at_once_both_complete(fresh_db, uniq):
    """Close of business holds the book (PostgreSQL: an exclusive advisory lock every
    single-loan command shares; SQLite: the one writer): a payment fired with it waits or goes
    first, and neither fails nor sees half of the other."""
    url = fresh_db()
    admin, servicer = make_user(url, uniq, "admin"), make_user(url, uniq, "servicer")
    borrower = make_user(url, uniq, "borrower")
    product = make_product(url, admin, uniq, annual_rate="12")
    app = origination.submit_application(borrower, product, "1200", "12", "50000", url=url)
    number = origination.accept_offer(borrower, app.id, url, on=FUNDED)
    results = _parallel(
        lambda: cob.run_cob(date(2026, 3, 1), SYSTEM, url),
        lambda: payments.record_payment(servicer, number, "106.62", date(2026, 2, 10),
                                        f"{number}-p", url=url, today=date(2026, 3, 1)))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(results[0]) == 51  # 2026-01-10 (funding) .. 2026-03-01 closed
    with UnitOfWork(url) as s:
        totals = journal.trial_balance(s)
        assert sum(totals.values()) == 0
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        # installment 1 (due 2026-02-10) paid on its date: current after the close
        assert loan_state.load(s, loan).installments[0].paid

"""Replay on backdated events (issue 18): late fees and delinquency re-derived from the history
as known now, the difference journaled as new entries (before/after shown here).

The loan: 1,200.00 at 12%, 12 monthly installments of 106.62 (installment 1: interest 12.00,
principal 94.62), funded 2026-01-10, due dates the 10th; late fee 15.00 after 10 days' grace
(charged on due date + 11), NSF fee 25.00."""
from datetime import date

from sqlmodel import select

from domain.db.tables import JournalEntry, Loan, LoanCharge, Posting
from domain.db.uow import UnitOfWork
from domain.kernel.actor import SYSTEM
from domain.ledger import entries as ledger
from domain.origination import applications as origination
from domain.servicing import cob, payments, queries
from tests.integration.helpers import make_product, make_user

FUNDED = date(2026, 1, 10)


def _loan(url, uniq):
    admin, servicer = make_user(url, uniq, "admin"), make_user(url, uniq, "servicer")
    borrower = make_user(url, uniq, "borrower")
    product = make_product(url, admin, uniq, annual_rate="12", settings=(
        ("late_fee_minor", "15.00"), ("late_fee_grace_days", "10"), ("nsf_fee_minor", "25.00")))
    app = origination.submit_application(borrower, product, "1200", "12", "50000", url=url)
    return servicer, origination.accept_offer(borrower, app.id, url, on=FUNDED)


def _journal(url, number) -> dict[str, tuple[str, date, tuple]]:
    """Every entry of the loan: id -> (code, effective date, its postings on fees accounts)."""
    with UnitOfWork(url) as s:
        loan_id = s.exec(select(Loan.id).where(Loan.loan_number == number)).one()
        out = {}
        for e in s.exec(select(JournalEntry).where(JournalEntry.loan_id == loan_id)):
            lines = tuple(sorted((p.account, p.amount_minor) for p in s.exec(
                select(Posting).where(Posting.entry_id == e.id, Posting.loan_id == loan_id))))
            out[e.id] = (e.code, e.effective_date, lines)
        return out


def _late_fees(url, number) -> list[tuple[int, int, date]]:
    with UnitOfWork(url) as s:
        loan_id = s.exec(select(Loan.id).where(Loan.loan_number == number)).one()
        return [(c.installment_number, c.amount_minor, c.assessed_on) for c in s.exec(
            select(LoanCharge).where(LoanCharge.loan_id == loan_id, LoanCharge.kind == "late")
            .order_by(LoanCharge.id))]


def _cached(url, number):
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        return loan.days_past_due, loan.delinquency_bucket


def test_a_backdated_payment_removes_a_late_fee_no_longer_due(fresh_db, uniq):
    url = fresh_db()
    servicer, number = _loan(url, uniq)
    cob.run_cob(date(2026, 2, 25), SYSTEM, url)
    assert _late_fees(url, number) == [(1, 1_500, date(2026, 2, 21))]
    assert _cached(url, number) == (15, "1-30")
    before = _journal(url, number)
    # a cheque received on the due date, posted two weeks later
    r = payments.record_payment(servicer, number, "106.62", date(2026, 2, 10), f"{number}-c",
                                url=url, today=date(2026, 2, 25))
    assert (r.interest_minor, r.principal_minor, r.fee_minor) == (1_200, 9_462, 0)
    assert _late_fees(url, number) == [(1, 1_500, date(2026, 2, 21)),
                                       (1, -1_500, date(2026, 2, 21))]
    new = {k: v for k, v in _journal(url, number).items() if k not in before}
    # after: the payment's repayment entry, and the fee's reversal effective the day it was
    # charged (the original COB entry is never edited)
    assert sorted((code, on, lines) for code, on, lines in new.values()) == [
        (ledger.REPAYMENT, date(2026, 2, 10), tuple(sorted((
            (ledger.CASH, 10_662), (ledger.INTEREST_RECEIVABLE, -1_200),
            (ledger.LOANS_RECEIVABLE, -9_462))))),
        (ledger.REVERSAL, date(2026, 2, 21), tuple(sorted((
            (ledger.FEES_RECEIVABLE, -1_500), (ledger.FEE_INCOME, 1_500))))),
    ]
    assert _cached(url, number) == (0, "current")
    d = queries.loan_detail(servicer, number, url, today=date(2026, 2, 25))
    assert (d.fees_outstanding_minor, d.days_past_due) == (0, 0)


def test_a_late_return_re_derives_fees_delinquency_and_later_allocations(fresh_db, uniq):
    """Installments 1 and 2 paid on their due dates (2026-02-10, 2026-03-10); the first debit
    comes back R01 on 2026-03-24, six weeks later. As known now, nothing was paid until
    2026-03-10: installment 1's late fee is due on 2026-02-21; the 2026-03-10 payment pays that
    fee 15.00, interest 12.00 and principal 79.62 of installment 1 (15.00 short), so installment
    2 is unpaid and its late fee is due on 2026-03-21; the NSF fee 25.00 follows the return.
    Days past due on 2026-03-24: 42 (installment 1), bucket 31-60."""
    url = fresh_db()
    servicer, number = _loan(url, uniq)
    first = payments.record_payment(servicer, number, "106.62", date(2026, 2, 10),
                                    f"{number}-1", url=url, today=date(2026, 2, 10))
    second = payments.record_payment(servicer, number, "106.62", date(2026, 3, 10),
                                     f"{number}-2", url=url, today=date(2026, 3, 10))
    cob.run_cob(date(2026, 3, 24), SYSTEM, url)
    assert _late_fees(url, number) == [] and _cached(url, number) == (0, "current")
    before = _journal(url, number)
    payments.reverse_payment(servicer, first.payment_id, "returned by the bank", "R01",
                             date(2026, 3, 24), url)
    assert _late_fees(url, number) == [(1, 1_500, date(2026, 2, 21)),
                                       (2, 1_500, date(2026, 3, 21))]
    assert _cached(url, number) == (42, "31-60")
    d = queries.loan_detail(servicer, number, url, today=date(2026, 3, 24))
    assert d.days_past_due == 42 and d.fees_outstanding_minor == 1_500 + 2_500
    paid = {p.id: (p.fee_minor, p.interest_minor, p.principal_minor) for p in d.payments}
    assert paid[second.payment_id] == (1_500, 1_200, 7_962)
    new = sorted((code, on) for code, on, _ in (
        v for k, v in _journal(url, number).items() if k not in before))
    assert new == [(ledger.FEE, date(2026, 2, 21)), (ledger.FEE, date(2026, 3, 21)),
                   (ledger.FEE, date(2026, 3, 24)),  # the NSF fee
                   # the 2026-03-10 payment applied again: once the debit was gone, once more
                   # over the fees replayed (each time first taken off by a reversal)
                   (ledger.REPAYMENT, date(2026, 3, 10)), (ledger.REPAYMENT, date(2026, 3, 10)),
                   (ledger.REVERSAL, date(2026, 3, 10)), (ledger.REVERSAL, date(2026, 3, 10)),
                   (ledger.REVERSAL, date(2026, 3, 24))]  # the returned debit

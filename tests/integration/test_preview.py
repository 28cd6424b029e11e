"""Before/after preview of a payment, a reversal and a modification (issue 18): the real command
run in a transaction that is rolled back. Each test states the preview's figures, checks that
nothing was written (every affected table's count, the loan's row), then runs the real command
and checks it writes exactly the previewed journal entries and ends on the previewed balances.

The loan (tests/integration/test_replay.py): 1,200.00 at 12%, 12 monthly installments of
106.62 (installment 1: interest 12.00, principal 94.62), funded 2026-01-10, due dates the 10th;
late fee 15.00 after 10 days' grace, NSF fee 25.00."""
from datetime import date

import pytest
from sqlmodel import select

from domain.db.tables import AuditLog, Installment, JournalEntry, Loan, LoanCharge, \
    LoanModification, Payment, PaymentAllocation, PaymentReversal, Posting
from domain.db.uow import UnitOfWork
from domain.kernel.actor import SYSTEM
from domain.kernel.errors import PermissionDenied, ValidationError
from domain.ledger import entries as ledger
from domain.servicing import cob, modifications, payments, preview, queries
from domain.servicing.preview import Balances, FeeChange
from tests.integration.helpers import count, make_user
from tests.integration.test_replay import _loan

TABLES = (Payment, PaymentAllocation, PaymentReversal, LoanCharge, JournalEntry, Posting,
          AuditLog, Installment, LoanModification)
CASH, LR, IR = ledger.CASH, ledger.LOANS_RECEIVABLE, ledger.INTEREST_RECEIVABLE
FR, FI = ledger.FEES_RECEIVABLE, ledger.FEE_INCOME


def _book(url, number):
    """Row counts of every table a command writes, and the loan's own row."""
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        row = (loan.status, loan.schedule_version, loan.days_past_due,
               loan.delinquency_bucket, loan.term, dict(loan.terms), loan.closed_on)
    return {m.__name__: count(url, m) for m in TABLES}, row


def _entries(url, number, known: set[str]):
    """The loan's entries not in `known`, in the order written, as a preview lists them."""
    with UnitOfWork(url) as s:
        loan_id = s.exec(select(Loan.id).where(Loan.loan_number == number)).one()
        heads = {e.id: e for e in s.exec(select(JournalEntry).where(
            JournalEntry.loan_id == loan_id)) if e.id not in known}
        lines: dict[str, list] = {}
        for p in s.exec(select(Posting).where(Posting.entry_id.in_(list(heads)))
                        .order_by(Posting.id)):
            lines.setdefault(p.entry_id, []).append((p.account, p.amount_minor))
        return [(i, heads[i].code, heads[i].effective_date, tuple(ls)) for i, ls in lines.items()]


def _ids(url, number) -> set[str]:
    return {e[0] for e in _entries(url, number, set())}


def _shown(p):
    return [(e.entry_id, e.code, e.effective_date, e.lines) for e in p.entries]


def _page(url, actor, number, on) -> Balances:
    d = queries.loan_detail(actor, number, url, today=on)
    return Balances(d.principal_outstanding_minor, d.interest_accrued_minor,
                    d.interest_paid_ahead_minor, d.fees_outstanding_minor, d.advance_minor,
                    d.payoff_minor, d.status, d.days_past_due, d.delinquency_bucket)


def test_a_backdated_cheque_previewed_then_recorded(fresh_db, uniq):
    """Close of business through 2026-02-25 charged installment 1's late fee on 2026-02-21
    (DPD 15). A cheque of 106.62 received 2026-02-10, posted 2026-02-25: the preview shows the
    fee removed, DPD 15 -> 0, and the two entries; the real command writes exactly those."""
    url = fresh_db()
    servicer, number = _loan(url, uniq)
    cob.run_cob(date(2026, 2, 25), SYSTEM, url)
    book, known, today = _book(url, number), _ids(url, number), date(2026, 2, 25)
    assert _page(url, servicer, number, today) == Balances(
        120_000, 1_791, 0, 1_500, 0, 123_291, "active", 15, "1-30")

    p = preview.preview_payment(servicer, number, "106.62", date(2026, 2, 10), url=url,
                                today=today, idempotency_key=f"{number}-c")
    assert _book(url, number) == book and _ids(url, number) == known  # nothing written
    # before: interest 12.00 of installment 1 + 5.91 of installment 2 (11.05 x 15 of its 28
    # days); after: installment 1 paid, the fee gone, only the 5.91 accrued
    assert p.before == _page(url, servicer, number, today)
    assert p.after == Balances(110_538, 591, 0, 0, 0, 111_129, "active", 0, "current")
    assert p.fees == (FeeChange("removed", "late", 1, 1_500, date(2026, 2, 21)),)
    assert p.cached_days_past_due == (15, 0) and p.replayed_from == date(2026, 2, 10)
    [inst] = p.installments
    assert (inst.number, inst.paid_before, inst.paid_after, inst.status_before,
            inst.status_after) == (1, (0, 0, 0), (9_462, 1_200, 0), "overdue", "paid")
    assert (inst.due_before_minor, inst.due_after_minor) == (12_162, 10_662)  # fee off
    assert [(code, on, lines) for _, code, on, lines in _shown(p)] == [
        (ledger.REPAYMENT, date(2026, 2, 10), ((CASH, 10_662), (LR, -9_462), (IR, -1_200))),
        (ledger.REVERSAL, date(2026, 2, 21), ((FR, -1_500), (FI, 1_500)))]
    assert not p.already_done

    payments.record_payment(servicer, number, "106.62", date(2026, 2, 10), f"{number}-c",
                            url=url, today=today)
    assert _entries(url, number, known) == _shown(p)  # ids, codes, dates, lines, order
    assert _page(url, servicer, number, today) == p.after
    assert _book(url, number)[1][2] == 0  # the cached DPD as previewed

    # the same request again: the command would replay it, so nothing would change
    again = preview.preview_payment(servicer, number, "106.62", date(2026, 2, 10), url=url,
                                    today=today, idempotency_key=f"{number}-c")
    assert again.already_done and again.entries == () and again.before == again.after


def test_a_late_return_previewed_then_reversed(fresh_db, uniq):
    """Installments 1 and 2 paid on their due dates; the first debit returns R01 on
    2026-03-24. The preview shows both late fees and the NSF fee charged, the 2026-03-10
    payment re-applied (fee 15.00, interest 12.00, principal 79.62 of installment 1), DPD
    0 -> 42; the reversal then writes exactly the eight previewed entries."""
    url = fresh_db()
    servicer, number = _loan(url, uniq)
    first = payments.record_payment(servicer, number, "106.62", date(2026, 2, 10),
                                    f"{number}-1", url=url, today=date(2026, 2, 10))
    payments.record_payment(servicer, number, "106.62", date(2026, 3, 10), f"{number}-2",
                            url=url, today=date(2026, 3, 10))
    cob.run_cob(date(2026, 3, 24), SYSTEM, url)
    book, known, on = _book(url, number), _ids(url, number), date(2026, 3, 24)

    p = preview.preview_reversal(servicer, first.payment_id, "returned by the bank", "R01",
                                 on, url)
    assert _book(url, number) == book and _ids(url, number) == known
    # before: principal 1,200.00 - 94.62 - 95.57; interest 10.10 of installment 3 x 14/31
    assert p.before == Balances(100_981, 456, 0, 0, 0, 101_437, "active", 0, "current")
    # after: 79.62 of principal paid; 11.05 + 4.56 accrued; fees 15 + 15 + 25 - 15 paid
    assert p.after == Balances(112_038, 1_561, 0, 4_000, 0, 117_599, "active", 42, "31-60")
    assert p.fees == (FeeChange("charged", "late", 1, 1_500, date(2026, 2, 21)),
                      FeeChange("charged", "late", 2, 1_500, date(2026, 3, 21)),
                      FeeChange("charged", "nsf", 1, 2_500, date(2026, 3, 24)))
    assert p.cached_days_past_due == (0, 42)
    assert [(i.number, i.paid_before, i.paid_after, i.status_after) for i in p.installments] == [
        (1, (9_462, 1_200, 0), (7_962, 1_200, 1_500), "overdue"),
        (2, (9_557, 1_105, 0), (0, 0, 0), "overdue")]
    shown = _shown(p)
    assert [(code, d) for _, code, d, _ in shown] == [
        (ledger.REVERSAL, date(2026, 3, 10)),  # the 2026-03-10 payment taken off
        (ledger.REVERSAL, on),  # the returned debit
        (ledger.REPAYMENT, date(2026, 3, 10)),  # applied again without the debit
        (ledger.FEE, date(2026, 2, 21)), (ledger.FEE, date(2026, 3, 21)),  # late fees
        (ledger.REVERSAL, date(2026, 3, 10)),  # taken off again ...
        (ledger.REPAYMENT, date(2026, 3, 10)),  # ... and applied over the fees
        (ledger.FEE, on)]  # the NSF fee
    assert shown[6][3] == ((CASH, 10_662), (LR, -7_962), (IR, -1_200), (FR, -1_500))
    assert shown[1][0] == f"rev-{first.payment_id}"

    payments.reverse_payment(servicer, first.payment_id, "returned by the bank", "R01", on, url)
    assert _entries(url, number, known) == shown
    assert _page(url, servicer, number, on) == p.after


def test_a_restructure_previewed_then_applied(fresh_db, uniq):
    """Installment 1 unpaid on 2026-02-15; a restructure at 6% capitalizes its 106.62 (12.00
    interest as new principal): 1,212.00 over the 11 installments left, 113.51 a month (the
    last 113.57)."""
    url = fresh_db()
    servicer, number = _loan(url, uniq)
    book, known, on = _book(url, number), _ids(url, number), date(2026, 2, 15)
    p = preview.preview_modification(servicer, number, "restructure", on, {"annual_rate": "6"},
                                     url, today=on, idempotency_key=f"{number}-r")
    assert _book(url, number) == book and _ids(url, number) == known
    # before: 12.00 + 1.97 (11.05 x 5/28) accrued; after: 1.08 (6.06 x 5/28) on the new one
    assert p.before == Balances(120_000, 1_397, 0, 0, 0, 121_397, "active", 5, "1-30")
    assert p.after == Balances(121_200, 108, 0, 0, 0, 121_308, "active", 0, "current")
    assert p.fees == () and p.replayed_from is None
    first, *rest = p.installments
    assert (first.number, first.paid_after, first.status_after) == (1, (9_462, 1_200, 0), "paid")
    assert [(i.number, i.due_before_minor, i.due_after_minor) for i in rest] == [
        *[(n, 10_662, 11_351) for n in range(2, 12)], (12, 10_660, 11_357)]
    loan_id = queries.loan_detail(servicer, number, url).loan_id
    assert _shown(p) == [(f"cap-{loan_id}-v2", ledger.MODIFICATION, on,
                          ((LR, 1_200), (IR, -1_200)))]

    modifications.modify_loan(servicer, number, "restructure", on, "Hardship review",
                              f"{number}-r", {"annual_rate": "6"}, url)
    assert _entries(url, number, known) == _shown(p)
    assert _page(url, servicer, number, on) == p.after
    assert [i.total_minor for i in queries.loan_detail(servicer, number, url).installments][1:] \
        == [i.due_after_minor for i in rest]


def test_a_preview_is_refused_as_the_command_is(db_url, uniq):
    """Same permission, same refusals; a refusal writes nothing either."""
    servicer, number = _loan(db_url, uniq)
    borrower = make_user(db_url, uniq, "borrower", "other")
    book = _book(db_url, number)
    with pytest.raises(PermissionDenied):
        preview.preview_payment(borrower, number, "10.00", None, url=db_url)
    with pytest.raises(ValidationError) as refused:
        preview.preview_payment(servicer, number, "10.00", date(2026, 1, 9), url=db_url,
                                today=date(2026, 2, 1))
    with pytest.raises(ValidationError) as command:
        payments.record_payment(servicer, number, "10.00", date(2026, 1, 9), f"{uniq}-x",
                                url=db_url, today=date(2026, 2, 1))
    assert refused.value.errors == command.value.errors == {
        "received_on": "must be between funding and today"}
    with pytest.raises(ValidationError) as refused:  # a payoff must equal the payoff
        preview.preview_payment(servicer, number, "10.00", date(2026, 2, 1), payoff=True,
                                url=db_url, today=date(2026, 2, 1))
    assert "the payoff on 2026-02-01 is" in refused.value.errors["amount"]
    with pytest.raises(ValidationError, match="reason"):
        preview.preview_reversal(servicer, 1, " ", url=db_url)
    with pytest.raises(ValidationError, match="kind"):
        preview.preview_modification(servicer, number, "forgive", None, url=db_url)
    with pytest.raises(PermissionDenied):
        preview.preview_modification(borrower, number, "recast", None, url=db_url)
    assert _book(db_url, number) == book

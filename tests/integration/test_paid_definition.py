"""One definition of an installment's "paid" state (issue 18, item 2), on SQLite and PostgreSQL.

An installment is paid when its scheduled principal + interest + installment fee is fully paid
by allocations to those components; money that paid a late fee, an NSF fee or any other charge
never counts (docs/conventions/accrual-cob.md, "What paid means"). Close of business (the
set-based SQL and the per-loan reference of test_cob), the loan page and late-fee assessment
must all give the figures the rule gives.

The loan of both cases: 3,000.00 at 12 % a year, 30/360, 12 monthly installments, funded
2025-12-15. By the rule, computed here by hand: the monthly rate is 1 %, the level installment
3,000 x 0.01 / (1 - 1.01^-12) = 266.546... -> 266.55; installment 1 (due 2026-01-15) is interest
3,000 x 0.01 = 30.00 and principal 236.55; installment 2 (due 2026-02-15) is interest
2,763.45 x 0.01 = 27.6345 -> 27.63 and principal 238.92. Late fee 15.00 after 10 days of grace
(assessed on the 11th day past due), NSF fee 25.00, buckets from 1, 31, 61, 91.
"""
import uuid
from datetime import date

import pytest
from sqlmodel import select

from domain.db.tables import Loan, LoanCharge, PaymentAllocation
from domain.db.uow import UnitOfWork
from domain.kernel.actor import SYSTEM
from domain.servicing import cob, payments, queries
from tests.integration import test_cob as cob_tests
from tests.integration.helpers import make_user

FUNDED = date(2025, 12, 15)
DUE_1, DUE_2 = date(2026, 1, 15), date(2026, 2, 15)
TERMS = dict(annual_rate="12", frequency="monthly", day_count="30/360", min_term=6,
             max_term=36, late_fee_minor=1500, late_fee_grace_days=10, nsf_fee_minor=2500,
             delinquency_buckets=(1, 31, 61, 91))


@pytest.fixture
def url(fresh_db):
    return fresh_db()


def loan_of(url, **overrides) -> tuple[dict, Loan]:
    uniq = uuid.uuid4().hex[:8]
    admin = make_user(url, uniq, "admin")
    w = dict(url=url, admin=admin, servicer=make_user(url, uniq, "servicer"),
             borrower=make_user(url, uniq, "borrower"),
             products={"PAID": cob_tests.add_product(url, admin, f"PAID{uniq}",
                                                     **{**TERMS, **overrides})})
    loan = cob_tests.book(w, "PAID", 300000, 12, FUNDED)
    fee = overrides.get("installment_fee_minor", 0)
    insts = cob_tests.installments(url, loan.id)
    assert [(i.due_date, i.interest_minor, i.principal_minor, i.fee_minor)
            for i in insts[:2]] == [(DUE_1, 3000, 23655, fee), (DUE_2, 2763, 23892, fee)]
    return w, loan


def post(w, loan: Loan, amount: str, on: date, channel: str = "servicer") -> int:
    return payments.record_payment(w["servicer"], loan.loan_number, amount, on,
                                   f"paid-{uuid.uuid4().hex}", url=w["url"],
                                   channel=channel).payment_id


def allocation(url, payment_id: int) -> list[tuple[int, int, int, int]]:
    """(installment, fee, interest, principal) of a payment, as it stands."""
    with UnitOfWork(url) as s:
        rows = s.exec(select(PaymentAllocation).where(PaymentAllocation.payment_id == payment_id))
        return sorted((r.installment_number, r.fee_minor, r.interest_minor, r.principal_minor)
                      for r in rows)


def cached(url, loan: Loan) -> tuple[int, str]:
    with UnitOfWork(url) as s:
        row = s.get(Loan, loan.id)
        return row.days_past_due, row.delinquency_bucket


def charges(url, loan: Loan) -> list[tuple[str, int, int, date]]:
    with UnitOfWork(url) as s:
        return sorted((c.kind, c.installment_number, c.amount_minor, c.assessed_on)
                      for c in s.exec(select(LoanCharge).where(LoanCharge.loan_id == loan.id)))


def page(url, loan: Loan, on: date) -> queries.LoanDetail:
    return queries.loan_detail(SYSTEM, loan.loan_number, url, today=on)


def test_money_that_paid_a_late_fee_does_not_pay_the_installment(url):
    """Installment 1 overdue with its 15.00 late fee, installment 2 overdue; 266.55 pays fee
    15.00 / interest 30.00 / principal 221.55 on installment 1, which stays 15.00 short: the
    oldest unpaid installment is still 1, so on 2026-02-18 DPD is 2026-02-18 - 2026-01-15 = 34,
    bucket 31-60 (COB's cached figures, the loan page and the reference alike)."""
    w, loan = loan_of(url)
    cob.run_cob(date(2026, 1, 26), SYSTEM, url)
    assert charges(url, loan) == [("late", 1, 1500, date(2026, 1, 26))]  # 15.00, day 11
    pid = post(w, loan, "266.55", date(2026, 2, 16))
    assert allocation(url, pid) == [(1, 1500, 3000, 22155)]  # fee / interest / principal
    cob.run_cob(date(2026, 2, 18), SYSTEM, url)
    assert cached(url, loan) == (34, "31-60")
    d = page(url, loan, date(2026, 2, 18))
    assert (d.days_past_due, d.delinquency_bucket) == (34, "31-60")
    assert [i.status for i in d.installments[:3]] == ["overdue", "overdue", "upcoming"]
    assert (d.installments[0].total_minor, d.installments[0].paid_minor) == (28155, 26655)
    assert cob_tests.check_book(url, date(2026, 2, 18)) == 1  # set-based COB = reference
    # installment 2's own late fee on its 11th day past due; installment 1 never gets a second
    cob.run_cob(date(2026, 2, 26), SYSTEM, url)
    assert charges(url, loan) == [("late", 1, 1500, date(2026, 1, 26)),
                                  ("late", 2, 1500, date(2026, 2, 26))]
    assert cached(url, loan) == (42, "31-60")  # 2026-02-26 - 2026-01-15
    assert cob_tests.check_book(url, date(2026, 2, 26)) == 1
    # 15.00 more pays installment 1's principal: paid although installment 2's late fee and
    # its P+I are unpaid; DPD is now from installment 2: 2026-02-27 - 2026-02-15 = 12
    pid = post(w, loan, "15.00", date(2026, 2, 27))
    assert allocation(url, pid) == [(1, 0, 0, 1500)]
    cob.run_cob(date(2026, 2, 27), SYSTEM, url)
    assert cached(url, loan) == (12, "1-30")
    d = page(url, loan, date(2026, 2, 27))
    assert (d.days_past_due, d.delinquency_bucket) == (12, "1-30")
    assert [i.status for i in d.installments[:2]] == ["paid", "overdue"]
    cob_tests.check_ledger(url)


def test_a_representment_that_pays_the_nsf_fee_first_leaves_the_installment_unpaid(url):
    """266.55 paid on the due date is returned R01 on 2026-01-19 (NSF fee 25.00 on installment
    1); the re-presented 266.55 on 2026-01-22 pays fee 25.00 / interest 30.00 / principal
    211.55, 25.00 short: installment 1 is unpaid, so on 2026-01-26 (11 days past due) COB
    charges the 15.00 late fee, and on 2026-01-30 DPD is 15, bucket 1-30."""
    w, loan = loan_of(url)
    first = post(w, loan, "266.55", DUE_1, channel="ach")
    assert allocation(url, first) == [(1, 0, 3000, 23655)]
    cob.run_cob(date(2026, 1, 18), SYSTEM, url)
    assert cached(url, loan) == (0, "current")
    payments.reverse_payment(w["servicer"], first, "insufficient funds", "R01",
                             date(2026, 1, 19), url)
    assert charges(url, loan) == [("nsf", 1, 2500, date(2026, 1, 19))]
    again = post(w, loan, "266.55", date(2026, 1, 22), channel="ach")
    assert allocation(url, again) == [(1, 2500, 3000, 21155)]
    cob.run_cob(date(2026, 1, 25), SYSTEM, url)
    assert cached(url, loan) == (10, "1-30")  # within the grace: no late fee yet
    assert [c[0] for c in charges(url, loan)] == ["nsf"]
    cob.run_cob(date(2026, 1, 30), SYSTEM, url)
    assert charges(url, loan) == [("late", 1, 1500, date(2026, 1, 26)),
                                  ("nsf", 1, 2500, date(2026, 1, 19))]
    assert cached(url, loan) == (15, "1-30")
    d = page(url, loan, date(2026, 1, 30))
    assert (d.days_past_due, d.delinquency_bucket) == (15, "1-30")
    assert d.installments[0].status == "overdue"
    # the late fee's date and the DPD history checked against the per-loan reference too
    assert cob_tests.check_book(url, date(2026, 1, 30)) == 1
    cob_tests.check_ledger(url)


def test_fee_money_pays_the_scheduled_installment_fee_before_charges(url):
    """A product with a 5.00 installment fee (installment 1: interest 30.00, principal 236.55,
    fee 5.00 = 271.55) that allocates interest, then principal, then fees. Installment 1's
    late fee (15.00) is charged on 2026-01-26; 269.55 on 2026-01-28 pays interest 30.00 /
    principal 236.55 / fee 3.00: the fee money counts toward the 5.00 scheduled fee first, 2.00
    of it is short, so installment 1 is unpaid (DPD on 2026-01-30: 15). 2.00 more on
    2026-02-01 completes the scheduled fee: installment 1 is paid although its 15.00 late fee
    is still owed, so on 2026-02-10 DPD is 0, bucket current."""
    w, loan = loan_of(url, installment_fee_minor=500,
                      allocation_order=("interest", "principal", "fee"))
    cob.run_cob(date(2026, 1, 26), SYSTEM, url)
    assert charges(url, loan) == [("late", 1, 1500, date(2026, 1, 26))]
    pid = post(w, loan, "269.55", date(2026, 1, 28))
    assert allocation(url, pid) == [(1, 300, 3000, 23655)]
    cob.run_cob(date(2026, 1, 30), SYSTEM, url)
    assert cached(url, loan) == (15, "1-30")
    assert page(url, loan, date(2026, 1, 30)).days_past_due == 15
    assert cob_tests.check_book(url, date(2026, 1, 30)) == 1
    pid = post(w, loan, "2.00", date(2026, 2, 1))
    assert allocation(url, pid) == [(1, 200, 0, 0)]
    cob.run_cob(date(2026, 2, 10), SYSTEM, url)
    assert cached(url, loan) == (0, "current")
    d = page(url, loan, date(2026, 2, 10))
    # fees outstanding: the late fee 15.00 + the 11 later installments' fees 11 x 5.00 = 70.00
    assert (d.days_past_due, d.delinquency_bucket, d.installments[0].status,
            d.fees_outstanding_minor) == (0, "current", "paid", 7000)
    assert charges(url, loan) == [("late", 1, 1500, date(2026, 1, 26))]  # nothing more
    assert cob_tests.check_book(url, date(2026, 2, 10)) == 1
    # installment 2 (due 2026-02-15, 266.55 + 5.00) unpaid: DPD runs from its due date
    cob.run_cob(date(2026, 2, 20), SYSTEM, url)
    assert cached(url, loan) == (5, "1-30")
    assert cob_tests.check_book(url, date(2026, 2, 20)) == 1
    cob_tests.check_ledger(url)

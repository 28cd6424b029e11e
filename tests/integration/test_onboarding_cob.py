"""A seasoned loan boarded after close of business has run: interest accrued through the last
closed date is posted with the booking, and the next close of business carries on (one day's
accrual, no catch-up twice); the ledger stays balanced. Each engine, a fresh database."""
from datetime import date, timedelta

from sqlalchemy import func, select

from domain.ledger import entries as ledger
from domain.calculation.accrual import Period, accrued_through
from domain.db.tables import Installment, Loan, Posting
from domain.db.uow import UnitOfWork
from domain.servicing import cob
from domain.ledger import journal
from domain.onboarding import boarding as onboarding
from domain.kernel.actor import SYSTEM
from tests.integration.onboarding_support import good_rows, numbered, world
from tests.integration.test_cob import url  # noqa: F401  (the fresh-database fixture)


def _income(s, loan_id):
    return -journal.account_balance(s, ledger.INTEREST_INCOME, loan_id)


def test_boarded_after_cob_accrues_through_the_closed_date_then_continues(url, uniq):  # noqa: F811
    today = date.today()
    closed = today - timedelta(days=1)
    w = world(url, uniq)
    assert cob.close_date(closed, SYSTEM, url) is not None
    row = {**good_rows(w, 1)[0], "funding_date": (today - timedelta(days=75)).isoformat(),
           "term": "12", "funded_amount": "6000.00", "use_product_defaults": "yes",
           "annual_rate": ""}
    report = onboarding.board(numbered([row]), source="LOS", method="api",
                              actor=w["servicer"], url=url, today=today)
    assert report.status == "booked", report.issues
    with UnitOfWork(url) as s:
        loan = s.execute(select(Loan).where(Loan.loan_number == report.loans[0][2])
                         ).scalars().one()
        periods = [Period(i.number, i.start_date, i.due_date, i.interest_minor, 0)
                   for i in s.execute(select(Installment).where(Installment.loan_id == loan.id))
                   .scalars()]
        assert _income(s, loan.id) == accrued_through(periods, closed) > 0
        assert loan.days_past_due == (today - periods[0].due_date).days  # nothing paid yet
    assert cob.close_date(today, SYSTEM, url) is not None
    with UnitOfWork(url) as s:
        assert _income(s, loan.id) == accrued_through(periods, today)
        assert s.execute(select(func.sum(Posting.amount_minor))).scalar() == 0
        assert journal.principal_outstanding(s, loan.id) == 600000


def test_a_boarded_late_loan_is_not_charged_the_source_systems_late_fees(url, uniq):  # noqa: F811
    """Installments already past their grace period the day before boarding were the source
    system's to charge: close of business charges only what falls late after boarding."""
    from domain.db.tables import LoanCharge
    from domain.calculation.periods import add_months
    from tests.integration.helpers import make_product
    today = date.today()
    w = world(url, uniq)
    code = f"LF{uniq}".upper()
    make_product(url, w["admin"], uniq + "lf", code=code,
                 settings=(("late_fee", "25.00"), ("late_fee_grace_days", "10")))
    row = {**good_rows(w, 1)[0], "product_code": code, "term": "12",
           "funding_date": add_months(today - timedelta(days=9), -3).isoformat(),
           "use_product_defaults": "yes", "annual_rate": ""}
    report = onboarding.board(numbered([row]), source="LOS", method="api",
                              actor=w["servicer"], url=url, today=today)
    assert report.status == "booked", report.issues
    with UnitOfWork(url) as s:
        loan_id = s.execute(select(Loan.id).where(
            Loan.loan_number == report.loans[0][2])).scalar_one()
        dues = [d for (d,) in s.execute(select(Installment.due_date).where(
            Installment.loan_id == loan_id).order_by(Installment.number))]
    late = [d for d in dues if d < today]
    assert len(late) == 3 and (today - late[2]).days <= 11 < (today - late[1]).days
    charged_on = late[2] + timedelta(days=11)  # 10 grace days, then the fee
    day = today
    while day <= charged_on:
        assert cob.close_date(day, SYSTEM, url) is not None
        day += timedelta(days=1)
    with UnitOfWork(url) as s:
        charges = [(c.installment_number, c.assessed_on, c.amount_minor) for c in s.execute(
            select(LoanCharge).where(LoanCharge.loan_id == loan_id)).scalars()]
        assert s.execute(select(func.sum(Posting.amount_minor))).scalar() == 0
    assert charges == [(3, charged_on, 2500)]  # not installments 1 and 2: the source's

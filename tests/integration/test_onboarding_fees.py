"""Fees the source system charged and the borrower still owed at boarding (`fees_due`) come
across as one charge on the oldest installment the history left unpaid, posted to fees
receivable on the boarding date, so the boarded balance is the source's; in a file and in
the API's `history.fees_due`, on each engine."""
from datetime import date, timedelta

from sqlalchemy import select

from domain.ledger import entries as ledger
from domain.db.tables import Installment, Loan, LoanCharge, Posting
from domain.db.uow import UnitOfWork
from domain.onboarding.schema import LOAN_REQUEST, check, flatten
from domain.ledger import journal
from domain.servicing import loan_state
from domain.onboarding import boarding as onboarding
from tests.integration.onboarding_support import good_rows, numbered, world


def test_fees_owed_at_boarding_are_charged_on_the_oldest_unpaid_installment(db_url, uniq):
    w, today = world(db_url, uniq), date.today()
    row = {**good_rows(w, 1)[0], "funding_date": (today - timedelta(days=100)).isoformat(),
           "term": "12", "use_product_defaults": "yes", "annual_rate": ""}
    first = onboarding.board(numbered([dict(row, external_ref=f"PROBE-{uniq}")]),
                             source=f"FEES-{uniq}", method="api", actor=w["servicer"],
                             url=db_url, today=today)
    with UnitOfWork(db_url) as s:  # the schedule this row gets: pay exactly installment 1
        probe = s.execute(select(Loan.id).where(Loan.loan_number == first.loans[0][2])
                          ).scalar_one()
        one = s.execute(select(Installment).where(Installment.loan_id == probe,
                                                  Installment.number == 1)).scalar_one()
        paid = one.principal_minor + one.interest_minor + one.fee_minor
    row.update(payments_to_date=f"{paid // 100}.{paid % 100:02d}", fees_due="35.00")
    report = onboarding.board(numbered([row]), source=f"FEES-{uniq}", method="file",
                              actor=w["servicer"], url=db_url, today=today)
    assert report.status == "booked", report.issues
    with UnitOfWork(db_url) as s:
        loan = s.execute(select(Loan).where(Loan.loan_number == report.loans[0][2])
                         ).scalars().one()
        charges = [(c.kind, c.installment_number, c.amount_minor, c.assessed_on)
                   for c in s.execute(select(LoanCharge).where(LoanCharge.loan_id == loan.id))
                   .scalars()]
        assert charges == [("boarded", 2, 3500, today)]
        assert journal.account_balance(s, ledger.FEES_RECEIVABLE, loan.id) == 3500
        assert sum(p.amount_minor for p in s.execute(select(Posting).where(
            Posting.loan_id == loan.id)).scalars()) == 0
        state = loan_state.load(s, loan)
        assert state.fees_outstanding_minor >= 3500
        assert state.installments[0].unpaid_minor == 0  # the history paid it
        assert state.installments[1].fee_minor == one.fee_minor + 3500


def test_fees_due_is_checked_and_the_api_carries_it(db_url, uniq):
    w = world(db_url, uniq)
    bad = {**good_rows(w, 1)[0], "fees_due": "lots"}
    report = onboarding.validate(numbered([bad]), f"FEES-{uniq}", db_url)
    assert [(i.column, i.value) for i in report.issues] == [("fees_due", "lots")]
    body = {"external_ref": "X", "product_code": w["monthly"],
            "borrower": {"name": "A B", "email": "a@b.test", "date_of_birth": "1980-01-01",
                         "address": {"line1": "1 St", "city": "C", "state": "IL",
                                     "postal_code": "62701"}},
            "funded_amount": "5000.00", "funding_date": "2026-01-15",
            "terms": {"use_product_defaults": True, "term": 24},
            "history": {"payments_to_date": "250.00", "fees_due": "12.50"}}
    assert check(body, LOAN_REQUEST) == {}
    assert flatten(body)["fees_due"] == "12.50"

"""The set-based booking path (shared schedule templates, one validate-and-write pass, bulk writer) gives
every loan of a mixed batch exactly what boarding that loan alone gives, and what the plain
schedule engine gives: installments, loan balances and status, payments and allocations,
and the journal (each entry's postings by account), on each engine."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from domain.onboarding import rows as rules
from domain.db.onboarding_tables import OnboardedLoan
from domain.db.tables import (Installment, JournalEntry, Loan, LoanCharge, Payment,
                              PaymentAllocation, Posting)
from domain.db.uow import UnitOfWork
from domain.calculation.schedule import build
from domain.ledger import journal
from domain.onboarding import boarding as onboarding
from tests.integration.onboarding_support import good_rows, numbered, world


@pytest.fixture
def w(db_url, uniq):
    return world(db_url, uniq)


def mixed_rows(w):
    today = date.today()
    rows = good_rows(w, 10)
    for k, r in enumerate(rows):  # rows 6-7: row 0-1's loan on other dates (one template);
        if k >= 6:  # rows 8-9: row 2-3's terms, another amount (another template)
            r.update(funded_amount=rows[k - 6]["funded_amount"] if k < 8 else
                     f"{3100 + k}.00", term=rows[k - 6]["term"],
                     product_code=rows[k - 6]["product_code"],
                     use_product_defaults=rows[k - 6]["use_product_defaults"],
                     annual_rate=rows[k - 6]["annual_rate"])
    funded = today - timedelta(days=200)
    rows[1].update(funding_date=funded.isoformat(), payments_to_date="300.00", fees_due="20.00")
    rows[2].update(funding_date=funded.isoformat(), use_product_defaults="no",
                   frequency="weekly",
                   payments=f"{funded + timedelta(days=30)}:120.00;"
                            f"{funded + timedelta(days=70)}:80.50")
    rows[3].update(funding_date=(today - timedelta(days=45)).isoformat(), payments_to_date="1.00")
    return rows


def loan_picture(s, source: str, ref: str) -> dict:
    loan = s.execute(select(Loan).join(OnboardedLoan, OnboardedLoan.loan_id == Loan.id)
                     .where(OnboardedLoan.source == source, OnboardedLoan.external_ref == ref)
                     ).scalars().one()
    insts = [(i.number, i.start_date, i.due_date, i.principal_minor, i.interest_minor,
              i.fee_minor) for i in s.execute(select(Installment).where(
                  Installment.loan_id == loan.id).order_by(Installment.number)).scalars()]
    entries = sorted((code, on, account, total) for code, on, account, total in s.execute(
        select(JournalEntry.code, JournalEntry.effective_date, Posting.account,
               func.sum(Posting.amount_minor))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(Posting.loan_id == loan.id)
        .group_by(JournalEntry.id, JournalEntry.code, JournalEntry.effective_date,
                  Posting.account)))
    pays = [(p.amount_minor, p.received_on, p.method, p.channel) for p in s.execute(
        select(Payment).where(Payment.loan_id == loan.id).order_by(Payment.id)).scalars()]
    allocs = sorted((a.installment_number, a.principal_minor, a.interest_minor, a.fee_minor,
                     a.advance_minor) for a in s.execute(select(PaymentAllocation).where(
                         PaymentAllocation.loan_id == loan.id)).scalars())
    charges = sorted((c.kind, c.installment_number, c.amount_minor, c.assessed_on)
                     for c in s.execute(select(LoanCharge).where(
                         LoanCharge.loan_id == loan.id)).scalars())
    return dict(charges=charges, loan=(loan.principal_minor, loan.term, loan.terms, loan.disbursement_date,
                      loan.status, loan.days_past_due, loan.delinquency_bucket,
                      loan.product_id, loan.borrower_id),
                installments=insts, journal=entries, payments=pays, allocations=allocs,
                principal_outstanding=journal.principal_outstanding(s, loan.id),
                balance=sum(t for *_, t in entries))


def test_a_mixed_batch_boards_each_loan_as_boarding_it_alone_does(w, monkeypatch):
    from domain.audit import chain as audit_chain
    monkeypatch.setattr(audit_chain, "_PAGE", 2)  # staged audit rows linked two at a time
    rows, today = mixed_rows(w), date.today()
    batch = onboarding.board(numbered(rows), source=f"FAST-{w['uniq']}", method="file",
                             actor=w["servicer"], url=w["url"], today=today)
    assert batch.status == "booked" and batch.rows_booked == len(rows), batch.issues
    from domain.audit.verify import verify
    chain = verify(w["url"])  # the bulk-written audit rows were linked into the chain
    assert chain.broken is None and chain.unsealed == [], chain
    for r in rows:
        alone = onboarding.board(numbered([r]), source=f"ONE-{w['uniq']}", method="api",
                                 actor=w["servicer"], url=w["url"], today=today)
        assert alone.status == "booked", alone.issues
    with UnitOfWork(w["url"]) as s:
        products = onboarding.load_products(s)
        for r in rows:
            fast = loan_picture(s, f"FAST-{w['uniq']}", r["external_ref"])
            assert fast == loan_picture(s, f"ONE-{w['uniq']}", r["external_ref"]), r
            row, issues = rules.parse_row(2, r, today)
            terms, issues = rules.loan_terms(row, products[row.product_code].terms)
            plain = build(terms.schedule_terms(row.amount_minor, row.term, row.funding_date))
            assert fast["installments"] == [(i.number, i.start_date, i.due_date,
                                             i.principal_minor, i.interest_minor, i.fee_minor)
                                            for i in plain.installments]
            paid = sum(a[1] for a in fast["allocations"])
            assert fast["principal_outstanding"] == plain.principal_minor - paid
            assert fast["balance"] == 0
        seasoned = [loan_picture(s, f"FAST-{w['uniq']}", rows[k]["external_ref"])
                    for k in (1, 2, 3)]
    assert [len(p["payments"]) for p in seasoned] == [1, 2, 1]  # the history was applied
    assert [c[:3] for c in seasoned[0]["charges"]] == [("boarded", seasoned[0]["charges"][0][1],
                                                         2000)]
    assert all(p["allocations"] for p in seasoned)

"""Serialising money-moving commands on one loan, on both engines.

Every command that reads a loan's state and writes money against it (a payment, a reversal, a
return, a refund, a queued debit) first calls `lock_loan`, so two of them on the same loan run
one after the other and the second sees the first's rows: two tabs posting 80.00 each against
a 100.00 payoff give one payoff and one refused or re-valued payment, never an overpaid loan.

- PostgreSQL: `SELECT ... FOR UPDATE` on the loan row (other loans are not blocked), plus a
  shared advisory lock that close of business takes exclusively (`lock_book`), so a payment
  never interleaves with the day's close.
- SQLite: a no-op write to the loan row opens the write transaction at once (SQLite has one
  writer; the busy timeout queues the others), so everything read after it is current.
The loan object is refreshed after the lock, so a status read before it is never trusted.
"""
from sqlalchemy import text, update
from sqlmodel import Session, select

from domain.db.tables import Loan

BOOK_LOCK = 7_311_987_001  # advisory lock key: close of business vs. single-loan commands


def _postgres(s: Session) -> bool:
    return s.get_bind().dialect.name == "postgresql"


def lock_loan(s: Session, loan: Loan) -> Loan:
    """Hold `loan` for the rest of the transaction; returns it refreshed."""
    if _postgres(s):
        s.exec(text("SELECT pg_advisory_xact_lock_shared(:k)").bindparams(k=BOOK_LOCK))
        s.exec(select(Loan).where(Loan.id == loan.id).with_for_update()
               .execution_options(populate_existing=True)).one()
    else:
        s.exec(update(Loan).where(Loan.id == loan.id).values(status=Loan.status))
        s.refresh(loan)
    return loan


def lock_book(s: Session) -> None:
    """Hold the whole book for close of business: waits for commands in flight on any loan
    and keeps new ones waiting until the close commits."""
    if _postgres(s):
        s.exec(text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=BOOK_LOCK))
    else:
        s.exec(text("UPDATE loan SET status = status WHERE id = -1"))

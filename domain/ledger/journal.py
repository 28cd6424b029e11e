"""Persists ledger entries; an entry id seen before is a replay and changes nothing."""
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from domain.db.tables import JournalEntry, Loan, Posting
from domain.ledger.entries import LOANS_RECEIVABLE, Entry


def post(s: Session, entry: Entry) -> bool:
    """Write the entry and its postings; False if this id was already posted."""
    if s.get(JournalEntry, entry.entry_id) is not None:
        return False
    s.add(JournalEntry(id=entry.entry_id, code=entry.code, loan_id=entry.loan_id,
                       effective_date=entry.effective_date, memo=entry.memo))
    s.flush()
    s.add_all(Posting(entry_id=entry.entry_id, account=line.account, loan_id=entry.loan_id,
                      amount_minor=line.amount_minor) for line in entry.lines)
    return True


def bulk_rows(entry: Entry, entries: list[dict], postings: list[dict], recorded_at) -> None:
    """Append an entry's journal row and posting rows for one bulk insert of many entries
    (the same rows `post` writes one at a time)."""
    entries.append(dict(id=entry.entry_id, code=entry.code, loan_id=entry.loan_id,
                        effective_date=entry.effective_date, memo=entry.memo[:200],
                        recorded_at=recorded_at))
    postings += [dict(entry_id=entry.entry_id, account=line.account, loan_id=entry.loan_id,
                      amount_minor=line.amount_minor) for line in entry.lines]


def account_balance(s: Session, account: str, loan_id: int | None = None) -> int:
    q = select(func.coalesce(func.sum(Posting.amount_minor), 0)).where(Posting.account == account)
    if loan_id is not None:
        q = q.where(Posting.loan_id == loan_id)
    return int(s.exec(q).one())


def principal_outstanding(s: Session, loan_id: int) -> int:
    return account_balance(s, LOANS_RECEIVABLE, loan_id)


def trial_balance(s: Session, product_id: int | None = None, from_date: date | None = None,
                  to_date: date | None = None) -> dict[str, int]:
    """Sum per account over the whole journal (or one product's loans: every posting carries
    its loan; or the entries effective from/to a date, inclusive); the values always add to
    zero."""
    q = select(Posting.account, func.sum(Posting.amount_minor)).group_by(Posting.account)
    if product_id is not None:
        q = q.join(Loan, Loan.id == Posting.loan_id).where(Loan.product_id == product_id)
    if from_date is not None or to_date is not None:
        q = q.join(JournalEntry, JournalEntry.id == Posting.entry_id)
        if from_date is not None:
            q = q.where(JournalEntry.effective_date >= from_date)
        if to_date is not None:
            q = q.where(JournalEntry.effective_date <= to_date)
    return {account: int(total) for account, total in s.exec(q)}

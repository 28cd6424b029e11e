"""The one journal writer. Every money path writes through `write` (or, for a close of
business computed in SQL, `write_selected`), and every entry is checked to balance on every
path before it reaches the database. Entries are append-only: an id already posted is a
replay and changes nothing (TigerBeetle's model: the id is the idempotency key).

Back-ends of `write`:
- few entries (payments, reversals, fees, modifications, funding, bank-file returns): the
  rows go into the session's transaction at once, ids already posted are skipped;
- bulk (`into=` a `domain.db.bulk_write.BulkWriter`: COPY on PostgreSQL, executemany on
  SQLite; onboarding): the rows join the writer's next flush; the batch owns its ids.
"""
from datetime import date, datetime

from sqlalchemy import case, func, insert
from sqlmodel import Session, select

from domain.db.tables import JournalEntry, Loan, Posting, utcnow
from domain.ledger.entries import ACCOUNTS, LOANS_RECEIVABLE, Entry, UnbalancedEntry, check

JE = JournalEntry.__table__
PO = Posting.__table__
_LOOKUP = 500  # ids per replay lookup


def write(s: Session, entries, *, into=None, recorded_at: datetime | None = None,
          continuing: frozenset[str] = frozenset()) -> int:
    """Write `entries` (each checked); returns how many were written (replays not counted).
    `into`: a BulkWriter (the bulk back-end). `continuing`: ids of entries an earlier call
    of the same batch already opened (one entry spread over chunks, each chunk's lines
    balanced on their own): only their postings are added."""
    entries = [check(e) for e in entries]
    now = recorded_at or utcnow()
    if into is None:
        entries = _fresh(s, entries)
    heads, posts = _rows(entries, now, continuing)
    if into is not None:
        into.add_dicts(JE, heads)
        into.add_dicts(PO, posts)
    elif posts:
        s.flush()  # the loans and payments the rows refer to
        conn = s.connection()
        if heads:
            conn.execute(insert(JE), heads)
        conn.execute(insert(PO), posts)
    return len(entries)


def _fresh(s: Session, entries: list[Entry]) -> list[Entry]:
    """Entries whose id is not in the journal yet (nor earlier in `entries`)."""
    ids = list(dict.fromkeys(e.entry_id for e in entries))
    seen: set[str] = set()
    for k in range(0, len(ids), _LOOKUP):
        seen.update(s.connection().execute(
            select(JE.c.id).where(JE.c.id.in_(ids[k:k + _LOOKUP]))).scalars())
    out = []
    for e in entries:
        if e.entry_id not in seen:
            seen.add(e.entry_id)
            out.append(e)
    return out


def _rows(entries: list[Entry], now, continuing) -> tuple[list[dict], list[dict]]:
    heads = [dict(id=e.entry_id, code=e.code, loan_id=e.loan_id,
                  effective_date=e.effective_date, memo=e.memo[:200], recorded_at=now)
             for e in entries if e.entry_id not in continuing]
    posts = [dict(entry_id=e.entry_id, account=line.account,
                  loan_id=e.loan_id if line.loan_id is None else line.loan_id,
                  amount_minor=line.amount_minor)
             for e in entries for line in e.lines]
    return heads, posts


def write_selected(s: Session, entry_id: str, code: str, on: date, memo: str, postings) -> int:
    """The set-based back-end (close of business): one entry whose postings come from
    `postings`, a SELECT of (entry_id, account, loan_id, amount_minor) rows, in one
    INSERT ... SELECT; then the same check as every other path, made in SQL over what was
    written. An unbalanced result raises UnbalancedEntry and the unit of work rolls back."""
    s.execute(insert(JE).values(id=entry_id, code=code, loan_id=None, effective_date=on,
                                memo=memo[:200], recorded_at=utcnow()))
    s.execute(insert(PO).from_select(["entry_id", "account", "loan_id", "amount_minor"],
                                     postings))
    n, total, unknown = s.execute(select(
        func.count(), func.coalesce(func.sum(PO.c.amount_minor), 0),
        func.coalesce(func.sum(case((PO.c.account.not_in(ACCOUNTS), 1), else_=0)), 0))
        .where(PO.c.entry_id == entry_id)).one()
    if n < 2:
        raise UnbalancedEntry(f"entry {entry_id} needs at least two lines")
    if total != 0:
        raise UnbalancedEntry(f"entry {entry_id} does not balance")
    if unknown:
        raise UnbalancedEntry(f"entry {entry_id} names an unknown account")
    return int(n)


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

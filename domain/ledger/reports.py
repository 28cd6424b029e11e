"""Ledger and book reports for staff: trial balance, one loan's journal, the book by
delinquency bucket. All derived from postings and the cached COB columns, read-only."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import select

from domain.ledger import entries as ledger
from domain.calculation.accrual import bucket_names
from domain.db.tables import CobRun, JournalEntry, Loan, Posting
from domain.db.uow import UnitOfWork
from domain.kernel.errors import NotFound
from domain.ledger import journal
from domain.kernel.actor import Actor


@dataclass(frozen=True)
class AccountRow:
    account: str
    name: str
    debit_minor: int
    credit_minor: int


@dataclass(frozen=True)
class EntryRow:
    entry_id: str
    code: str
    effective_date: date
    recorded_at: str
    memo: str
    lines: tuple[tuple[str, int], ...]  # (account, signed amount) for this loan


@dataclass(frozen=True)
class BucketRow:
    bucket: str
    loans: int
    principal_minor: int


def trial_balance(actor: Actor, url: str | None = None) -> list[AccountRow]:
    actor.require_permission("ledger.view")
    with UnitOfWork(url) as s:
        totals = journal.trial_balance(s)
    return [AccountRow(a, ledger.ACCOUNT_NAMES[a], max(totals.get(a, 0), 0),
                       max(-totals.get(a, 0), 0)) for a in ledger.ACCOUNTS]


def loan_ledger(actor: Actor, loan_number: str, url: str | None = None) -> list[EntryRow]:
    """Every journal entry touching the loan, oldest first, with this loan's lines."""
    actor.require_permission("loan.view")
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == loan_number)).first()
        if loan is None:
            raise NotFound(f"loan {loan_number}")
        rows = s.exec(select(JournalEntry, Posting.account, Posting.amount_minor)
                      .join(Posting, Posting.entry_id == JournalEntry.id)
                      .where(Posting.loan_id == loan.id)
                      .order_by(JournalEntry.effective_date, JournalEntry.recorded_at,
                                JournalEntry.id, Posting.id))
        entries: dict[str, EntryRow] = {}
        for e, account, amount in rows:
            row = entries.get(e.id) or EntryRow(e.id, e.code, e.effective_date,
                                                e.recorded_at.strftime("%Y-%m-%d %H:%M"),
                                                e.memo, ())
            entries[e.id] = EntryRow(row.entry_id, row.code, row.effective_date,
                                     row.recorded_at, row.memo,
                                     row.lines + ((account, int(amount)),))
        return _monthly_accruals(list(entries.values()))


def _monthly_accruals(entries: list[EntryRow]) -> list[EntryRow]:
    """Daily accrual entries summed per month (one row per month, lines per account), so a
    loan's journal stays readable; every other entry is listed as it is."""
    out: list[EntryRow] = []
    months: dict[str, int] = {}
    for e in entries:
        if e.code != ledger.ACCRUAL:
            out.append(e)
            continue
        month = e.effective_date.strftime("%Y-%m")
        if month not in months:
            months[month] = len(out)
            out.append(EntryRow(f"{e.entry_id} (+ the month's other days)", e.code,
                                e.effective_date, e.recorded_at, f"Interest accrued, {month}",
                                e.lines))
            continue
        row = out[months[month]]
        sums: dict[str, int] = dict(row.lines)
        for account, amount in e.lines:
            sums[account] = sums.get(account, 0) + amount
        out[months[month]] = EntryRow(row.entry_id, row.code, e.effective_date, e.recorded_at,
                                      row.memo, tuple(sums.items()))
    return out


def book_by_bucket(actor: Actor, url: str | None = None) -> tuple[list[BucketRow], date | None]:
    """Active loans and their principal by delinquency bucket as of the last close of
    business (principal from postings, bucket from the COB columns)."""
    actor.require_permission("loan.view")
    with UnitOfWork(url) as s:
        principal = (select(Posting.loan_id, func.sum(Posting.amount_minor).label("p"))
                     .where(Posting.account == ledger.LOANS_RECEIVABLE)
                     .group_by(Posting.loan_id).subquery())
        rows = s.exec(select(Loan.delinquency_bucket, func.count(),
                             func.coalesce(func.sum(principal.c.p), 0))
                      .outerjoin(principal, principal.c.loan_id == Loan.id)
                      .where(Loan.status == "active").group_by(Loan.delinquency_bucket))
        found = {b: (int(n), int(p)) for b, n, p in rows}
        last = s.exec(select(func.max(CobRun.business_date))).one()
    order = bucket_names((1, 31, 61, 91))
    names = order + sorted(set(found) - set(order))
    return [BucketRow(b, *found.get(b, (0, 0))) for b in names], last

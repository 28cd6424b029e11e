"""Close of business (COB) for the whole book, set-based.

For each business date D, in order and each in its own transaction:

1. interest accrual: per active loan, target = `accrual.accrued_through(current schedule, D)`,
   already accrued = minus the loan's postings on interest income; the difference is posted
   (debit interest receivable, credit interest income) in ONE entry `cob-accrual-D` whose
   postings come from one INSERT ... SELECT;
2. delinquency: days past due of the oldest current installment that fell due before D and is
   not paid as of D (`accrual.days_past_due`; "paid" as `accrual.installment_paid` defines it:
   scheduled principal + interest + installment fee covered by allocations to those
   components, never by money that paid charges), bucketed by the loan's frozen
   `delinquency_buckets` (`accrual.bucket`), cached on the loan by one UPDATE ... FROM;
3. late fees: one `late` charge per installment not paid (the same set and definition as
   step 2) more than `late_fee_grace_days` past due
   (source key `late:{loan}:{version}:{number}`), posted in ONE entry `cob-fees-D`; not for
   an installment of a boarded loan that was already past its grace period on the day before
   it was boarded (`onboarded_loan.boarded_on`): that fee was the source system's to charge;
4. a `cob_run` row and one audit record.

Every statement is SQLAlchemy Core that runs on SQLite and PostgreSQL; nothing loops over loans
in Python. The active loans (with the few settings read from their frozen terms) and the
intermediate sets live in temporary tables of the transaction's connection, so the wide loan
table is read once and written once per date.
"""
import json
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from sqlalchemy import (Integer, String, Table, and_, exists, func, insert, literal,
                        literal_column, or_, select, text, true, union_all, update)
from sqlalchemy.exc import IntegrityError

from domain.ledger import entries as ledger, journal
from domain.db.tables import CobRun, utcnow
from domain.db.locks import lock_book
from domain.db.uow import UnitOfWork
from domain.audit import trail as audit
from domain.kernel.actor import Actor
from domain.servicing.cob_sets import (
    CURRENT,
    DEFAULT_BUCKETS,
    I,
    L,
    LC,
    PO,
    RUN,
    TMP_DELTA,
    TMP_DPD,
    TMP_FEE,
    TMP_LOAN,
    TMP_UNPAID,
    accrual_targets,
    active_loans,
    analyze,
    bucket_case,
    clear_temp,
    current_installments,
    day,
    days_between,
    late_source_key,
    later_money,
    not_paid,
    paid_as_of,
    prepare_temp,
)

@dataclass(frozen=True)
class CobResult:
    business_date: date
    loans: int  # active loans disbursed on or before the date
    accrual_loans: int  # loans with a non-zero accrual posted
    interest_accrued_minor: int
    delinquent_loans: int
    late_fees: int
    late_fees_minor: int


def _sign_rows(debit_account: str, credit_account: str):
    """Two constant rows (account, sign): each amount becomes a debit and a credit posting."""
    return union_all(
        select(literal(debit_account, String).label("account"),
               literal_column("1", Integer).label("sign")),
        select(literal(credit_account, String), literal_column("-1", Integer)),
    ).subquery("side")


def _post_from(s, entry_id: str, code: str, on: date, memo: str, source: Table,
               debit_account: str, credit_account: str) -> None:
    """One journal entry with a debit and a credit posting per row of `source`
    (loan_id, amount_minor), through the journal writer's set-based back-end (one
    INSERT ... SELECT, then checked to balance like every other entry)."""
    side = _sign_rows(debit_account, credit_account)
    rows = (select(literal(entry_id, String), side.c.account, source.c.loan_id,
                   source.c.amount_minor * side.c.sign)
            .select_from(source.join(side, true()))
            .order_by(source.c.loan_id, side.c.sign.desc()))
    journal.write_selected(s, entry_id, code, on, memo, rows)


def _count_sum(s, table: Table) -> tuple[int, int]:
    n, total = s.execute(select(func.count(),
                                func.coalesce(func.sum(table.c.amount_minor), 0))).one()
    return int(n), int(total)


# --- one business date -----------------------------------------------------------------------

def close_date(on: date, actor: Actor, url: str | None = None) -> CobResult | None:
    """Close business date `on` in one transaction; None if it was already closed."""
    actor.require_permission("cob.run")
    with UnitOfWork(url) as s:
        if s.get(CobRun, on) is not None:
            return None
        try:  # claims the date: a concurrent run of the same date waits here, then fails
            s.execute(insert(RUN).values(business_date=on, loans=0, interest_accrued_minor=0,
                                         late_fees=0, late_fees_minor=0, started_at=utcnow()))
        except IntegrityError:
            s.rollback()
            return None
        lock_book(s)  # payments, returns and refunds on any loan wait for the close (db/locks)
        conn = s.connection()
        dialect = conn.dialect.name
        if dialect == "postgresql":
            # the planner over-costs these statements (the start-date fallback's subplans,
            # never executed) and would spend far longer JIT-compiling them than running them
            conn.execute(text("SET LOCAL jit = off"))
            # grouped payments of the whole book: hash aggregates in memory, not on disk
            conn.execute(text("SET LOCAL work_mem = '64MB'"))
        prepare_temp(conn)
        s.execute(insert(TMP_LOAN).from_select(
            ["loan_id", "schedule_version", "disbursement_date", "late_fee_minor", "grace_days",
             "bounds", "boarded_on"], active_loans(dialect, on)))
        analyze(conn, TMP_LOAN)
        loans = int(s.execute(select(func.count()).select_from(TMP_LOAN)).scalar())
        # delinquency first: PostgreSQL's foreign-key checks of the postings then lock loan
        # rows this transaction has already rewritten, instead of dirtying them twice
        delinquent = _delinquency(s, dialect, on)
        accrual_loans, accrued = _accrue(s, dialect, on)
        fees, fees_minor = _late_fees(s, dialect, on)
        clear_temp(conn)
        result = CobResult(on, loans, accrual_loans, accrued, delinquent, fees, fees_minor)
        s.execute(update(RUN).where(RUN.c.business_date == on).values(
            loans=loans, interest_accrued_minor=accrued, late_fees=fees,
            late_fees_minor=fees_minor, finished_at=utcnow()))
        counters = {k: v for k, v in asdict(result).items() if k != "business_date"}
        audit.record(s, actor, "cob.completed", "cob", on.isoformat(), None, counters)
        return result


def _accrue(s, dialect: str, on: date) -> tuple[int, int]:
    target = accrual_targets(dialect, on)
    income = (select(PO.c.loan_id, func.sum(PO.c.amount_minor).label("income"))
              .select_from(PO.join(TMP_LOAN, TMP_LOAN.c.loan_id == PO.c.loan_id))
              .where(PO.c.account == ledger.INTEREST_INCOME)
              .group_by(PO.c.loan_id).subquery("income"))
    delta = target.c.target + func.coalesce(income.c.income, 0)  # income postings are credits
    s.execute(insert(TMP_DELTA).from_select(
        ["loan_id", "amount_minor"],
        select(target.c.loan_id, delta)
        .select_from(target.outerjoin(income, income.c.loan_id == target.c.loan_id))
        .where(delta != 0)))
    n, total = _count_sum(s, TMP_DELTA)
    if n:
        _post_from(s, f"cob-accrual-{on.isoformat()}", ledger.ACCRUAL, on,
                   "Interest accrued (close of business)", TMP_DELTA,
                   ledger.INTEREST_RECEIVABLE, ledger.INTEREST_INCOME)
    return n, total


def _delinquency(s, dialect: str, on: date) -> int:
    conn = s.connection()
    paid = paid_as_of(on, dated=later_money(s, on))
    s.execute(insert(TMP_UNPAID).from_select(
        ["loan_id", "schedule_version", "number", "due_date"],
        select(I.c.loan_id, I.c.schedule_version, I.c.number, I.c.due_date)
        .select_from(current_installments().outerjoin(
            paid, and_(paid.c.loan_id == I.c.loan_id, paid.c.installment_number == I.c.number)))
        .where(I.c.due_date < day(on), not_paid(paid))))
    analyze(conn, TMP_UNPAID)
    oldest = (select(TMP_UNPAID.c.loan_id, func.min(TMP_UNPAID.c.due_date).label("oldest"))
              .group_by(TMP_UNPAID.c.loan_id).subquery("oldest"))
    s.execute(insert(TMP_DPD).from_select(
        ["loan_id", "dpd", "bounds"],
        select(oldest.c.loan_id, days_between(dialect, day(on), oldest.c.oldest),
               TMP_LOAN.c.bounds)
        .select_from(oldest.join(TMP_LOAN, TMP_LOAN.c.loan_id == oldest.c.loan_id))))
    d = TMP_DPD.c
    for b in [b for (b,) in s.execute(select(d.bounds).distinct())]:  # a few in a book
        bounds = tuple(int(x) for x in json.loads(b)) if b else DEFAULT_BUCKETS
        s.execute(update(TMP_DPD).where(d.bounds == b if b is not None else d.bounds.is_(None))
                  .values(bucket=bucket_case(d.dpd, bounds)))
    analyze(conn, TMP_DPD)
    # every active loan, once: delinquent ones from cob_dpd, the others current
    state = (select(TMP_LOAN.c.loan_id, func.coalesce(d.dpd, 0).label("dpd"),
                    func.coalesce(d.bucket, CURRENT).label("bucket"))
             .select_from(TMP_LOAN.outerjoin(TMP_DPD, d.loan_id == TMP_LOAN.c.loan_id))
             .subquery("state"))
    s.execute(update(L).where(L.c.id == state.c.loan_id)
              .values(days_past_due=state.c.dpd, delinquency_bucket=state.c.bucket,
                      last_cob_date=day(on)))
    return int(s.execute(select(func.count()).select_from(TMP_DPD)).scalar())


def _late_fees(s, dialect: str, on: date) -> tuple[int, int]:
    u, lo = TMP_UNPAID.c, TMP_LOAN.c
    key = late_source_key(u.loan_id, u.schedule_version, u.number)
    s.execute(insert(TMP_FEE).from_select(
        ["loan_id", "schedule_version", "number", "amount_minor"],
        select(u.loan_id, u.schedule_version, u.number, lo.late_fee_minor)
        .select_from(TMP_UNPAID.join(TMP_LOAN, lo.loan_id == u.loan_id))
        .where(lo.late_fee_minor > 0, days_between(dialect, day(on), u.due_date) > lo.grace_days,
               or_(lo.boarded_on.is_(None),  # boarded: not what was late before boarding
                   days_between(dialect, lo.boarded_on, u.due_date) <= lo.grace_days + 1),
               # once per installment, whatever schedule version charged it (a modification
               # keeps the installments already due, numbers and all)
               ~exists().where(LC.c.loan_id == u.loan_id, LC.c.kind == "late",
                               LC.c.installment_number == u.number))))
    n, total = _count_sum(s, TMP_FEE)
    if not n:
        return 0, 0
    entry_id = f"cob-fees-{on.isoformat()}"
    f = TMP_FEE.c
    s.execute(insert(LC).from_select(
        ["loan_id", "kind", "installment_number", "amount_minor", "assessed_on", "source_key",
         "journal_entry_id", "recorded_at"],
        select(f.loan_id, literal("late", String), f.number, f.amount_minor, day(on),
               late_source_key(f.loan_id, f.schedule_version, f.number),
               literal(entry_id, String), literal(utcnow(), LC.c.recorded_at.type))
        .order_by(f.loan_id, f.number)))
    _post_from(s, entry_id, ledger.FEE, on, "Late fees (close of business)", TMP_FEE,
               ledger.FEES_RECEIVABLE, ledger.FEE_INCOME)
    return n, total


# --- the book --------------------------------------------------------------------------------

def pending_dates(through: date, url: str | None = None) -> list[date]:
    """Business dates COB still has to close, in order, up to `through`: from the day after
    the last closed date, or (never run) from the earliest active loan's disbursement."""
    with UnitOfWork(url) as s:
        last = s.execute(select(func.max(RUN.c.business_date))).scalar()
        if last is not None:
            first = last + timedelta(days=1)
        else:
            earliest = s.execute(select(func.min(L.c.disbursement_date))
                                 .where(L.c.status == "active")).scalar()
            first = min(earliest, through) if earliest else through
    return [first + timedelta(days=k) for k in range((through - first).days + 1)]


def run_cob(through: date, actor: Actor, url: str | None = None) -> list[CobResult]:
    """Close every pending business date through `through`, each in its own transaction;
    a date closed before is skipped, so a rerun changes nothing."""
    actor.require_permission("cob.run")
    from domain.servicing import settlement  # bank-file debits past their return window
    settlement.settle_matured(through, actor, url)
    results = []
    for d in pending_dates(through, url):
        r = close_date(d, actor, url)
        if r is not None:
            results.append(r)
    return results

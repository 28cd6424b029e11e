"""Close of business (COB) for the whole book, set-based.

For each business date D, in order and each in its own transaction:

1. interest accrual: per active loan, target = `accrual.accrued_through(current schedule, D)`,
   already accrued = minus the loan's postings on interest income; the difference is posted
   (debit interest receivable, credit interest income) in ONE entry `cob-accrual-D` whose
   postings come from one INSERT ... SELECT;
2. delinquency: days past due of the oldest current installment that fell due before D and is
   not fully paid as of D (`accrual.days_past_due`), bucketed by the loan's frozen
   `delinquency_buckets` (`accrual.bucket`), cached on the loan by UPDATE ... FROM;
3. late fees: one `late` charge per unpaid installment more than `late_fee_grace_days` past due
   (source key `late:{loan}:{version}:{number}`), posted in ONE entry `cob-fees-D`;
4. a `cob_run` row and one audit record.

Every statement is SQLAlchemy Core that runs on SQLite and PostgreSQL; nothing loops over loans
in Python. Intermediate sets live in temporary tables of the transaction's connection.
"""
import json
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from sqlalchemy import (BigInteger, Column, Date, Integer, MetaData, String, Table, and_, case,
                        cast, exists, func, insert, literal, literal_column, or_, select, text,
                        true, union_all, update)
from sqlalchemy.exc import IntegrityError

from domain import accrual, ledger
from domain.db.tables import (CobRun, Installment, JournalEntry, Loan, LoanCharge, Payment,
                              PaymentAllocation, PaymentReversal, Posting, utcnow)
from domain.db.uow import UnitOfWork
from domain.services import audit
from domain.services.actor import Actor
from domain.terms import ProductTerms

L = Loan.__table__
I = Installment.__table__
PA = PaymentAllocation.__table__
PAY = Payment.__table__
REV = PaymentReversal.__table__
PO = Posting.__table__
JE = JournalEntry.__table__
LC = LoanCharge.__table__
RUN = CobRun.__table__

_DEFAULTS = ProductTerms.__dataclass_fields__
DEFAULT_GRACE_DAYS = _DEFAULTS["late_fee_grace_days"].default
DEFAULT_BUCKETS = tuple(_DEFAULTS["delinquency_buckets"].default)


@dataclass(frozen=True)
class CobResult:
    business_date: date
    loans: int  # active loans disbursed on or before the date
    accrual_loans: int  # loans with a non-zero accrual posted
    interest_accrued_minor: int
    delinquent_loans: int
    late_fees: int
    late_fees_minor: int


# --- dialect helpers -------------------------------------------------------------------------

def days_between(dialect: str, later, earlier):
    """Whole days `later - earlier` as an integer expression on either engine."""
    if dialect == "postgresql":
        return cast(later - earlier, Integer)  # date - date is an integer number of days
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def _day(d: date):
    return literal(d, Date)


# Temporary tables: created per business date on the transaction's connection, dropped before
# commit (and dropped if left over at start, whatever the engine).
_tmp = MetaData()
TMP_DELTA = Table("cob_delta", _tmp, Column("loan_id", Integer), Column("amount_minor", BigInteger),
                  prefixes=["TEMPORARY"])
TMP_UNPAID = Table("cob_unpaid", _tmp, Column("loan_id", Integer),
                   Column("schedule_version", Integer), Column("number", Integer),
                   Column("due_date", Date), prefixes=["TEMPORARY"])
TMP_DPD = Table("cob_dpd", _tmp, Column("loan_id", Integer, primary_key=True, autoincrement=False),
                Column("dpd", Integer), Column("bounds", String), prefixes=["TEMPORARY"])
TMP_FEE = Table("cob_fee", _tmp, Column("loan_id", Integer), Column("schedule_version", Integer),
                Column("number", Integer), Column("amount_minor", BigInteger),
                prefixes=["TEMPORARY"])
TEMP_TABLES = (TMP_DELTA, TMP_UNPAID, TMP_DPD, TMP_FEE)


def _drop_temp(conn, dialect: str) -> None:
    schema = "pg_temp" if dialect == "postgresql" else "temp"
    for t in TEMP_TABLES:
        conn.execute(text(f"DROP TABLE IF EXISTS {schema}.{t.name}"))


def _analyze(conn, dialect: str, table: Table) -> None:
    """PostgreSQL never auto-analyzes temporary tables; without statistics it guesses sizes."""
    if dialect == "postgresql":
        conn.execute(text(f"ANALYZE {table.name}"))


# --- set expressions -------------------------------------------------------------------------

def _active(on: date):
    return and_(L.c.status == "active", L.c.disbursement_date <= _day(on))


def _current_installments():
    """Installments of each loan's current schedule version."""
    return I.join(L, and_(L.c.id == I.c.loan_id, L.c.schedule_version == I.c.schedule_version))


def _start_date():
    """An installment's period start; rows migrated without one start at the previous due
    date (or the disbursement date for the first)."""
    prev = I.alias("prev")
    previous_due = (select(func.max(prev.c.due_date))
                    .where(prev.c.loan_id == I.c.loan_id,
                           prev.c.schedule_version == I.c.schedule_version,
                           prev.c.number < I.c.number)
                    .scalar_subquery())
    return func.coalesce(I.c.start_date, previous_due, L.c.disbursement_date)


def accrual_targets(dialect: str, on: date):
    """Per active loan: `accrual.accrued_through(current schedule, on)`, summed over
    installments of floor(interest * elapsed / length), elapsed clamped to [0, length]; a
    period of no length accrues in full on its due date."""
    start = _start_date()
    spans = (select(I.c.loan_id, cast(I.c.interest_minor, BigInteger).label("interest"),
                    I.c.due_date,
                    days_between(dialect, I.c.due_date, start).label("length"),
                    days_between(dialect, _day(on), start).label("elapsed"))
             .select_from(_current_installments()).where(_active(on)).subquery("spans"))
    length, elapsed = spans.c.length, spans.c.elapsed
    clamped = case((elapsed < 0, 0), (elapsed > length, length), else_=elapsed)
    accrued = case(
        (length <= 0, case((_day(on) >= spans.c.due_date, spans.c.interest), else_=0)),
        # both operands integers: `//` renders a plain `/`, integer division on both engines,
        # which is the floor for the non-negative values here
        else_=(spans.c.interest * cast(clamped, BigInteger)) // cast(length, BigInteger))
    return (select(spans.c.loan_id, func.sum(accrued).label("target"))
            .group_by(spans.c.loan_id).subquery("target"))


def paid_as_of(on: date):
    """Amount applied per (loan, installment) by payments received on or before `on`, net of
    reversals made on or before `on` (their allocation rows are negative)."""
    effective = func.coalesce(REV.c.reversed_on, PAY.c.received_on)
    return (select(PA.c.loan_id, PA.c.installment_number,
                   func.sum(PA.c.principal_minor + PA.c.interest_minor + PA.c.fee_minor)
                   .label("paid"))
            .select_from(PA.join(PAY, PAY.c.id == PA.c.payment_id)
                         .outerjoin(REV, REV.c.id == PA.c.reversal_id))
            .where(PA.c.installment_number > 0, effective <= _day(on))
            .group_by(PA.c.loan_id, PA.c.installment_number)
            .subquery("paid"))


def bucket_case(dpd, bounds: tuple[int, ...]):
    """`accrual.bucket` as a CASE over a days-past-due expression."""
    whens = [(dpd < bounds[0], literal(accrual.bucket(0, bounds)))]
    whens += [(dpd < high, literal(accrual.bucket(low, bounds)))
              for low, high in zip(bounds, bounds[1:])]
    return case(*whens, else_=literal(accrual.bucket(bounds[-1], bounds)))


def _sign_rows(debit_account: str, credit_account: str):
    """Two constant rows (account, sign): each delta becomes a debit and a credit posting."""
    return union_all(
        select(literal(debit_account, String).label("account"),
               literal_column("1", Integer).label("sign")),
        select(literal(credit_account, String), literal_column("-1", Integer)),
    ).subquery("side")


def _post_from(s, entry_id: str, code: str, on: date, memo: str, source: Table,
               debit_account: str, credit_account: str) -> None:
    """One journal entry with a debit and a credit posting per row of `source`
    (loan_id, amount_minor), in one INSERT ... SELECT."""
    s.execute(insert(JE).values(id=entry_id, code=code, loan_id=None, effective_date=on,
                                memo=memo, recorded_at=utcnow()))
    side = _sign_rows(debit_account, credit_account)
    rows = (select(literal(entry_id, String), side.c.account, source.c.loan_id,
                   source.c.amount_minor * side.c.sign)
            .select_from(source.join(side, true()))
            .order_by(source.c.loan_id, side.c.sign.desc()))
    s.execute(insert(PO).from_select(["entry_id", "account", "loan_id", "amount_minor"], rows))


# --- one business date -----------------------------------------------------------------------

def close_date(on: date, actor: Actor, url: str | None = None) -> CobResult | None:
    """Close business date `on` in one transaction; None if it was already closed."""
    actor.require("admin")
    with UnitOfWork(url) as s:
        if s.get(CobRun, on) is not None:
            return None
        try:  # claims the date: a concurrent run of the same date waits here, then fails
            s.execute(insert(RUN).values(business_date=on, loans=0, interest_accrued_minor=0,
                                         late_fees=0, late_fees_minor=0, started_at=utcnow()))
        except IntegrityError:
            s.rollback()
            return None
        conn = s.connection()
        dialect = conn.dialect.name
        _drop_temp(conn, dialect)
        for t in TEMP_TABLES:
            t.create(conn)
        loans = int(s.execute(select(func.count()).select_from(L).where(_active(on))).scalar())
        accrual_loans, accrued = _accrue(s, dialect, on)
        delinquent = _delinquency(s, dialect, on)
        fees, fees_minor = _late_fees(s, dialect, on)
        _drop_temp(conn, dialect)
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
              .where(PO.c.account == ledger.INTEREST_INCOME, PO.c.loan_id.is_not(None))
              .group_by(PO.c.loan_id).subquery("income"))
    delta = target.c.target + func.coalesce(income.c.income, 0)  # income postings are credits
    s.execute(insert(TMP_DELTA).from_select(
        ["loan_id", "amount_minor"],
        select(target.c.loan_id, delta)
        .select_from(target.outerjoin(income, income.c.loan_id == target.c.loan_id))
        .where(delta != 0)))
    n, total = s.execute(select(func.count(), func.coalesce(func.sum(TMP_DELTA.c.amount_minor), 0))
                         ).one()
    if n:
        _post_from(s, f"cob-accrual-{on.isoformat()}", ledger.ACCRUAL, on,
                   "Interest accrued (close of business)", TMP_DELTA,
                   ledger.INTEREST_RECEIVABLE, ledger.INTEREST_INCOME)
    return int(n), int(total)


def _delinquency(s, dialect: str, on: date) -> int:
    conn = s.connection()
    paid = paid_as_of(on)
    due = I.c.principal_minor + I.c.interest_minor + I.c.fee_minor
    s.execute(insert(TMP_UNPAID).from_select(
        ["loan_id", "schedule_version", "number", "due_date"],
        select(I.c.loan_id, I.c.schedule_version, I.c.number, I.c.due_date)
        .select_from(_current_installments().outerjoin(
            paid, and_(paid.c.loan_id == I.c.loan_id, paid.c.installment_number == I.c.number)))
        .where(_active(on), I.c.due_date < _day(on), func.coalesce(paid.c.paid, 0) < due)))
    _analyze(conn, dialect, TMP_UNPAID)
    oldest = (select(TMP_UNPAID.c.loan_id, func.min(TMP_UNPAID.c.due_date).label("oldest"))
              .group_by(TMP_UNPAID.c.loan_id).subquery("oldest"))
    bounds_text = L.c.terms["delinquency_buckets"].as_string()
    s.execute(insert(TMP_DPD).from_select(
        ["loan_id", "dpd", "bounds"],
        select(oldest.c.loan_id, days_between(dialect, _day(on), oldest.c.oldest), bounds_text)
        .select_from(oldest.join(L, L.c.id == oldest.c.loan_id))))
    _analyze(conn, dialect, TMP_DPD)
    groups = [b for (b,) in s.execute(select(TMP_DPD.c.bounds).distinct())]
    for b in groups:  # a handful of distinct bucket definitions in a book
        bounds = tuple(int(x) for x in json.loads(b)) if b else DEFAULT_BUCKETS
        s.execute(update(L)
                  .where(L.c.id == TMP_DPD.c.loan_id,
                         (TMP_DPD.c.bounds == b) if b is not None else TMP_DPD.c.bounds.is_(None))
                  .values(days_past_due=TMP_DPD.c.dpd,
                          delinquency_bucket=bucket_case(TMP_DPD.c.dpd, bounds),
                          last_cob_date=_day(on)))
    # every other active loan is current
    s.execute(update(L)
              .where(_active(on), or_(L.c.last_cob_date.is_(None), L.c.last_cob_date < _day(on)))
              .values(days_past_due=0, delinquency_bucket=accrual.bucket(0, DEFAULT_BUCKETS),
                      last_cob_date=_day(on)))
    return int(s.execute(select(func.count()).select_from(TMP_DPD)).scalar())


def late_source_key(loan_id, schedule_version, number):
    """`late:{loan_id}:{schedule_version}:{number}` as an expression (columns) or a string."""
    if isinstance(loan_id, int):
        return f"late:{loan_id}:{schedule_version}:{number}"
    return (literal("late:", String) + cast(loan_id, String) + literal(":", String)
            + cast(schedule_version, String) + literal(":", String) + cast(number, String))


def _late_fees(s, dialect: str, on: date) -> tuple[int, int]:
    u = TMP_UNPAID
    fee = func.coalesce(L.c.terms["late_fee_minor"].as_integer(), 0)
    grace = func.coalesce(L.c.terms["late_fee_grace_days"].as_integer(), DEFAULT_GRACE_DAYS)
    key = late_source_key(u.c.loan_id, u.c.schedule_version, u.c.number)
    s.execute(insert(TMP_FEE).from_select(
        ["loan_id", "schedule_version", "number", "amount_minor"],
        select(u.c.loan_id, u.c.schedule_version, u.c.number, cast(fee, BigInteger))
        .select_from(u.join(L, L.c.id == u.c.loan_id))
        .where(fee > 0, days_between(dialect, _day(on), u.c.due_date) > grace,
               ~exists().where(LC.c.source_key == key))))
    n, total = s.execute(select(func.count(), func.coalesce(func.sum(TMP_FEE.c.amount_minor), 0))
                         ).one()
    if not n:
        return 0, 0
    entry_id = f"cob-fees-{on.isoformat()}"
    f = TMP_FEE
    s.execute(insert(LC).from_select(
        ["loan_id", "kind", "installment_number", "amount_minor", "assessed_on", "source_key",
         "journal_entry_id", "recorded_at"],
        select(f.c.loan_id, literal("late", String), f.c.number, f.c.amount_minor, _day(on),
               late_source_key(f.c.loan_id, f.c.schedule_version, f.c.number),
               literal(entry_id, String), literal(utcnow(), LC.c.recorded_at.type))
        .order_by(f.c.loan_id, f.c.number)))
    _post_from(s, entry_id, ledger.FEE, on, "Late fees (close of business)", TMP_FEE,
               ledger.FEES_RECEIVABLE, ledger.FEE_INCOME)
    return int(n), int(total)


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
    actor.require("admin")
    results = []
    for d in pending_dates(through, url):
        r = close_date(d, actor, url)
        if r is not None:
            results.append(r)
    return results

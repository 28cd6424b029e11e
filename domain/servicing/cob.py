"""Close of business (COB) for the whole book, set-based.

For each business date D, in order and each in its own transaction:

1. interest accrual: per active loan, target = `accrual.accrued_through(current schedule, D)`,
   already accrued = minus the loan's postings on interest income; the difference is posted
   (debit interest receivable, credit interest income) in ONE entry `cob-accrual-D` whose
   postings come from one INSERT ... SELECT;
2. delinquency: days past due of the oldest current installment that fell due before D and is
   not fully paid as of D (`accrual.days_past_due`), bucketed by the loan's frozen
   `delinquency_buckets` (`accrual.bucket`), cached on the loan by one UPDATE ... FROM;
3. late fees: one `late` charge per unpaid installment more than `late_fee_grace_days` past due
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

from sqlalchemy import (BigInteger, Column, Date, Integer, MetaData, String, Table, Text, and_,
                        case, cast, column, delete, exists, func, insert, literal, literal_column,
                        or_, select, text, true, union_all, update)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateTable

from domain.calculation import accrual
from domain.ledger import entries as ledger, journal
from domain.db.onboarding_tables import OnboardedLoan
from domain.db.tables import (CobRun, Installment, Loan, LoanCharge, Payment,
                              PaymentAllocation, PaymentReversal, Posting, utcnow)
from domain.db.uow import UnitOfWork
from domain.audit import trail as audit
from domain.kernel.actor import Actor
from domain.calculation.terms import ProductTerms

L = Loan.__table__
I = Installment.__table__
PA = PaymentAllocation.__table__
PAY = Payment.__table__
REV = PaymentReversal.__table__
PO = Posting.__table__
LC = LoanCharge.__table__
RUN = CobRun.__table__
OL = OnboardedLoan.__table__

_DEFAULTS = ProductTerms.__dataclass_fields__
DEFAULT_GRACE_DAYS = _DEFAULTS["late_fee_grace_days"].default
DEFAULT_BUCKETS = tuple(_DEFAULTS["delinquency_buckets"].default)
CURRENT = accrual.bucket(0, DEFAULT_BUCKETS)  # 'current' whatever the bounds (they start >= 1)


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


# --- temporary tables ------------------------------------------------------------------------
# Private to the connection; created once per connection (PostgreSQL empties them at each
# commit) and emptied before and after each business date.
_tmp = MetaData()


def _temp_table(name: str, *columns: Column) -> Table:
    return Table(name, _tmp, *columns, prefixes=["TEMPORARY"],
                 postgresql_on_commit="DELETE ROWS")


def _key(name: str) -> Column:
    return Column(name, Integer, primary_key=True, autoincrement=False)


# the active loans of the date, with the settings COB reads from their frozen terms
TMP_LOAN = _temp_table("cob_loan", _key("loan_id"), Column("schedule_version", Integer),
                       Column("disbursement_date", Date), Column("late_fee_minor", BigInteger),
                       Column("grace_days", Integer), Column("bounds", String),
                       Column("boarded_on", Date))
TMP_DELTA = _temp_table("cob_delta", _key("loan_id"), Column("amount_minor", BigInteger))
TMP_UNPAID = _temp_table("cob_unpaid", Column("loan_id", Integer),
                         Column("schedule_version", Integer), Column("number", Integer),
                         Column("due_date", Date))
TMP_DPD = _temp_table("cob_dpd", _key("loan_id"), Column("dpd", Integer),
                      Column("bounds", String), Column("bucket", String))
TMP_FEE = _temp_table("cob_fee", Column("loan_id", Integer), Column("schedule_version", Integer),
                      Column("number", Integer), Column("amount_minor", BigInteger))
TEMP_TABLES = (TMP_LOAN, TMP_DELTA, TMP_UNPAID, TMP_DPD, TMP_FEE)


def _prepare_temp(conn) -> None:
    for t in TEMP_TABLES:
        conn.execute(CreateTable(t, if_not_exists=True))
    _clear_temp(conn)


def _clear_temp(conn) -> None:
    for t in TEMP_TABLES:
        conn.execute(delete(t))


def _analyze(conn, table: Table) -> None:
    """PostgreSQL never auto-analyzes temporary tables; without statistics it guesses sizes."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ANALYZE {table.name}"))


# --- set expressions -------------------------------------------------------------------------

def _active(on: date):
    return and_(L.c.status == "active", L.c.disbursement_date <= _day(on))


def active_loans(dialect: str, on: date):
    """Active loans disbursed on or before `on`, with late fee, grace days and bucket bounds
    (as JSON text) read from their frozen terms with each engine's JSON functions (PostgreSQL:
    `json_to_record`, which parses each document once instead of once per field)."""
    if dialect == "postgresql":
        rec = (func.json_to_record(L.c.terms)
               .table_valued(column("late_fee_minor", BigInteger),
                             column("late_fee_grace_days", Integer),
                             column("delinquency_buckets", Text))
               .render_derived(name="terms", with_types=True))
        fee, grace, bounds = (rec.c.late_fee_minor, rec.c.late_fee_grace_days,
                              rec.c.delinquency_buckets)
        source = L.join(rec, true())
    else:
        terms = L.c.terms
        fee, grace = terms["late_fee_minor"].as_integer(), terms["late_fee_grace_days"].as_integer()
        bounds = terms["delinquency_buckets"].as_string()
        source = L
    return (select(L.c.id, L.c.schedule_version, L.c.disbursement_date,
                   cast(func.coalesce(fee, 0), BigInteger),
                   func.coalesce(grace, DEFAULT_GRACE_DAYS), bounds, OL.c.boarded_on)
            .select_from(source.outerjoin(OL, OL.c.loan_id == L.c.id)).where(_active(on)))


def _current_installments():
    """Installments of the current schedule version of each active loan."""
    c = TMP_LOAN.c
    return I.join(TMP_LOAN, and_(c.loan_id == I.c.loan_id,
                                 c.schedule_version == I.c.schedule_version))


def _start_date():
    """An installment's period start; rows migrated without one start at the previous due
    date (or the disbursement date for the first)."""
    prev = I.alias("prev")
    previous_due = (select(func.max(prev.c.due_date))
                    .where(prev.c.loan_id == I.c.loan_id,
                           prev.c.schedule_version == I.c.schedule_version,
                           prev.c.number < I.c.number)
                    .scalar_subquery())
    return func.coalesce(I.c.start_date, previous_due, TMP_LOAN.c.disbursement_date)


def accrual_targets(dialect: str, on: date):
    """Per active loan: `accrual.accrued_through(current schedule, on)`, the sum over its
    installments of floor(interest * elapsed / length) with elapsed clamped to [0, length].
    Written as: in full once due (elapsed = length, or a period of no length on its due date),
    nothing before its start, a share only for the period in progress, so the day arithmetic
    runs on one installment per loan instead of all of them."""
    start = _start_date()
    d = _day(on)
    in_progress = (cast(I.c.interest_minor, BigInteger)
                   * cast(days_between(dialect, d, start), BigInteger)
                   # integer operands: `//` renders a plain `/`, integer division on both
                   # engines, which is the floor for these non-negative values
                   // cast(days_between(dialect, I.c.due_date, start), BigInteger))
    accrued = case((I.c.due_date <= d, cast(I.c.interest_minor, BigInteger)),
                   (start >= d, literal_column("0", BigInteger)),
                   else_=in_progress)
    return (select(I.c.loan_id, func.sum(accrued).label("target"))
            .select_from(_current_installments())
            .group_by(I.c.loan_id).subquery("target"))


def paid_as_of(on: date, dated: bool = True):
    """Amount applied per (active loan, installment) by payments received on or before `on`,
    net of reversals made on or before `on` (their allocation rows are negative). Undated
    (`dated=False`, when no payment or reversal is later than `on`, as in a daily run) it is
    the same sum without reading the payments."""
    source = PA.join(TMP_LOAN, TMP_LOAN.c.loan_id == PA.c.loan_id)
    where = [PA.c.installment_number > 0]
    if dated:
        source = (source.join(PAY, PAY.c.id == PA.c.payment_id)
                  .outerjoin(REV, REV.c.id == PA.c.reversal_id))
        where.append(func.coalesce(REV.c.reversed_on, PAY.c.received_on) <= _day(on))
    return (select(PA.c.loan_id, PA.c.installment_number,
                   func.sum(PA.c.principal_minor + PA.c.interest_minor + PA.c.fee_minor)
                   .label("paid"))
            .select_from(source).where(*where)
            .group_by(PA.c.loan_id, PA.c.installment_number)
            .subquery("paid"))


def _later_money(s, on: date) -> bool:
    """Is any payment or reversal dated after `on` (COB catching up on past dates)?"""
    return bool(s.execute(select(or_(
        exists().where(PAY.c.received_on > _day(on)),
        exists().where(REV.c.reversed_on > _day(on))))).scalar())


def bucket_case(dpd, bounds: tuple[int, ...]):
    """`accrual.bucket` as a CASE over a days-past-due expression."""
    whens = [(dpd < bounds[0], literal(accrual.bucket(0, bounds)))]
    whens += [(dpd < high, literal(accrual.bucket(low, bounds)))
              for low, high in zip(bounds, bounds[1:])]
    return case(*whens, else_=literal(accrual.bucket(bounds[-1], bounds)))


def late_source_key(loan_id, schedule_version, number):
    """`late:{loan_id}:{schedule_version}:{number}` as an expression (columns) or a string."""
    if isinstance(loan_id, int):
        return f"late:{loan_id}:{schedule_version}:{number}"
    return (literal("late:", String) + cast(loan_id, String) + literal(":", String)
            + cast(schedule_version, String) + literal(":", String) + cast(number, String))


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
        conn = s.connection()
        dialect = conn.dialect.name
        if dialect == "postgresql":
            # the planner over-costs these statements (the start-date fallback's subplans,
            # never executed) and would spend far longer JIT-compiling them than running them
            conn.execute(text("SET LOCAL jit = off"))
            # grouped payments of the whole book: hash aggregates in memory, not on disk
            conn.execute(text("SET LOCAL work_mem = '64MB'"))
        _prepare_temp(conn)
        s.execute(insert(TMP_LOAN).from_select(
            ["loan_id", "schedule_version", "disbursement_date", "late_fee_minor", "grace_days",
             "bounds", "boarded_on"], active_loans(dialect, on)))
        _analyze(conn, TMP_LOAN)
        loans = int(s.execute(select(func.count()).select_from(TMP_LOAN)).scalar())
        # delinquency first: PostgreSQL's foreign-key checks of the postings then lock loan
        # rows this transaction has already rewritten, instead of dirtying them twice
        delinquent = _delinquency(s, dialect, on)
        accrual_loans, accrued = _accrue(s, dialect, on)
        fees, fees_minor = _late_fees(s, dialect, on)
        _clear_temp(conn)
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
    paid = paid_as_of(on, dated=_later_money(s, on))
    due = I.c.principal_minor + I.c.interest_minor + I.c.fee_minor
    s.execute(insert(TMP_UNPAID).from_select(
        ["loan_id", "schedule_version", "number", "due_date"],
        select(I.c.loan_id, I.c.schedule_version, I.c.number, I.c.due_date)
        .select_from(_current_installments().outerjoin(
            paid, and_(paid.c.loan_id == I.c.loan_id, paid.c.installment_number == I.c.number)))
        .where(I.c.due_date < _day(on), func.coalesce(paid.c.paid, 0) < due)))
    _analyze(conn, TMP_UNPAID)
    oldest = (select(TMP_UNPAID.c.loan_id, func.min(TMP_UNPAID.c.due_date).label("oldest"))
              .group_by(TMP_UNPAID.c.loan_id).subquery("oldest"))
    s.execute(insert(TMP_DPD).from_select(
        ["loan_id", "dpd", "bounds"],
        select(oldest.c.loan_id, days_between(dialect, _day(on), oldest.c.oldest),
               TMP_LOAN.c.bounds)
        .select_from(oldest.join(TMP_LOAN, TMP_LOAN.c.loan_id == oldest.c.loan_id))))
    d = TMP_DPD.c
    for b in [b for (b,) in s.execute(select(d.bounds).distinct())]:  # a few in a book
        bounds = tuple(int(x) for x in json.loads(b)) if b else DEFAULT_BUCKETS
        s.execute(update(TMP_DPD).where(d.bounds == b if b is not None else d.bounds.is_(None))
                  .values(bucket=bucket_case(d.dpd, bounds)))
    _analyze(conn, TMP_DPD)
    # every active loan, once: delinquent ones from cob_dpd, the others current
    state = (select(TMP_LOAN.c.loan_id, func.coalesce(d.dpd, 0).label("dpd"),
                    func.coalesce(d.bucket, CURRENT).label("bucket"))
             .select_from(TMP_LOAN.outerjoin(TMP_DPD, d.loan_id == TMP_LOAN.c.loan_id))
             .subquery("state"))
    s.execute(update(L).where(L.c.id == state.c.loan_id)
              .values(days_past_due=state.c.dpd, delinquency_bucket=state.c.bucket,
                      last_cob_date=_day(on)))
    return int(s.execute(select(func.count()).select_from(TMP_DPD)).scalar())


def _late_fees(s, dialect: str, on: date) -> tuple[int, int]:
    u, lo = TMP_UNPAID.c, TMP_LOAN.c
    key = late_source_key(u.loan_id, u.schedule_version, u.number)
    s.execute(insert(TMP_FEE).from_select(
        ["loan_id", "schedule_version", "number", "amount_minor"],
        select(u.loan_id, u.schedule_version, u.number, lo.late_fee_minor)
        .select_from(TMP_UNPAID.join(TMP_LOAN, lo.loan_id == u.loan_id))
        .where(lo.late_fee_minor > 0, days_between(dialect, _day(on), u.due_date) > lo.grace_days,
               or_(lo.boarded_on.is_(None),  # boarded: not what was late before boarding
                   days_between(dialect, lo.boarded_on, u.due_date) <= lo.grace_days + 1),
               ~exists().where(LC.c.source_key == key))))
    n, total = _count_sum(s, TMP_FEE)
    if not n:
        return 0, 0
    entry_id = f"cob-fees-{on.isoformat()}"
    f = TMP_FEE.c
    s.execute(insert(LC).from_select(
        ["loan_id", "kind", "installment_number", "amount_minor", "assessed_on", "source_key",
         "journal_entry_id", "recorded_at"],
        select(f.loan_id, literal("late", String), f.number, f.amount_minor, _day(on),
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
    results = []
    for d in pending_dates(through, url):
        r = close_date(d, actor, url)
        if r is not None:
            results.append(r)
    return results

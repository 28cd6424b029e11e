"""The sets close of business computes, in SQLAlchemy Core that runs on SQLite and PostgreSQL:
the active loans with the settings read from their frozen terms, each loan's accrual target,
what was paid as of a date, the temporary tables the steps share, and the few dialect helpers.
`cob` runs them, one business date per transaction."""
from datetime import date

from sqlalchemy import (BigInteger, Column, Date, Integer, MetaData, String, Table, Text, and_,
                        case, cast, column, delete, exists, func, literal, literal_column, or_,
                        select, text, true)
from sqlalchemy.schema import CreateTable

from domain.calculation import accrual
from domain.calculation.terms import ProductTerms
from domain.db.onboarding_tables import OnboardedLoan
from domain.db.tables import (CobRun, Installment, Loan, LoanCharge, Payment,
                              PaymentAllocation, PaymentReversal, Posting)

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


# --- dialect helpers -------------------------------------------------------------------------

def days_between(dialect: str, later, earlier):
    """Whole days `later - earlier` as an integer expression on either engine."""
    if dialect == "postgresql":
        return cast(later - earlier, Integer)  # date - date is an integer number of days
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def day(d: date):
    return literal(d, Date)


# --- temporary tables ------------------------------------------------------------------------
# Private to the connection; created once per connection (PostgreSQL empties them at each
# commit) and emptied before and after each business date.
_tmp = MetaData()


def temp_table(name: str, *columns: Column) -> Table:
    return Table(name, _tmp, *columns, prefixes=["TEMPORARY"],
                 postgresql_on_commit="DELETE ROWS")


def key_column(name: str) -> Column:
    return Column(name, Integer, primary_key=True, autoincrement=False)


# the active loans of the date, with the settings COB reads from their frozen terms
TMP_LOAN = temp_table("cob_loan", key_column("loan_id"), Column("schedule_version", Integer),
                       Column("disbursement_date", Date), Column("late_fee_minor", BigInteger),
                       Column("grace_days", Integer), Column("bounds", String),
                       Column("boarded_on", Date))
TMP_DELTA = temp_table("cob_delta", key_column("loan_id"), Column("amount_minor", BigInteger))
TMP_UNPAID = temp_table("cob_unpaid", Column("loan_id", Integer),
                         Column("schedule_version", Integer), Column("number", Integer),
                         Column("due_date", Date))
TMP_DPD = temp_table("cob_dpd", key_column("loan_id"), Column("dpd", Integer),
                      Column("bounds", String), Column("bucket", String))
TMP_FEE = temp_table("cob_fee", Column("loan_id", Integer), Column("schedule_version", Integer),
                      Column("number", Integer), Column("amount_minor", BigInteger))
TEMP_TABLES = (TMP_LOAN, TMP_DELTA, TMP_UNPAID, TMP_DPD, TMP_FEE)


def prepare_temp(conn) -> None:
    for t in TEMP_TABLES:
        conn.execute(CreateTable(t, if_not_exists=True))
    clear_temp(conn)


def clear_temp(conn) -> None:
    for t in TEMP_TABLES:
        conn.execute(delete(t))


def analyze(conn, table: Table) -> None:
    """PostgreSQL never auto-analyzes temporary tables; without statistics it guesses sizes."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ANALYZE {table.name}"))


# --- set expressions -------------------------------------------------------------------------

def active(on: date):
    return and_(L.c.status == "active", L.c.disbursement_date <= day(on))


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
            .select_from(source.outerjoin(OL, OL.c.loan_id == L.c.id)).where(active(on)))


def current_installments():
    """Installments of the current schedule version of each active loan."""
    c = TMP_LOAN.c
    return I.join(TMP_LOAN, and_(c.loan_id == I.c.loan_id,
                                 c.schedule_version == I.c.schedule_version))


def start_date():
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
    start = start_date()
    d = day(on)
    in_progress = (cast(I.c.interest_minor, BigInteger)
                   * cast(days_between(dialect, d, start), BigInteger)
                   # integer operands: `//` renders a plain `/`, integer division on both
                   # engines, which is the floor for these non-negative values
                   // cast(days_between(dialect, I.c.due_date, start), BigInteger))
    accrued = case((I.c.due_date <= d, cast(I.c.interest_minor, BigInteger)),
                   (start >= d, literal_column("0", BigInteger)),
                   else_=in_progress)
    return (select(I.c.loan_id, func.sum(accrued).label("target"))
            .select_from(current_installments())
            .group_by(I.c.loan_id).subquery("target"))


def paid_as_of(on: date, dated: bool = True):
    """Per (active loan, installment), what payments received on or before `on` applied, net of
    reversals made on or before `on` (their allocation rows are negative): principal and
    interest together (`principal_interest`) and fees (`fee`: scheduled fee and charges, one
    component in allocation rows). Undated (`dated=False`, when no payment or reversal is later
    than `on`, as in a daily run) it is the same sum without reading the payments."""
    source = PA.join(TMP_LOAN, TMP_LOAN.c.loan_id == PA.c.loan_id)
    where = [PA.c.installment_number > 0]
    if dated:
        source = (source.join(PAY, PAY.c.id == PA.c.payment_id)
                  .outerjoin(REV, REV.c.id == PA.c.reversal_id))
        where.append(func.coalesce(REV.c.reversed_on, PAY.c.received_on) <= day(on))
    return (select(PA.c.loan_id, PA.c.installment_number,
                   func.sum(PA.c.principal_minor + PA.c.interest_minor)
                   .label("principal_interest"),
                   func.sum(PA.c.fee_minor).label("fee"))
            .select_from(source).where(*where)
            .group_by(PA.c.loan_id, PA.c.installment_number)
            .subquery("paid"))


def not_paid(paid):
    """`not accrual.installment_paid(...)` over an installment row (I) outer-joined to its
    `paid_as_of` sums: scheduled principal + interest + installment fee not yet covered by
    principal + interest paid and, of the fee money paid, at most the scheduled fee (the rest
    paid charges, which never count)."""
    fee = func.coalesce(paid.c.fee, 0)
    counted = (func.coalesce(paid.c.principal_interest, 0)
               + case((fee < I.c.fee_minor, fee), else_=I.c.fee_minor))
    return counted < I.c.principal_minor + I.c.interest_minor + I.c.fee_minor


def later_money(s, on: date) -> bool:
    """Is any payment or reversal dated after `on` (COB catching up on past dates)?"""
    return bool(s.execute(select(or_(
        exists().where(PAY.c.received_on > day(on)),
        exists().where(REV.c.reversed_on > day(on))))).scalar())


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

"""Booking validated onboarding rows, set-based: each chunk of rows becomes one bulk write
per table (borrowers, applications, loans, installments, journal entries and postings,
catch-up payments and allocations, audit rows; domain.db.bulk_write), all inside the
batch's one transaction. Ids are reserved up front (a sequence on PostgreSQL; on SQLite the
batch row written first holds the write lock, so max(id) cannot move), so Loan IDs are known
before the insert and nothing is read back row by row. On PostgreSQL the reads a chunk needs
(sequence values, existing borrowers: domain.onboarding.reads) go over a second
connection, so they never wait for the COPY of the chunks before, which runs meanwhile.
"""
import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from domain.ledger import entries as ledger
from domain.calculation.accrual import Period, accrued_through
from domain.db.onboarding_tables import OnboardedLoan, OnboardingRow
from domain.db.tables import (AppUser, Application, AuditLog, Installment, JournalEntry, Loan,
                              LoanCharge, Payment, PaymentAllocation, Posting, utcnow)
from domain.access.accounts import UNUSABLE_PASSWORD
from domain.audit import trail as audit
from domain.ledger import journal
from domain.kernel.actor import Actor
from domain.db.bulk_checks import ReferentialCheck
from domain.db.bulk_write import BulkWriter, Json
from domain.onboarding.reads import Reader
from domain.db.tables import CobRun

APP_COLUMNS = ("id", "borrower_id", "product_id", "product_version", "channel", "amount_minor",
               "term", "monthly_income_minor", "purpose", "installment_minor", "status",
               "stage", "created_at", "decision", "applicant", "external_ref")
LOAN_COLUMNS = ("id", "loan_number", "application_id", "borrower_id", "product_id",
                "product_version", "product_name", "terms", "principal_minor", "term",
                "disbursement_date", "status", "booked_at", "schedule_version",
                "days_past_due", "delinquency_bucket")
INSTALLMENT_COLUMNS = ("loan_id", "schedule_version", "number", "start_date", "due_date",
                       "principal_minor", "interest_minor", "fee_minor")
CHARGE_COLUMNS = ("loan_id", "kind", "installment_number", "amount_minor", "assessed_on",
                  "source_key", "journal_entry_id", "recorded_at")
REF_COLUMNS = ("loan_id", "source", "external_ref", "batch_id", "row_number", "method",
               "boarded_on")
ROW_COLUMNS = ("batch_id", "row_number", "external_ref", "loan_id", "status", "errors")


@dataclass
class Context:
    batch_id: int
    source: str
    method: str
    filename: str
    sha256: str
    actor: Actor
    as_of: date
    accrual_date: date | None  # last business date closed: accrual is caught up to it
    recorder_id: int
    borrowers: dict = field(default_factory=dict)  # email -> user id, across chunks
    written: int = 0
    accrual_started: bool = False
    frozen: dict = field(default_factory=dict)  # ProductTerms -> its stored copy (JSON text)
    tails: dict = field(default_factory=dict)  # id(schedule) -> (schedule, installment rows)
    writer: BulkWriter | None = None
    reader: Reader | None = None
    check: ReferentialCheck | None = None


WRITES = (AppUser, Application, Loan, Installment, JournalEntry, Payment, PaymentAllocation,
          Posting, LoanCharge, OnboardedLoan, OnboardingRow, AuditLog)


def start(s, ctx: Context) -> None:
    ctx.writer, ctx.reader = BulkWriter(s), Reader(s)
    ctx.check = ReferentialCheck(s, [t.__table__ for t in WRITES])
    if ctx.check.on:  # rows of tables without a sequence or parent are found by their keys
        ctx.writer.record = (set(ctx.check.tables) - set(ctx.check.starts)
                             - set(ctx.check.anchors))
        ctx.writer.anchors = {t: col for t, (col, _p, _s) in ctx.check.anchors.items()}


def finish(s, ctx: Context) -> None:
    """Wait for the last chunk's write (its errors surface here), then check its references
    set-based (bulk_checks); the session is free after."""
    try:
        ctx.writer.flush()
        ctx.writer.wait()
    finally:
        ctx.writer.close()
        ctx.reader.close()
    ctx.check.verify(s, ctx.writer.written, ctx.writer.keys, ctx.writer.counts)


def abandon(ctx: Context) -> None:
    """After a failure: drop what is not written, wait out a running write, ignore its error
    (the transaction rolls back anyway)."""
    if ctx.writer is not None:
        ctx.writer.drop()
        try:
            ctx.writer.wait()
        except Exception:  # noqa: BLE001  the first failure is the one reported
            pass
        ctx.writer.close()
    if ctx.reader is not None:
        ctx.reader.close()


def _borrowers(ctx: Context, chunk) -> None:
    wanted = {r.email: r for r, *_ in chunk if r.email not in ctx.borrowers}
    if not wanted:
        return
    for uid, email in ctx.reader.users(list(wanted)):
        ctx.borrowers[email] = uid
    new = [r for e, r in wanted.items() if e not in ctx.borrowers]
    ids = ctx.reader.ids("app_user", len(new))
    now = utcnow()
    ctx.writer.add(AppUser.__table__, ("id", "email", "name", "role", "password_hash",
                                       "active", "created_at"),
                   [(i, r.email, r.name, "borrower", UNUSABLE_PASSWORD, True, now)
                    for i, r in zip(ids, new)])
    _audit(ctx, [("user.created", "user", i, {"email": r.email, "role": "borrower"})
                 for i, r in zip(ids, new)], "opened for a boarded loan")
    ctx.borrowers.update((r.email, i) for i, r in zip(ids, new))


def _audit(ctx: Context, rows, reason: str = "") -> None:
    if rows:
        now = utcnow()
        ctx.writer.add_dicts(AuditLog.__table__, audit.bulk_entries(ctx.actor, rows, reason,
                                                                    now))


def _frozen(ctx: Context, terms) -> Json:
    frozen = ctx.frozen.get(terms)
    if frozen is None:  # one stored copy per distinct terms, not one asdict per loan
        frozen = ctx.frozen[terms] = Json(json.dumps(terms.to_dict()))
    return frozen


def _tails(ctx: Context, sched):
    """A schedule's installment rows without their loan id: COPY text on PostgreSQL, tuples
    on SQLite. Loans sharing a schedule object (domain.calculation.schedule_templates) share these."""
    if len(ctx.tails) > 4096:
        ctx.tails.clear()
    rows = [(1, i.number, i.start_date.isoformat(), i.due_date.isoformat(), i.principal_minor,
             i.interest_minor, i.fee_minor) for i in sched.installments]
    if ctx.writer.postgres:
        rows = ["\t".join(map(str, r)) for r in rows]
    tails = ctx.tails[id(sched)] = (sched, rows)  # the schedule kept: its id stays unique
    return tails


def book_chunk(s, ctx: Context, chunk) -> list[tuple[int, int, str]]:
    """chunk: (Row, product, loan terms, schedule, seasoning) tuples. Returns (row number,
    loan id, Loan ID) per row. The rows are written by `ctx.writer` (on PostgreSQL while the
    caller goes on); `finish` waits for the last of them."""
    audit.unsealed(s)  # the chain links the bulk-written audit rows at commit
    _borrowers(ctx, chunk)
    n = len(chunk)
    app_ids, loan_ids = ctx.reader.ids("application", n), ctx.reader.ids("loan", n)
    pay_ids = iter(ctx.reader.ids("payment", sum(len(c[4].payments) for c in chunk if c[4])))
    now = utcnow()
    apps, loans, insts, entries, pays, allocs, audits, refs, out, charges = (
        [] for _ in range(10))
    decision = Json(json.dumps({"outcome": "onboarded", "reasons": [
        f"boarded from {ctx.source} ({ctx.method})"]}))
    copy, lines = ctx.writer.postgres, 0
    for (row, product, terms, sched, season), app_id, loan_id in zip(chunk, app_ids, loan_ids):
        number = f"LN-{loan_id:06d}"
        borrower = ctx.borrowers[row.email]
        apps.append((app_id, borrower, product.id, product.version, "onboarding",
                     row.amount_minor, row.term, 0, "", sched.installment_minor, "booked",
                     "booked", now, decision,
                     {"name": row.name, "email": row.email,
                      "date_of_birth": row.date_of_birth.isoformat(), "address": row.address},
                     row.external_ref[:100]))
        loans.append((loan_id, number, app_id, borrower, product.id, product.version,
                      product.name, _frozen(ctx, terms), sched.principal_minor, row.term,
                      row.funding_date, "active", now, 1,
                      season.days_past_due if season else 0,
                      season.bucket if season else "current"))
        tails = ctx.tails.get(id(sched))
        if tails is None:
            tails = _tails(ctx, sched)
        if copy:  # one string of COPY lines per loan
            prefix = f"{loan_id}\t"
            insts.append(prefix + ("\n" + prefix).join(tails[1]))
            lines += len(tails[1])
        else:
            insts.extend((loan_id, *t) for t in tails[1])
        fee = terms.origination_fee_minor
        entries.append(ledger.disbursement(
            f"disb-{number}", loan_id, row.funding_date, sched.principal_minor,
            financed_fee_minor=fee if terms.origination_fee_financed else 0,
            deducted_fee_minor=0 if terms.origination_fee_financed else fee))
        paid = None
        if season and season.payments:
            paid = _catch_up(ctx, pays, allocs, entries, now, pay_ids, loan_id, number,
                             season)
        if season and season.fee_installment is not None:  # after the payments to date
            charges.append((loan_id, "boarded", season.fee_installment, row.fees_due_minor,
                            ctx.as_of, f"onboard-fees:{loan_id}", f"fees-{number}", now))
            entries.append(ledger.fee_charge(
                f"fees-{number}", loan_id, ctx.as_of, row.fees_due_minor,
                f"Fees owed when boarded from {ctx.source}"[:200]))
        refs.append((loan_id, ctx.source, row.external_ref, ctx.batch_id, row.number,
                     ctx.method, ctx.as_of))
        audits.append(("loan.onboarded", "loan", number, {
            "method": ctx.method, "source": ctx.source, "file": ctx.filename,
            "sha256": ctx.sha256, "row": row.number, "external_ref": row.external_ref,
            "batch": ctx.batch_id, "product": row.product_code,
            "principal_minor": sched.principal_minor, "installments": len(sched.installments),
            "funding_date": row.funding_date.isoformat(), "payments_to_date_minor": paid,
            "fees_due_minor": row.fees_due_minor}))
        out.append((row.number, loan_id, number))
    accrual = _accrual(ctx, chunk, loan_ids)
    opened = frozenset()
    if accrual is not None:  # the batch's one entry: opened by its first chunk
        entries.append(accrual)
        opened = frozenset({accrual.entry_id} if ctx.accrual_started else ())
        ctx.accrual_started = True
    w = ctx.writer
    w.add(Application.__table__, APP_COLUMNS, apps)
    w.add(Loan.__table__, LOAN_COLUMNS, loans)
    if copy:
        w.add_lines(Installment.__table__, INSTALLMENT_COLUMNS, insts, lines)
    else:
        w.add(Installment.__table__, INSTALLMENT_COLUMNS, insts, plain=True)
    journal.write(s, entries, into=w, recorded_at=now, continuing=opened)
    w.add_dicts(Payment.__table__, pays)
    w.add_dicts(PaymentAllocation.__table__, allocs)
    w.add(LoanCharge.__table__, CHARGE_COLUMNS, charges)
    w.add(OnboardedLoan.__table__, REF_COLUMNS, refs)
    _audit(ctx, audits)
    ctx.written += n
    return out


def _catch_up(ctx, pays, allocs, entries, now, pay_ids, loan_id, number, season):
    """The payments to date (one total on the boarding date, or each dated one), allocated
    by the loan's rule as `domain.onboarding.rows.season` split them."""
    for k, (on, amount, split) in enumerate(season.payments):
        pay_id, key = next(pay_ids), f"onboard-{number}-{k + 1}"
        pays.append(dict(id=pay_id, loan_id=loan_id, idempotency_key=key, amount_minor=amount,
                         received_on=on, method="regular",
                         reason=f"paid before boarding ({ctx.source})",
                         recorded_by=ctx.recorder_id, journal_entry_id=f"pay-{key}",
                         recorded_at=now, channel="import"))
        total = {"principal": 0, "interest": 0, "fee": 0, "advance": 0}
        for a in split:
            allocs.append(dict(payment_id=pay_id, loan_id=loan_id, installment_number=a.number,
                               principal_minor=a.principal_minor,
                               interest_minor=a.interest_minor, fee_minor=a.fee_minor,
                               advance_minor=a.advance_minor, reversal_id=None))
            for c in total:
                total[c] += getattr(a, f"{c}_minor")
        entries.append(ledger.repayment(
            f"pay-{key}", loan_id, on, total["principal"], total["interest"], total["fee"],
            total["advance"]))
    return sum(a for _, a, _ in season.payments)


def _accrual(ctx: Context, chunk, loan_ids) -> ledger.Entry | None:
    """Interest accrued from funding through the last closed business date (COB carries on
    from the next date): this chunk's lines of the batch's one catch-up accrual entry, a
    debit and a credit per loan, so each chunk balances on its own."""
    if ctx.accrual_date is None:
        return None
    lines = []
    for (row, _p, _t, sched, _s), loan_id in zip(chunk, loan_ids):
        accrued = accrued_through([Period(i.number, i.start_date, i.due_date, i.interest_minor,
                                          0) for i in sched.installments], ctx.accrual_date)
        if accrued:
            lines.append(ledger.Line(ledger.INTEREST_RECEIVABLE, accrued, loan_id))
            lines.append(ledger.Line(ledger.INTEREST_INCOME, -accrued, loan_id))
    if not lines:
        return None
    return ledger.Entry(accrual_entry_id(ctx.batch_id), ledger.ACCRUAL, ctx.accrual_date, None,
                        tuple(lines), "Interest accrued before boarding")


def accrual_entry_id(batch_id: int) -> str:
    return f"onb-accrual-{batch_id}"


def row_results(ctx: Context, results) -> None:
    """results: (row number, external ref, loan id or None, status, issues or None); the
    chunk's rows are all added: write them (on PostgreSQL in the background)."""
    ctx.writer.add(OnboardingRow.__table__, ROW_COLUMNS,
                   [(ctx.batch_id, n, ref[:100], loan_id, status, errors)
                    for n, ref, loan_id, status, errors in results])
    ctx.writer.flush()


def last_closed_date(s):
    return s.execute(select(func.max(CobRun.business_date))).scalar()

"""Booking validated onboarding rows, set-based: each chunk of rows becomes a handful of
executemany inserts (borrowers, applications, loans, installments, journal entries and
postings, catch-up payments and allocations, audit rows), all inside the batch's one
transaction. Ids are reserved up front (a sequence on PostgreSQL; on SQLite the batch row
written first holds the write lock, so max(id) cannot move), so Loan IDs are known before
the insert and nothing is read back row by row.
"""
import json
import os
import time
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import JSON, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from domain import ledger
from domain.accrual import Period, accrued_through
from domain.db.onboarding_tables import OnboardedLoan, OnboardingRow
from domain.db.tables import (AppUser, Application, AuditLog, Installment, JournalEntry, Loan,
                              Payment, PaymentAllocation, Posting, utcnow)
from domain.services import audit, journal
from domain.services.actor import Actor

UNUSABLE_PASSWORD = "!"  # opened for a boarded loan: cannot sign in until claimed
# Test-only (documented in README "Loan onboarding"): "N:SECONDS" sleeps inside the booking
# transaction after N rows are written, so a test can kill the process mid-batch.
SLEEP_HOOK = "LENDBOOK_ONBOARD_SLEEP_AFTER"


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
    frozen: dict = field(default_factory=dict)  # ProductTerms -> its stored copy


def reserve_ids(s, table: str, n: int) -> list[int]:
    if n == 0:
        return []
    if s.get_bind().dialect.name == "postgresql":
        return list(s.execute(text(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
            "FROM generate_series(1, :n)"), {"n": n}).scalars())
    start = s.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar() + 1
    return list(range(start, start + n))


def bulk_insert(s, table, rows: list[dict]) -> None:
    """Many rows into one table in the session's transaction: COPY on PostgreSQL (the
    executemany there is a statement per row), executemany on SQLite."""
    if not rows:
        return
    if s.get_bind().dialect.name != "postgresql":
        s.execute(insert(table), rows)
        return
    import psycopg
    cols = list(rows[0])
    json_cols = {c for c in cols if isinstance(table.c[c].type, JSON)}
    conn = s.connection().connection.driver_connection
    sql = f"COPY {table.name} ({', '.join(cols)}) FROM STDIN"
    try:
        with conn.cursor().copy(sql) as cp:
            for r in rows:
                cp.write_row([json.dumps(r[c]) if c in json_cols and r[c] is not None
                              else r[c] for c in cols])
    except psycopg.IntegrityError as e:  # as SQLAlchemy reports it on SQLite
        raise IntegrityError(sql, None, e) from e


def _borrowers(s, ctx: Context, chunk) -> None:
    wanted = {r.email: r for r, *_ in chunk if r.email not in ctx.borrowers}
    if not wanted:
        return
    for uid, email in s.execute(select(AppUser.id, AppUser.email)
                                .where(AppUser.email.in_(list(wanted)))):
        ctx.borrowers[email] = uid
    new = [r for e, r in wanted.items() if e not in ctx.borrowers]
    ids = reserve_ids(s, "app_user", len(new))
    now = utcnow()
    bulk_insert(s, AppUser.__table__, [
        dict(id=i, email=r.email, name=r.name, role="borrower", password_hash=UNUSABLE_PASSWORD,
             active=True, created_at=now) for i, r in zip(ids, new)])
    _audit(s, ctx, [("user.created", "user", i, {"email": r.email, "role": "borrower"})
                    for i, r in zip(ids, new)], "opened for a boarded loan")
    ctx.borrowers.update((r.email, i) for i, r in zip(ids, new))


def _audit(s, ctx: Context, rows, reason: str = "") -> None:
    if rows:
        now = utcnow()
        bulk_insert(s, AuditLog.__table__, [audit.entry(ctx.actor, a, e, i, None, after,
                                                        reason, now)
                                            for a, e, i, after in rows])
        audit.unsealed(s)  # the chain links these rows at commit (COPY bypasses the ORM)


def _journal_rows(entries, postings, now, e: ledger.Entry) -> None:
    journal.bulk_rows(e, entries, postings, now)


def book_chunk(s, ctx: Context, chunk) -> list[tuple[int, int, str]]:
    """chunk: (Row, product, loan terms, schedule, seasoning) tuples. Returns (row number,
    loan id, Loan ID) per row."""
    _borrowers(s, ctx, chunk)
    n = len(chunk)
    app_ids, loan_ids = reserve_ids(s, "application", n), reserve_ids(s, "loan", n)
    pay_ids = iter(reserve_ids(s, "payment", sum(len(c[4].payments) for c in chunk if c[4])))
    now = utcnow()
    apps, loans, insts, entries, postings, pays, allocs, audits, refs, out = ([] for _ in range(10))
    for (row, product, terms, sched, season), app_id, loan_id in zip(chunk, app_ids, loan_ids):
        number = f"LN-{loan_id:06d}"
        borrower = ctx.borrowers[row.email]
        frozen = ctx.frozen.get(terms)
        if frozen is None:  # one copy per distinct terms, not one asdict per loan
            frozen = ctx.frozen[terms] = terms.to_dict()
        apps.append(dict(id=app_id, borrower_id=borrower, product_id=product.id,
                         product_version=product.version, channel="onboarding",
                         amount_minor=row.amount_minor, term=row.term, monthly_income_minor=0,
                         purpose="", installment_minor=sched.installment_minor,
                         status="booked", stage="booked", created_at=now,
                         decision={"outcome": "onboarded", "reasons": [
                             f"boarded from {ctx.source} ({ctx.method})"]},
                         applicant={"name": row.name, "email": row.email,
                                    "date_of_birth": row.date_of_birth.isoformat(),
                                    "address": row.address},
                         external_ref=row.external_ref[:100]))
        loans.append(dict(id=loan_id, loan_number=number, application_id=app_id,
                          borrower_id=borrower, product_id=product.id,
                          product_version=product.version, product_name=product.name,
                          terms=frozen, principal_minor=sched.principal_minor, term=row.term,
                          disbursement_date=row.funding_date, status="active", booked_at=now,
                          schedule_version=1,
                          days_past_due=season.days_past_due if season else 0,
                          delinquency_bucket=season.bucket if season else "current"))
        insts.extend(dict(loan_id=loan_id, schedule_version=1, number=i.number,
                          start_date=i.start_date, due_date=i.due_date,
                          principal_minor=i.principal_minor, interest_minor=i.interest_minor,
                          fee_minor=i.fee_minor) for i in sched.installments)
        fee = terms.origination_fee_minor
        _journal_rows(entries, postings, now, ledger.disbursement(
            f"disb-{number}", loan_id, row.funding_date, sched.principal_minor,
            financed_fee_minor=fee if terms.origination_fee_financed else 0,
            deducted_fee_minor=0 if terms.origination_fee_financed else fee))
        paid = None
        if season and season.payments:
            paid = _catch_up(ctx, pays, allocs, entries, postings, now, pay_ids, loan_id,
                             number, season)
        refs.append(dict(loan_id=loan_id, source=ctx.source, external_ref=row.external_ref,
                         batch_id=ctx.batch_id, row_number=row.number, method=ctx.method))
        audits.append(("loan.onboarded", "loan", number, {
            "method": ctx.method, "source": ctx.source, "file": ctx.filename,
            "sha256": ctx.sha256, "row": row.number, "external_ref": row.external_ref,
            "batch": ctx.batch_id, "product": row.product_code,
            "principal_minor": sched.principal_minor, "installments": len(sched.installments),
            "funding_date": row.funding_date.isoformat(), "payments_to_date_minor": paid}))
        out.append((row.number, loan_id, number))
    accrual = _accrual_rows(ctx, chunk, loan_ids)
    if accrual and not ctx.accrual_started:  # the batch's one entry, on first use
        entries.append(dict(id=accrual_entry_id(ctx.batch_id), code=ledger.ACCRUAL,
                            loan_id=None, effective_date=ctx.accrual_date,
                            memo="Interest accrued before boarding", recorded_at=now))
        ctx.accrual_started = True
    bulk_insert(s, Application.__table__, apps)
    bulk_insert(s, Loan.__table__, loans)
    bulk_insert(s, Installment.__table__, insts)
    bulk_insert(s, JournalEntry.__table__, entries)
    if pays:
        bulk_insert(s, Payment.__table__, pays)
        bulk_insert(s, PaymentAllocation.__table__, allocs)
    bulk_insert(s, Posting.__table__, postings + accrual)
    bulk_insert(s, OnboardedLoan.__table__, refs)
    _audit(s, ctx, audits)
    ctx.written += n
    _maybe_sleep(ctx.written, n)
    return out


def _catch_up(ctx, pays, allocs, entries, postings, now, pay_ids, loan_id, number, season):
    """The payments to date (one total on the boarding date, or each dated one), allocated
    by the loan's rule as `domain.onboarding.season` split them."""
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
        _journal_rows(entries, postings, now, ledger.repayment(
            f"pay-{key}", loan_id, on, total["principal"], total["interest"], total["fee"],
            total["advance"]))
    return sum(a for _, a, _ in season.payments)


def _accrual_rows(ctx: Context, chunk, loan_ids) -> list[dict]:
    """Interest accrued from funding through the last closed business date (COB carries on
    from the next date), as postings of the batch's one catch-up accrual entry."""
    if ctx.accrual_date is None:
        return []
    entry_id = accrual_entry_id(ctx.batch_id)
    rows = []
    for (row, _p, _t, sched, _s), loan_id in zip(chunk, loan_ids):
        accrued = accrued_through([Period(i.number, i.start_date, i.due_date, i.interest_minor,
                                          0) for i in sched.installments], ctx.accrual_date)
        if accrued:
            rows.append(dict(entry_id=entry_id, account=ledger.INTEREST_RECEIVABLE,
                             loan_id=loan_id, amount_minor=accrued))
            rows.append(dict(entry_id=entry_id, account=ledger.INTEREST_INCOME,
                             loan_id=loan_id, amount_minor=-accrued))
    return rows


def accrual_entry_id(batch_id: int) -> str:
    return f"onb-accrual-{batch_id}"


def row_results(s, batch_id: int, results) -> None:
    """results: (row number, external ref, loan id or None, status, issues or None)."""
    if results:
        bulk_insert(s, OnboardingRow.__table__, [
            dict(batch_id=batch_id, row_number=n, external_ref=ref[:100], loan_id=loan_id,
                 status=status, errors=errors) for n, ref, loan_id, status, errors in results])


def _maybe_sleep(written: int, n: int) -> None:
    hook = os.environ.get(SLEEP_HOOK)
    if hook:
        after, seconds = hook.split(":")
        if written - n < int(after) <= written:
            import sys
            print(f"onboarding: {written} rows written, sleeping {seconds}s (test hook)",
                  file=sys.stderr, flush=True)
            time.sleep(float(seconds))


def last_closed_date(s):
    from domain.db.tables import CobRun
    return s.execute(select(func.max(CobRun.business_date))).scalar()

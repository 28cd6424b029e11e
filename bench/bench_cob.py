"""Close of business: set-based SQL over the whole book against a naive per-loan ORM loop.

    .venv/bin/python -m bench.bench_cob [--loans 100000] [--engine sqlite|postgresql|both]

Builds a book of N loans with bulk Core inserts (applications, loans, installments, one payment
per loan with its allocations; not through the booking service), closes one business date with
`domain.servicing.cob` (timed, whole book), then runs the naive loop (ORM load of each loan and
its installments, `domain.calculation.accrual` in Python, postings and loan update one by one) on a sample
of loans for the next date, and prints the cost per loan of each and their ratio.
PostgreSQL: creates and drops its own database `lendbook_bench_<hex>`. Not part of `make test`.
"""
import argparse
import os
import random
import shutil
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, insert, select, text
from sqlmodel import Session

from domain.calculation import accrual
from domain.ledger import entries as ledger
from domain.db.engine import get_engine
from domain.db.migrate import upgrade
from domain.db.tables import (AppUser, Application, CobRun, Installment, Loan, Payment,
                              PaymentAllocation, Product, ProductVersion)
from domain.calculation.schedule import build
from domain.ledger import journal
from domain.kernel.actor import SYSTEM
from domain.servicing.cob import close_date
from domain.calculation.terms import ProductTerms

PG_ADMIN_URL = os.environ.get("LENDBOOK_TEST_PG_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BUSINESS_DATE = date(2026, 6, 30)  # the date timed; the book is disbursed over the year before
REFERENCE = date(2025, 1, 1)  # schedules are built once at this date and shifted per loan
CHUNK = 5000

PRODUCTS = [  # (code, terms, terms offered)
    ("MONTHLY", ProductTerms(100000, 2500000, 6, 36, Decimal("11.99"), "monthly",
                             late_fee_minor=2500, late_fee_grace_days=10), (6, 12, 18, 24)),
    ("BIWEEKLY", ProductTerms(100000, 2500000, 6, 52, Decimal("7.5"), "biweekly",
                              day_count="actual/365"), (12, 26)),
    ("WEEKLY", ProductTerms(100000, 2500000, 8, 52, Decimal("19.9"), "weekly",
                            late_fee_minor=500, late_fee_grace_days=3,
                            delinquency_buckets=(1, 8, 15, 30, 60)), (12, 26)),
]
AMOUNTS = [k * 100000 for k in range(1, 26)]  # 1,000.00 .. 25,000.00


@contextmanager
def database(engine: str):
    """A fresh, migrated database of the engine, removed afterwards."""
    if engine == "sqlite":
        folder = tempfile.mkdtemp(prefix="lendbook_bench_")
        url = f"sqlite:///{folder}/bench.db"
        try:
            upgrade(url)
            yield url
        finally:
            get_engine(url).dispose()
            shutil.rmtree(folder, ignore_errors=True)
        return
    import psycopg
    name = f"lendbook_bench_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://"),
                            autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        get_engine(url).dispose()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _templates():
    """Schedule rows per (product, amount, term), built once at REFERENCE."""
    out = {}
    for p, (_, terms, offered) in enumerate(PRODUCTS):
        for amount in AMOUNTS:
            for n in offered:
                sched = build(terms.schedule_terms(amount, n, REFERENCE))
                out[p, amount, n] = [((i.start_date - REFERENCE).days,
                                      (i.due_date - REFERENCE).days, i.principal_minor,
                                      i.interest_minor, i.fee_minor)
                                     for i in sched.installments]
    return out


def build_book(url: str, n: int, seed: int = 7) -> dict:
    """N loans disbursed over the year before BUSINESS_DATE: ~85% paid up to date (those whose
    schedule has ended are paid off), ~10% missed their last 1-3 installments, ~5% paid half
    and part of the next. Returns counts."""
    rng = random.Random(seed)
    templates = _templates()
    now = datetime.now(timezone.utc)
    engine = get_engine(url)
    counts = dict(loans=n, installments=0, allocations=0, active=0)
    with engine.begin() as c:
        c.execute(insert(AppUser.__table__), [
            dict(id=1, email="borrower@bench.test", name="Bench borrower", role="borrower",
                 password_hash="x", active=True, created_at=now),
            dict(id=2, email="servicer@bench.test", name="Bench servicer", role="servicer",
                 password_hash="x", active=True, created_at=now)])
        for p, (code, terms, _) in enumerate(PRODUCTS, start=1):
            c.execute(insert(Product.__table__).values(id=p, code=code, name=code,
                                                       current_version=1, active=True,
                                                       created_at=now))
            c.execute(insert(ProductVersion.__table__).values(
                id=p, product_id=p, code=code, version=1, status="published", name=code,
                terms=terms.to_dict(), created_at=now, published_at=now))
    for first in range(1, n + 1, CHUNK):
        apps, loans, insts, pays, allocs = [], [], [], [], []
        for loan_id in range(first, min(first + CHUNK, n + 1)):
            p = rng.randrange(len(PRODUCTS))
            code, terms, offered = PRODUCTS[p]
            amount, term = rng.choice(AMOUNTS), rng.choice(offered)
            disbursed = BUSINESS_DATE - timedelta(days=rng.randint(1, 365))
            shift = (disbursed - REFERENCE).days
            rows = templates[p, amount, term]
            apps.append(dict(id=loan_id, borrower_id=1, product_id=p + 1, product_version=1,
                             channel="bench", amount_minor=amount, term=term,
                             monthly_income_minor=10_000_000, purpose="",
                             installment_minor=rows[0][2] + rows[0][3], status="booked",
                             decision={}, created_at=now))
            due = [(k, REFERENCE + timedelta(days=s + shift), REFERENCE + timedelta(days=d + shift),
                    pr, it, fee) for k, (s, d, pr, it, fee) in enumerate(rows, start=1)]
            for k, start, due_date, pr, it, fee in due:
                insts.append(dict(loan_id=loan_id, schedule_version=1, number=k,
                                  start_date=start, due_date=due_date, principal_minor=pr,
                                  interest_minor=it, fee_minor=fee))
            fallen_due = [d for d in due if d[2] < BUSINESS_DATE]
            r = rng.random()
            if r < 0.85:
                paid = fallen_due
                partial = None
            elif r < 0.95:
                paid = fallen_due[:max(len(fallen_due) - rng.randint(1, 3), 0)]
                partial = None
            else:
                paid = fallen_due[:len(fallen_due) // 2]
                partial = due[len(paid)] if len(paid) < len(due) else None
            status = "paid_off" if len(paid) == len(due) else "active"
            counts["active"] += status == "active"
            loans.append(dict(id=loan_id, loan_number=f"LN-{loan_id:06d}",
                              application_id=loan_id, borrower_id=1, product_id=p + 1,
                              product_version=1, product_name=code, terms=terms.to_dict(),
                              principal_minor=amount, term=term, disbursement_date=disbursed,
                              status=status, booked_at=now, schedule_version=1,
                              closed_on=BUSINESS_DATE - timedelta(days=1)
                              if status == "paid_off" else None,
                              days_past_due=0, delinquency_bucket="current", last_cob_date=None))
            parts = [(k, pr, it, fee) for k, _, _, pr, it, fee in paid]
            if partial is not None:
                k, _, _, pr, it, fee = partial
                parts.append((k, 0, it // 2, 0))
            if parts:
                received = min(BUSINESS_DATE - timedelta(days=1),
                               max((paid or [partial])[-1][2], disbursed))
                pays.append(dict(id=loan_id, loan_id=loan_id, idempotency_key=f"bench-{loan_id}",
                                 amount_minor=sum(pr + it + fee for _, pr, it, fee in parts),
                                 received_on=received, method="bench", reason="",
                                 recorded_by=2, journal_entry_id=f"pay-bench-{loan_id}",
                                 recorded_at=now, channel="bench"))
                allocs += [dict(payment_id=loan_id, loan_id=loan_id, installment_number=k,
                                principal_minor=pr, interest_minor=it, fee_minor=fee,
                                advance_minor=0, reversal_id=None) for k, pr, it, fee in parts]
        with engine.begin() as c:
            c.execute(insert(Application.__table__), apps)
            c.execute(insert(Loan.__table__), loans)
            c.execute(insert(Installment.__table__), insts)
            if pays:
                c.execute(insert(Payment.__table__), pays)
                c.execute(insert(PaymentAllocation.__table__), allocs)
        counts["installments"] += len(insts)
        counts["allocations"] += len(allocs)
    with engine.connect() as c:  # as a live database would be: sequences past the ids, stats
        if engine.dialect.name == "postgresql":
            for table in ("app_user", "product", "product_version", "application", "loan",
                          "payment"):
                c.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT max(id) FROM {table}))"))
            c.commit()
            c.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            c.execute(text("ANALYZE"))
            c.commit()
    return counts


def naive_loop(url: str, loan_ids: list[int], on: date) -> int:
    """The per-loan way: ORM load, pure rules in Python, one entry and one update per loan."""
    posted = 0
    with Session(get_engine(url)) as s:
        for loan_id in loan_ids:
            loan = s.get(Loan, loan_id)
            insts = s.exec(select(Installment).where(
                Installment.loan_id == loan.id,
                Installment.schedule_version == loan.schedule_version)).scalars().all()
            paid = dict(s.exec(
                select(PaymentAllocation.installment_number,
                       func.sum(PaymentAllocation.principal_minor
                                + PaymentAllocation.interest_minor
                                + PaymentAllocation.fee_minor))
                .join(Payment, Payment.id == PaymentAllocation.payment_id)
                .where(PaymentAllocation.loan_id == loan.id, Payment.received_on <= on)
                .group_by(PaymentAllocation.installment_number)).all())
            periods = [accrual.Period(i.number, i.start_date, i.due_date, i.interest_minor,
                                      i.principal_minor + i.interest_minor + i.fee_minor,
                                      int(paid.get(i.number, 0))) for i in insts]
            delta = accrual.accrued_through(periods, on) + \
                journal.account_balance(s, ledger.INTEREST_INCOME, loan.id)
            if delta:
                posted += journal.write(s, [ledger.accrual(f"naive-{on}-{loan.id}", loan.id,
                                                           on, delta)])
            dpd = accrual.days_past_due(periods, on)
            loan.days_past_due = dpd
            loan.delinquency_bucket = accrual.bucket(dpd, tuple(loan.terms["delinquency_buckets"]))
            loan.last_cob_date = on
            s.add(loan)
            s.flush()
        s.commit()
    return posted


def run(engine: str, n: int, sample: int) -> dict:
    with database(engine) as url:
        t = time.perf_counter()
        counts = build_book(url, n)
        built = time.perf_counter() - t
        print(f"[{engine}] built {counts['loans']:,} loans ({counts['active']:,} active), "
              f"{counts['installments']:,} installments, {counts['allocations']:,} allocations "
              f"in {built:.1f} s", flush=True)
        with get_engine(url).begin() as c:  # closed through D-2: the next run is D-1
            c.execute(insert(CobRun.__table__).values(
                business_date=BUSINESS_DATE - timedelta(days=2), loans=0,
                interest_accrued_minor=0, late_fees=0, late_fees_minor=0,
                started_at=datetime.now(timezone.utc)))
        t = time.perf_counter()
        first = close_date(BUSINESS_DATE - timedelta(days=1), SYSTEM, url)
        first_s = time.perf_counter() - t
        t = time.perf_counter()
        timed = close_date(BUSINESS_DATE, SYSTEM, url)
        set_s = time.perf_counter() - t
        print(f"[{engine}] set-based COB {BUSINESS_DATE - timedelta(days=1)} (first, catch-up "
              f"amounts): {first_s:.2f} s; {BUSINESS_DATE}: {set_s:.2f} s for {timed.loans:,} "
              f"active loans ({timed.accrual_loans:,} accrued, {timed.delinquent_loans:,} "
              f"delinquent, {timed.late_fees:,} late fees)", flush=True)
        with get_engine(url).connect() as c:
            active = [i for (i,) in c.execute(select(Loan.id).where(Loan.status == "active"))]
        ids = random.Random(11).sample(active, min(sample, len(active)))
        t = time.perf_counter()
        posted = naive_loop(url, ids, BUSINESS_DATE + timedelta(days=1))
        naive_s = time.perf_counter() - t
        set_us = set_s / timed.loans * 1e6
        naive_us = naive_s / len(ids) * 1e6
        print(f"[{engine}] naive per-loan loop {BUSINESS_DATE + timedelta(days=1)}: "
              f"{naive_s:.2f} s for {len(ids):,} loans ({posted:,} entries)", flush=True)
        print(f"[{engine}] per loan: set-based {set_us:.1f} us, naive {naive_us:.1f} us, "
              f"ratio {naive_us / set_us:.0f}x (goal >= 50x)", flush=True)
        return dict(engine=engine, loans=n, active=timed.loans, build_s=built,
                    first_s=first_s, set_s=set_s, set_us=set_us, naive_loans=len(ids),
                    naive_s=naive_s, naive_us=naive_us, ratio=naive_us / set_us)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_cob", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--sample", type=int, default=2000,
                        help="loans in the naive loop (default 2000)")
    args = parser.parse_args(argv)
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    results = [run(e, args.loans, args.sample) for e in engines]
    print("\nengine      loans   active  set-based us/loan  naive us/loan  ratio")
    for r in results:
        print(f"{r['engine']:<10} {r['loans']:>7,} {r['active']:>8,} {r['set_us']:>18.1f} "
              f"{r['naive_us']:>14.1f} {r['ratio']:>5.0f}x")


if __name__ == "__main__":
    main()

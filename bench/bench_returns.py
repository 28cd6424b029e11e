"""Bank return file: the bulk path against the single-payment path, in one run.

    .venv/bin/python -m bench.bench_returns [--returns 10000] [--sample 300]
                                            [--engine sqlite|postgresql|both]

Builds two identical books (bench_cob's bulk builder, with a 25.00 returned-payment fee),
gives every active loan with a payment a bank-file collection attempt for that payment and
writes the debit file; the bank then returns --returns of them R01 (fee and re-presentment).
Book A processes the whole return file (bulk path, timed); book B processes the first
--sample returns one by one through the single-payment path (`bulk=False`, timed). Prints
the cost per return of each and the ratio (goal >= 10x), and checks that the sampled loans
end identical in both books (every ledger balance, every installment's paid amounts, the
fee charges, the attempts and their retries). Not part of `make test`.
"""
import argparse
import time
from dataclasses import replace
from datetime import date, datetime, timezone

from sqlalchemy import func, insert, select

from bench import bench_cob
from domain.db.engine import get_engine
from domain.db.payment_tables import CollectionAttempt, PaymentInstrument
from domain.db.tables import Installment, Loan, LoanCharge, Payment, PaymentAllocation, Posting
from domain.nacha import build as nacha_build
from domain.nacha.parse import parse
from domain.nacha.returns import build_return_file
from domain.payments import ach_files
from domain.kernel.actor import SYSTEM

CREATED = datetime(2026, 7, 1, 9, 0, tzinfo=timezone.utc)
RETURNED_ON = date(2026, 7, 2)


def prepare(url: str, loans: int, returns: int) -> tuple[str, str, list[int]]:
    """The book, one submitted attempt per returned payment, the debit file written for
    them and the bank's return file naming every one: (debit file, return file, loan ids)."""
    bench_cob.build_book(url, loans)
    engine = get_engine(url)
    with engine.connect() as c:
        rows = c.execute(select(Loan.id, Loan.loan_number, Payment.amount_minor,
                                Payment.received_on)
                         .join(Payment, Payment.loan_id == Loan.id)
                         .where(Loan.status == "active").order_by(Loan.id)).all()[:returns]
    entries = [nacha_build.DebitEntry(
        reference=f"bench-{lid}", rdfi_routing="110000000", account_number="000123456789",
        account_type="checking", amount_minor=amount, individual_id=number,
        individual_name="BENCH BORROWER", sec_code="PPD", effective_date=CREATED.date())
        for lid, number, amount, _ in rows]
    built = nacha_build.build_debit_file(ach_files.originator(), entries, created_at=CREATED)
    traces = dict(built.entries)
    now = datetime.now(timezone.utc)
    with engine.begin() as c:
        c.execute(insert(PaymentInstrument.__table__), [dict(
            id=lid, borrower_id=1, rail="nacha", kind="us_bank_account", bank_name="",
            routing_number="110000000", account_type="checking", account_number_sealed="",
            last4="6789", card_brand="", holder_name="BENCH", mandate_text="", mandate_ip="",
            mandate_user_agent="", status="active", disabled_reason="", created_at=now)
            for lid, *_ in rows])
        c.execute(insert(CollectionAttempt.__table__), [dict(
            loan_id=lid, instrument_id=lid, purpose="autopay", schedule_version=1,
            installment_number=1, presentment=1, idempotency_key=f"autopay-{lid}-v1-n1-p1",
            rail="nacha", amount_minor=amount, draft_date=on, status="submitted",
            trace_number=traces[f"bench-{lid}"], payment_id=lid, failure_code="",
            failure_reason="", created_at=now, updated_at=now)
            for lid, _, amount, on in rows])
    original = parse(built.text)
    whole = build_return_file(original, [(t, "R01") for _, t in built.entries],
                              created_at=CREATED)
    return built.text, whole, [lid for lid, *_ in rows]


def state(url: str, loan_ids: list[int]) -> tuple:
    """What the return changed, per loan, as plain tuples (ids of new rows left out)."""
    with get_engine(url).connect() as c:
        def q(stmt):
            return sorted(tuple(r) for r in c.execute(stmt))
        ids = loan_ids
        return (
            q(select(Posting.loan_id, Posting.account, func.sum(Posting.amount_minor))
              .where(Posting.loan_id.in_(ids)).group_by(Posting.loan_id, Posting.account)),
            q(select(PaymentAllocation.loan_id, PaymentAllocation.installment_number,
                     func.sum(PaymentAllocation.principal_minor),
                     func.sum(PaymentAllocation.interest_minor),
                     func.sum(PaymentAllocation.fee_minor))
              .where(PaymentAllocation.loan_id.in_(ids))
              .group_by(PaymentAllocation.loan_id, PaymentAllocation.installment_number)),
            q(select(LoanCharge.loan_id, LoanCharge.kind, LoanCharge.installment_number,
                     LoanCharge.amount_minor).where(LoanCharge.loan_id.in_(ids))),
            q(select(CollectionAttempt.loan_id, CollectionAttempt.presentment,
                     CollectionAttempt.status, CollectionAttempt.failure_code,
                     CollectionAttempt.draft_date).where(CollectionAttempt.loan_id.in_(ids))),
            q(select(Loan.id, Loan.status).where(Loan.id.in_(ids))),
            q(select(Installment.loan_id, func.count()).where(Installment.loan_id.in_(ids))
              .group_by(Installment.loan_id)))


def run(engine: str, loans: int, returns: int, sample: int) -> dict:
    with bench_cob.database(engine) as a, bench_cob.database(engine) as b:
        t = time.perf_counter()
        debit, whole, ids = prepare(a, loans, returns)
        debit_b, _, ids_b = prepare(b, loans, returns)
        assert debit == debit_b and ids == ids_b, "the two books differ"
        print(f"[{engine}] two books of {loans:,} loans, {len(ids):,} returns, built in "
              f"{time.perf_counter() - t:.1f} s", flush=True)
        t = time.perf_counter()
        bulk = ach_files.process_return_file(SYSTEM, whole, "whole.ach", RETURNED_ON, a)
        bulk_s = time.perf_counter() - t
        picked = ids[:sample]
        traces = [e.trace_number for bt in parse(debit).batches for e in bt.entries]
        part = build_return_file(parse(debit), [(tr, "R01") for tr in traces[:sample]],
                                 created_at=CREATED)
        t = time.perf_counter()
        single = ach_files.process_return_file(SYSTEM, part, "part.ach", RETURNED_ON, b,
                                               bulk=False)
        single_s = time.perf_counter() - t
        same = state(a, picked) == state(b, picked)
        bulk_us, single_us = bulk_s / bulk.returns * 1e6, single_s / single.returns * 1e6
        print(f"[{engine}] bulk: {bulk.returns:,} returns in {bulk_s:.2f} s "
              f"({bulk.reversed:,} reversed, {bulk.fees:,} fees, {bulk.retries:,} retries); "
              f"single-payment path: {single.returns:,} in {single_s:.2f} s", flush=True)
        print(f"[{engine}] per return: bulk {bulk_us:.0f} us, single {single_us:.0f} us, "
              f"ratio {single_us / bulk_us:.1f}x (goal >= 10x); sampled loans identical: "
              f"{same}", flush=True)
        return dict(engine=engine, returns=bulk.returns, bulk_us=bulk_us,
                    single_us=single_us, ratio=single_us / bulk_us, same=same)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_returns", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--returns", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    bench_cob.PRODUCTS[:] = [(code, replace(terms, nsf_fee_minor=2500), offered)
                             for code, terms, offered in bench_cob.PRODUCTS]
    loans = int(args.returns * 1.6) + 100  # about 70% of bench_cob's book is active
    engines = ("sqlite", "postgresql") if args.engine == "both" else (args.engine,)
    results = [run(e, loans, args.returns, args.sample) for e in engines]
    print("\nengine      returns  bulk us/return  single us/return  ratio  identical")
    for r in results:
        print(f"{r['engine']:<10} {r['returns']:>8,} {r['bulk_us']:>15.0f} "
              f"{r['single_us']:>17.0f} {r['ratio']:>5.1f}x  {r['same']}")
    return 0 if all(r["same"] and r["ratio"] >= 10 for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""What the audit hash chain costs a bulk path, and how fast `lendbook audit verify` walks.

    .venv/bin/python -m bench.bench_audit_chain [--rows 4000] [--rounds 5] [--engine both]

Per round, on a fresh migrated database: builds --rows audit rows with `audit.entry` (which
takes each row's content hash), inserts them with one executemany, and seals them (the
step run before commit: chain lock, head, link hashes, one update), timing each step (best of
--rounds). 4,000 rows is what 2,000 bulk returns write (bench_returns). Then verifies the
whole chain. Not part of `make test`.
"""
import argparse
import time

from sqlalchemy import insert

from bench.bench_cob import database
from domain.db.tables import AuditLog
from domain.db.uow import UnitOfWork
from domain.audit import trail as audit, chain as audit_chain
from domain.kernel.actor import SYSTEM
from domain.audit.verify import verify


def _rows(n: int) -> list[dict]:
    return [audit.entry(SYSTEM, "payment.reversed", "payment", i,
                        {"id": i, "amount_minor": 12345, "status": "posted"},
                        {"payment_id": i, "reversed_on": "2026-12-01", "return_code": "R01",
                         "reason": "R01 Insufficient funds"}, "R01 Insufficient funds")
            for i in range(n)]


def run(engine: str, n: int, rounds: int) -> None:
    best: dict[str, float] = {}
    with database(engine) as url:
        for _ in range(rounds):
            t0 = time.perf_counter()
            rows = _rows(n)
            t1 = time.perf_counter()
            with UnitOfWork(url) as s:
                s.connection().execute(insert(AuditLog), rows)
                t2 = time.perf_counter()
                audit_chain.seal(s)
                t3 = time.perf_counter()
            for k, v in (("entry", t1 - t0), ("insert", t2 - t1), ("seal", t3 - t2)):
                best[k] = min(best.get(k, float("inf")), v)
        t = time.perf_counter()
        report = verify(url)
        walked = time.perf_counter() - t
    per = {k: v / n * 1e6 for k, v in best.items()}
    print(f"[{engine}] {n:,} rows: audit.entry (with content hash) {per['entry']:.1f} us/row, "
          f"insert {per['insert']:.1f} us/row, seal {per['seal']:.1f} us/row (best of "
          f"{rounds}); verify: {report.verified:,} rows in {walked:.2f} s "
          f"({report.verified / walked:,.0f} rows/s), intact: {report.ok}", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_audit_chain",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    for engine in ("sqlite", "postgresql") if args.engine == "both" else (args.engine,):
        run(engine, args.rows, args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

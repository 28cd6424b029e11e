"""Schedule generation speed: µs per installment, engine vs a minimal reference loop.

Run: .venv/bin/python -m bench.bench_schedule [--profile] [--repeat N]
Goal (issue "Servicing engine"): <= 10 µs per installment and <= 2.5x the reference loop.
Not part of `make test`. With --profile (or when a case misses the goal) cProfile shows where
the engine spends its time.
"""
import argparse
import cProfile
import io
import pstats
import timeit
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from domain.calculation.schedule import ScheduleTerms, build

CENT = Decimal("0.01")
GOAL_US = 10.0
GOAL_RATIO = 2.5

CASES = [
    ("360 monthly EMI, 30/360",
     ScheduleTerms(30_000_000, Decimal("6.5"), 360, "monthly", date(2024, 1, 15)),
     Decimal("6.5") / 100 / 12),
    ("52 weekly EMI, actual/365 daily",
     ScheduleTerms(1_000_000, Decimal("9.9"), 52, "weekly", date(2024, 1, 15),
                   interest_period="daily", day_count="actual/365"),
     Decimal("9.9") / 100 * 7 / 365),
    ("60 monthly flat, 30/360",
     ScheduleTerms(2_000_000, Decimal("7"), 60, "monthly", date(2024, 1, 15),
                   interest_method="flat"),
     Decimal("7") / 100 / 12),
    ("120 semimonthly EMI, 30/360",
     ScheduleTerms(30_000_000, Decimal("6.5"), 120, "semimonthly", date(2024, 1, 15)),
     Decimal("6.5") / 100 / 24),
]


def reference(principal: Decimal, r: Decimal, n: int, start: date) -> list[tuple]:
    """The plain textbook loop: EMI = P*r/(1-(1+r)^-n) to the cent, interest on the balance
    to the cent each period, the last installment takes the remaining principal."""
    emi = (principal * r / (1 - (1 + r) ** -n)).quantize(CENT, rounding=ROUND_HALF_UP) \
        if r else (principal / n).quantize(CENT, rounding=ROUND_HALF_UP)
    balance, rows = principal, []
    for k in range(n):
        interest = (balance * r).quantize(CENT, rounding=ROUND_HALF_UP)
        part = balance if k == n - 1 else emi - interest
        balance -= part
        rows.append((k + 1, start + timedelta(days=30 * (k + 1)), part, interest, balance))
    return rows


def _per_call(fn, repeat: int) -> float:
    """Best seconds per call over `repeat` runs of an auto-sized batch (>= 0.2 s each)."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    number = max(number, 1)
    return min(timer.repeat(repeat=repeat, number=number)) / number


def _profile(terms: ScheduleTerms, calls: int = 200, top: int = 18) -> str:
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        build(terms)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).strip_dirs().sort_stats("tottime")
    stats.print_stats(top)
    return out.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="profile every case")
    args = parser.parse_args(argv)
    print(f"{'case':<34} {'engine µs/inst':>15} {'reference µs/inst':>18} {'ratio':>7}  goal")
    missed = []
    for name, terms, r in CASES:
        principal = Decimal(terms.principal_minor) / 100
        n = terms.periods
        # like with like: does the engine give the reference loop's rows? (EMI cases; the
        # engine may legitimately differ by evening out the last installment)
        same = ""
        if terms.interest_method == "declining_balance" and terms.interest_period == \
                "same_as_repayment":
            ref_rows = reference(principal, r, n, terms.disbursement_date)
            same = [(i.principal_minor, i.interest_minor) for i in build(terms).installments] \
                == [(int(p * 100), int(i * 100)) for _, _, p, i, _ in ref_rows]
            same = "  (same rows as reference)" if same else "  (rows differ from reference)"
        engine_s = _per_call(lambda: build(terms), args.repeat)
        ref_s = _per_call(lambda: reference(principal, r, n, terms.disbursement_date),
                          args.repeat)
        eng_us, ref_us = engine_s / n * 1e6, ref_s / n * 1e6
        ratio = eng_us / ref_us
        ok = eng_us <= GOAL_US and ratio <= GOAL_RATIO
        print(f"{name:<34} {eng_us:>15.2f} {ref_us:>18.2f} {ratio:>6.2f}x  "
              f"{'met' if ok else 'MISSED'}{same}")
        if not ok:
            missed.append((name, terms))
    print(f"goal: <= {GOAL_US:g} µs per installment and <= {GOAL_RATIO:g}x the reference")
    for name, terms in (list((n, t) for n, t, _ in CASES) if args.profile else missed):
        print(f"\n--- cProfile: {name} (200 builds, by own time) ---")
        print(_profile(terms))
    return 0 if not missed else 1


if __name__ == "__main__":
    raise SystemExit(main())

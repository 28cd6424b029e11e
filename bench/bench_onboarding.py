"""Loan onboarding: validating and boarding N loans (with schedules) from a CSV file, against
PostgreSQL COPY of the same file into a plain table, in the same run.

    .venv/bin/python -m bench.bench_onboarding [--loans 100000] [--engine sqlite|postgresql|both]
                                               [--repeat 1]

Writes a CSV of N rows (two products, monthly and biweekly, 12-36 payments, one borrower per
two loans), then on a fresh database per
engine: `onboarding.board` over the streamed file (validation pass, then booking pass in one
transaction: borrowers, applications, loans, installments, disbursement entries, catch-up
payments and allocations, audit rows), and on PostgreSQL `COPY ... FROM STDIN` of the same
file into an unindexed table of text columns, and of every row boarding wrote into unindexed
copies of its tables (the baseline the goal is read against, docs/benchmarks.md). Prints
rows/s of each, the ratios, peak RSS (resource.getrusage), and the CPU seconds of this
process and of the PostgreSQL backends (from /proc: the server runs on this machine), which
say how much of the time is whose when other work shares the cores. `--repeat N` boards and
copies N times on PostgreSQL (a fresh database each) and prints every ratio and their
median: this machine's speed drifts by a third within minutes, and boarding and its baseline
are timed a minute apart. Not part of `make test`.
"""
import argparse
import csv
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path
from datetime import date, timedelta

from sqlalchemy import text

from bench.bench_cob import database
from domain.onboarding import files
from domain.db.engine import get_engine
from domain.onboarding.rows import COLUMNS
from domain.access import accounts
from domain.onboarding import boarding as onboarding
from domain.configuration import products
from domain.kernel.actor import SYSTEM, Actor


def write_file(path: str, n: int, today: date) -> None:
    """N valid rows: two products, funding dates over the last 300 days."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for k in range(n):
            code = "BMONTHLY" if k % 2 == 0 else "BBIWEEKLY"
            funded = today - timedelta(days=k % 300)
            w.writerow([f"SRC-{k:07d}", code, f"Borrower {k // 2}",
                        f"b{k // 2}@bench.test", "1980-01-01", f"{k} Main St", "",
                        "Springfield", "IL", "62701", f"{1000 + (k % 25) * 500}.00",
                        funded.isoformat(), "yes", "", str(12 + k % 25), "", "", "", "", "", ""])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup(url: str) -> Actor:
    uid = accounts.create_user(SYSTEM, "servicer@bench.test", "bench-password-1", "Bench",
                               "servicer", url)
    admin = Actor(None, "admin", "bench")
    for code, freq in (("BMONTHLY", "monthly"), ("BBIWEEKLY", "biweekly")):
        products.create_product(admin, products.ProductForm(
            code=code, name=code, min_amount="1000", max_amount="25000", min_term="6",
            max_term="60", annual_rate="11.99", frequency=freq,
            settings=(("workflow", "instant"),)), url)
    return Actor(uid, "servicer", "servicer@bench.test")


def copy_baseline(url: str, path: str) -> float:
    import psycopg
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        cols = ", ".join(f"{c} text" for c in COLUMNS)
        conn.execute(f"CREATE TABLE copy_baseline ({cols})")
        t = time.perf_counter()
        with conn.cursor().copy("COPY copy_baseline FROM STDIN WITH (FORMAT csv, HEADER)") as cp:
            with open(path, "rb") as f:
                while block := f.read(1 << 20):
                    cp.write(block)
        conn.commit()
        return time.perf_counter() - t


WRITTEN = ("app_user", "application", "loan", "installment", "journal_entry", "posting",
           "onboarded_loan", "onboarding_row", "audit_log")


def copy_written(url: str, folder: str) -> tuple[int, float, float]:
    """COPY of every row boarding wrote (exported to files first, untimed) into unindexed
    tables LIKE the real ones: the floor for writing the same volume. (rows, seconds,
    CPU seconds of the PostgreSQL backend for those COPYs)."""
    import psycopg
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    rows, elapsed, cpu = 0, 0.0, 0.0
    with psycopg.connect(dsn) as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        for table in WRITTEN:
            dump = os.path.join(folder, f"{table}.copy")
            with open(dump, "wb") as f, conn.cursor().copy(f"COPY {table} TO STDOUT") as cp:
                for block in cp:
                    f.write(block)
            conn.execute(f"CREATE TABLE plain_{table} (LIKE {table})")
            t, c = time.perf_counter(), proc_cpu(pid)
            with conn.cursor().copy(f"COPY plain_{table} FROM STDIN") as cp, \
                    open(dump, "rb") as f:
                while block := f.read(1 << 20):
                    cp.write(block)
            conn.commit()
            elapsed, cpu = elapsed + time.perf_counter() - t, cpu + proc_cpu(pid) - c
            rows += conn.execute(f"SELECT count(*) FROM plain_{table}").fetchone()[0]
            os.remove(dump)
    return rows, elapsed, cpu


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def backend_cpu(url: str) -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL backend connected to the bench database
    (the server runs on this machine: /proc), so the run can say whose CPU the time is."""
    import psycopg
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        pids = [r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()")]
    return {pid: proc_cpu(pid) for pid in pids}


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process on this machine (0 when unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _server_cpu(before: dict, after: dict) -> float:
    return sum(v - before.get(pid, 0.0) for pid, v in after.items())


def run(engine: str, path: str, n: int, today: date) -> dict:
    with database(engine) as url:
        actor = setup(url)
        positions, issues = files.header_issues(Path(path),
                                                files.DEFAULT_MAPPING)
        assert not issues, issues
        pg = engine == "postgresql"
        before = backend_cpu(url) if pg else {}
        t, cpu0 = time.perf_counter(), cpu_s()
        report = onboarding.board(files.rows_of(Path(path), positions),
                                  source="bench", method="file", actor=actor,
                                  filename=os.path.basename(path),
                                  sha256=files.sha256_of(path), url=url, today=today)
        board_s, python_s = time.perf_counter() - t, cpu_s() - cpu0
        server_s = _server_cpu(before, backend_cpu(url)) if pg else 0.0
        assert report.status == "booked" and report.rows_booked == n, \
            (report.status, report.issues[:5])
        with get_engine(url).connect() as c:
            insts = c.execute(text("SELECT count(*) FROM installment")).scalar()
        out = dict(engine=engine, loans=n, installments=insts, board_s=board_s,
                   board_rps=n / board_s, rss_mb=peak_rss_mb(), python_cpu_s=python_s,
                   server_cpu_s=server_s)
        print(f"[{engine}] boarded {n:,} loans ({insts:,} installments) in {board_s:.1f} s: "
              f"{n / board_s:,.0f} rows/s; peak RSS so far {out['rss_mb']:.0f} MB; CPU: "
              f"Python {python_s:.1f} s" + (f", PostgreSQL backends {server_s:.1f} s" if pg
                                            else "") + f"; load {os.getloadavg()[0]:.1f}",
              flush=True)
        if engine == "postgresql":
            copy_s = copy_baseline(url, path)
            out.update(copy_s=copy_s, copy_rps=n / copy_s)
            print(f"[{engine}] COPY of the same file: {copy_s:.2f} s, {n / copy_s:,.0f} rows/s;"
                  f" boarding = {100 * copy_s / board_s:.1f}% of COPY (goal >= 25%)", flush=True)
            rows, written_s, copy_cpu = copy_written(url, os.path.dirname(path))
            out.update(written_rows=rows, written_s=written_s, written_cpu_s=copy_cpu)
            print(f"[{engine}] COPY of the {rows:,} rows boarding wrote: {written_s:.1f} s, "
                  f"{n / written_s:,.0f} loans/s; boarding = {100 * written_s / board_s:.1f}% "
                  f"of it (goal >= 25%, docs/benchmarks.md); PostgreSQL CPU of that COPY "
                  f"{copy_cpu:.1f} s", flush=True)
        return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_onboarding", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=1, help="PostgreSQL runs (median)")
    args = parser.parse_args(argv)
    today = date.today()
    folder = tempfile.mkdtemp(prefix="lendbook_bench_onb_")
    path = os.path.join(folder, "loans.csv")
    write_file(path, args.loans, today)
    print(f"file: {args.loans:,} rows, {os.path.getsize(path) / 1e6:.1f} MB; peak RSS "
          f"{peak_rss_mb():.0f} MB", flush=True)
    engines = ("postgresql", "sqlite") if args.engine == "both" else (args.engine,)
    for e in engines:
        if e != "postgresql":
            run(e, path, args.loans, today)
            continue
        ratios = []
        for _ in range(max(1, args.repeat)):
            out = run(e, path, args.loans, today)
            ratios.append(100 * out["written_s"] / out["board_s"])
        if len(ratios) > 1:
            print(f"[postgresql] boarding vs COPY of the rows it wrote, {len(ratios)} runs: "
                  f"{', '.join(f'{r:.1f}%' for r in ratios)}; median "
                  f"{statistics.median(ratios):.1f}% (goal >= 25%)", flush=True)
    os.remove(path)
    os.rmdir(folder)


if __name__ == "__main__":
    main()

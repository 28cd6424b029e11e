"""Loan onboarding: validate a whole batch (API call, file, manual entry) and book it in one
transaction, set-based (domain.onboarding.checks validates a chunk,
domain.onboarding.book books it).

Rows come from a callable that returns a fresh iterator of (row number, flat dict), read a
chunk at a time, so nothing holds the file in memory. `board` validates and writes in one
pass and commits only when the whole batch is validated; nothing is booked when any row is
invalid, unless `valid_only` says so explicitly; a file (SHA-256) or an external reference
(per source) already booked is never booked again.
"""
from collections.abc import Callable, Iterable
from datetime import date
from itertools import islice

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from domain.db.onboarding_tables import OnboardingBatch
from domain.db.tables import utcnow
from domain.db.uow import UnitOfWork
from domain.kernel.errors import Conflict
from domain.audit import trail as audit
from domain.onboarding import book
from domain.kernel.actor import Actor
from domain.db.batch_gc import batch_collector
from domain.onboarding.checks import Report, Shared, check_chunk, load_products, prior_batch
from domain.servicing.payments import recorder

METHODS = ("api", "file", "manual")
CHUNK = 2000
Rows = Callable[[], Iterable[tuple[int, dict]]]


def _chunks(it, n):
    it = iter(it)
    while chunk := list(islice(it, n)):
        yield chunk


def validate(rows: Rows, source: str, url: str | None = None, today: date | None = None,
             sha256: str = "") -> Report:
    """Check every row (types, ranges, product rules, history, duplicates in the batch and
    against loans boarded from the same source, borrower matching); books nothing."""
    today = today or date.today()
    report, seen = Report(), {}
    with batch_collector(), UnitOfWork(url) as s:
        if prior_batch(s, sha256, report):
            return report
        products, shared = load_products(s), Shared()
        for chunk in _chunks(rows(), CHUNK):
            check_chunk(s, chunk, report, seen, products, shared, today, source, full=False)
    report.status = "invalid" if report.issues else "valid"
    return report


def board(rows: Rows, *, source: str, method: str, actor: Actor, filename: str = "",
          sha256: str = "", valid_only: bool = False, dry_run: bool = False,
          url: str | None = None, today: date | None = None, within=None) -> Report:
    """Validate every row and (unless refused or a dry run) book the valid ones in one
    transaction, in one pass over the rows: each chunk is validated, then written while the
    next is validated, and the transaction commits only once the whole batch is validated:
    an invalid row (unless `valid_only` says so explicitly) stops the writing and rolls
    everything back, while validation goes on to report every issue. A failure or a killed
    process midway leaves nothing. `within(session, report)` runs last inside that
    transaction (the API stores its idempotent answer there, so both commit together)."""
    actor.require_permission("onboarding.board")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    with batch_collector():  # millions of short-lived rows: domain.db.batch_gc
        return _board(rows, source, method, actor, filename, sha256, valid_only, dry_run, url,
                      today or date.today(), within)


def _board(rows, source, method, actor, filename, sha256, valid_only, dry_run, url, today,
           within) -> Report:
    source = (source or "").strip()[:60] or "file"
    if dry_run:
        report = validate(rows, source, url, today, sha256)
        if report.status == "valid":
            report.status = "dry_run"
        return report
    report = Report()
    try:
        _book(rows, report, source, method, actor, filename, sha256, valid_only, url, today,
              within)
    except IntegrityError as e:  # a concurrent batch boarded one of these references first
        raise Conflict("another batch boarded some of these loans meanwhile; validate and "
                       "upload again") from e
    return report


def _book(rows, report: Report, source, method, actor, filename, sha256, valid_only, url,
          today, within):
    """The one pass of `board`. Validation reads (existing references and borrowers) go
    over their own session `look`: the booking session's connection is busy writing."""
    with UnitOfWork(url) as look, UnitOfWork(url) as s:
        if prior_batch(look, sha256, report):
            return
        batch = OnboardingBatch(source=source, method=method, filename=filename[:200],
                                sha256=sha256, status="booked", totals={},
                                created_by=actor.label)
        s.add(batch)
        s.flush()  # on SQLite this write takes the lock the id reservation relies on
        ctx = book.Context(batch.id, source, method, filename, sha256, actor, today,
                           book.last_closed_date(s), recorder(s, actor))
        products, shared, seen = load_products(s), Shared(), {}
        book.start(s, ctx)
        writing = True
        try:
            for chunk in _chunks(rows(), CHUNK):
                first = len(report.issues)
                checked = check_chunk(look, chunk, report, seen, products, shared, today,
                                       source, full=True)
                if report.issues and not valid_only:
                    if writing:  # nothing will be booked: stop writing, go on validating
                        book.abandon(ctx)
                        writing = False
                    continue
                _write_chunk(s, ctx, report, checked, report.issues[first:])
            if writing and report.rows_booked:
                book.finish(s, ctx)
            elif writing:
                book.abandon(ctx)
        except BaseException:
            book.abandon(ctx)  # the background write stops using the connection first
            raise
        report.status = "invalid" if report.issues else "valid"
        if not writing or not report.rows_booked:
            s.rollback()
            report.loans.clear()
            report.booked_totals.clear()
            return
        _close_batch(s, batch, report, source, method, actor, filename, sha256)
        if within is not None:
            within(s, report)


def _write_chunk(s, ctx, report: Report, checked, issues) -> None:
    """Book a validated chunk's valid rows; record every row's outcome (issues: the
    chunk's, when `valid_only` books the valid rows of a batch with invalid ones)."""
    by_row: dict[int, list] = {}
    for i in issues:
        by_row.setdefault(i.row, []).append([i.column, i.value, i.reason])
    ready, results = [], []
    for number, ref, row, prepared in checked:
        if row is None:
            results.append((number, ref, None, "invalid", by_row.get(number)))
        else:
            ready.append((row, *prepared))
    for (number, loan_id, loan_number), item in zip(book.book_chunk(s, ctx, ready), ready):
        row = item[0]
        results.append((number, row.external_ref, loan_id, "booked", None))
        report.loans.append((number, row.external_ref, loan_number))
        t = report.booked_totals.setdefault(row.product_code, [0, 0])
        t[0] += 1
        t[1] += row.amount_minor
    book.row_results(ctx, results)


def _close_batch(s, batch, report: Report, source, method, actor, filename, sha256) -> None:
    funded = sum(t[1] for t in report.booked_totals.values())
    s.execute(update(OnboardingBatch.__table__)
              .where(OnboardingBatch.__table__.c.id == batch.id)
              .values(rows_total=report.rows_total, rows_booked=report.rows_booked,
                      rows_failed=len(report.invalid_rows), funded_total_minor=funded,
                      totals={k: {"rows": report.booked_totals.get(k, (0, 0))[0],
                                  "funded_minor": report.booked_totals.get(k, (0, 0))[1],
                                  "file_rows": f[0], "file_funded_minor": f[1]}
                              for k, f in report.file_totals.items()},
                      finished_at=utcnow()))
    audit.record(s, actor, "onboarding.batch_booked", "onboarding_batch", batch.id, None,
                 {"source": source, "method": method, "file": filename, "sha256": sha256,
                  "rows_total": report.rows_total, "rows_booked": report.rows_booked,
                  "funded_total_minor": funded})
    report.batch_id, report.status = batch.id, "booked"

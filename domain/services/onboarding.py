"""Loan onboarding: validate a whole batch (API call, file, manual entry) and book it in one
transaction, set-based (domain.services.onboarding_book).

Rows come from a callable that returns a fresh iterator of (row number, flat dict), read a
chunk at a time, so nothing holds the file in memory. `board` validates and writes in one
pass and commits only when the whole batch is validated; nothing is booked when any row is
invalid, unless `valid_only` says so explicitly; a file (SHA-256) or an external reference
(per source) already booked is never booked again.
"""
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import islice

from sqlalchemy import JSON, any_, bindparam, cast, func, select, update
from sqlalchemy.exc import IntegrityError

from domain import onboarding as rules
from domain.db.onboarding_tables import OnboardedLoan, OnboardingBatch
from domain.db.tables import AppUser, Loan, Product, ProductVersion, utcnow
from domain.db.uow import UnitOfWork
from domain.errors import Conflict
from domain.money import parse_amount
from domain.onboarding import Issue
from domain.services import audit
from domain.services import onboarding_book as book
from domain.services.actor import Actor
from domain.services.batch_gc import batch_collector
from domain.services.payments import recorder
from domain.schedule_templates import Templates
from domain.terms import ProductTerms

METHODS = ("api", "file", "manual")
CHUNK = 2000
Rows = Callable[[], Iterable[tuple[int, dict]]]


@dataclass(frozen=True)
class ProductInfo:
    id: int
    version: int
    name: str
    terms: ProductTerms


@dataclass
class Report:
    status: str = "valid"  # valid, invalid, booked, dry_run, duplicate_file
    batch_id: int | None = None
    rows_total: int = 0
    issues: list[Issue] = field(default_factory=list)
    invalid_rows: set = field(default_factory=set)
    invalid_refs: dict = field(default_factory=dict)  # row -> external ref as given
    file_totals: dict = field(default_factory=dict)  # product -> [rows, funded minor]
    booked_totals: dict = field(default_factory=dict)
    loans: list = field(default_factory=list)  # (row, external ref, Loan ID)

    @property
    def rows_valid(self) -> int:
        return self.rows_total - len(self.invalid_rows)

    @property
    def rows_booked(self) -> int:
        return len(self.loans)


def _chunks(it, n):
    it = iter(it)
    while chunk := list(islice(it, n)):
        yield chunk


def load_products(s) -> dict[str, ProductInfo]:
    rows = s.execute(select(Product.code, Product.id, ProductVersion.version, ProductVersion.name,
                            ProductVersion.terms)
                     .join(ProductVersion, (ProductVersion.product_id == Product.id)
                           & (ProductVersion.version == Product.current_version))
                     .where(Product.active))
    return {c: ProductInfo(i, v, n, ProductTerms.from_dict(t)) for c, i, v, n, t in rows}


class Shared:
    """What the rows of one batch share (same results as computing it per row): loan terms
    per product, rate and frequency; schedule parts (domain.schedule_templates)."""

    def __init__(self):
        self.terms: dict = {}
        self.templates = Templates()


def prepare(row: rules.Row, products: dict, today: date, checking: bool = False,
            shared: Shared | None = None):
    """(product, loan terms, schedule, seasoning) of a parsed row, or its issues. When only
    `checking`, a row without history skips its schedule: nothing in it can be refused.
    `shared` is one per batch and `products`."""
    product = products.get(row.product_code)
    if product is None:
        return None, [Issue(row.number, "product_code", row.product_code,
                            f"no active product with this code (one of: "
                            f"{', '.join(sorted(products)) or 'none'})")]
    terms, issues = rules.loan_terms(row, product.terms, shared and shared.terms)
    if issues:
        return None, issues
    if checking and not rules.has_history(row):
        return (product, terms, None, None), []
    sched = rules.schedule_of(row, terms, shared and shared.templates)
    season, issues = rules.season(row, terms, sched, today)
    if issues:
        return None, issues
    return (product, terms, sched, season), []


def _tally(totals: dict, raw: dict, row) -> None:
    """The file's own totals per product, parsed rows or not (a parsed row's code and amount
    are these same values: stripped, upper-cased; parse_amount)."""
    if row is not None:
        code, amount = row.product_code or "(none)", row.amount_minor
    else:
        code = str(raw.get("product_code") or "").strip().upper() or "(none)"
        try:
            amount = parse_amount(str(raw.get("funded_amount") or ""), "funded_amount")
        except Exception:  # noqa: BLE001  an unreadable amount counts as a row, not a sum
            amount = 0
    t = totals.setdefault(code, [0, 0])
    t[0] += 1
    t[1] += amount


def _prior_batch(s, sha256: str, report: Report) -> bool:
    """Was this file (SHA-256) booked already? Then the report says so."""
    if not sha256:
        return False
    prior = s.execute(select(OnboardingBatch.id).where(
        OnboardingBatch.sha256 == sha256, OnboardingBatch.status == "booked")).first()
    if prior:
        report.status = "duplicate_file"
        report.issues.append(Issue(0, "(file)", sha256,
                                   f"this file was booked already (batch {prior[0]})"))
    return prior is not None


def _check_chunk(s, chunk, report: Report, seen: dict, products: dict, shared: Shared,
                 today: date, source: str, full: bool) -> list[tuple]:
    """Validate one chunk of (row number, flat dict) into the report. Returns (row number,
    external ref as given, Row, prepared) per row, Row and prepared None for an invalid
    row; `full` prepares every row's schedule (booking), else only what can be refused."""
    parsed, kept = [], []
    for number, raw in chunk:
        report.rows_total += 1
        row, issues = rules.parse_row(number, raw, today)
        _tally(report.file_totals, raw, row)
        ref = str(raw.get("external_ref") or "").strip()
        if ref and ref in seen:
            issues.append(Issue(number, "external_ref", ref,
                                f"duplicates row {seen[ref]} of this batch"))
        elif ref:
            seen[ref] = number
        ready = None
        if row is not None and not issues:
            ready, issues = prepare(row, products, today, checking=not full, shared=shared)
        if issues:
            report.issues.extend(issues)
            report.invalid_rows.add(number)
            report.invalid_refs[number] = str(raw.get("external_ref") or "")
        else:
            parsed.append(row)
        kept.append((number, str(raw.get("external_ref") or ""), row, ready))
    _check_existing(s, source, parsed, report)
    invalid = report.invalid_rows
    return [(n, ref, None, None) if n in invalid else (n, ref, row, ready)
            for n, ref, row, ready in kept]


def validate(rows: Rows, source: str, url: str | None = None, today: date | None = None,
             sha256: str = "") -> Report:
    """Check every row (types, ranges, product rules, history, duplicates in the batch and
    against loans boarded from the same source, borrower matching); books nothing."""
    today = today or date.today()
    report, seen = Report(), {}
    with batch_collector(), UnitOfWork(url) as s:
        if _prior_batch(s, sha256, report):
            return report
        products, shared = load_products(s), Shared()
        for chunk in _chunks(rows(), CHUNK):
            _check_chunk(s, chunk, report, seen, products, shared, today, source, full=False)
    report.status = "invalid" if report.issues else "valid"
    return report


def _among(s, column, values: list[str]):
    """column IN values; on PostgreSQL as = ANY of one JSON text parameter (json.dumps is C;
    the driver's array adaptation costs a Python call per element), not 2,000 parameters."""
    if s.get_bind().dialect.name == "postgresql":
        return column == any_(func.array(select(func.json_array_elements_text(
            cast(bindparam(None, json.dumps(values)), JSON))).scalar_subquery()))
    return column.in_(values)


def _check_existing(s, source: str, parsed: list, report: Report) -> None:
    refs = {r.external_ref: r for r in parsed}
    for ref, number in s.execute(select(OnboardedLoan.external_ref, Loan.loan_number)
                                 .join(Loan, Loan.id == OnboardedLoan.loan_id)
                                 .where(OnboardedLoan.source == source,
                                        _among(s, OnboardedLoan.external_ref, list(refs)))):
        report.issues.append(Issue(refs[ref].number, "external_ref", ref,
                                   f"already boarded from {source} as {number}"))
        report.invalid_rows.add(refs[ref].number)
    emails = {}
    for r in parsed:
        emails.setdefault(r.email, []).append(r)
    for email, role in s.execute(select(AppUser.email, AppUser.role)
                                 .where(_among(s, AppUser.email, list(emails)))):
        if role != "borrower":
            for r in emails[email]:
                report.issues.append(Issue(r.number, "borrower_email", email,
                                           "belongs to a staff account, not a borrower"))
                report.invalid_rows.add(r.number)


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
    with batch_collector():  # millions of short-lived rows: domain.services.batch_gc
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
        if _prior_batch(look, sha256, report):
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
                checked = _check_chunk(look, chunk, report, seen, products, shared, today,
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

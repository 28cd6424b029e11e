"""Loan onboarding: validate a whole batch (API call, file, manual entry), then book it in one
transaction, set-based (domain.services.onboarding_book).

Rows come from a callable that returns a fresh iterator of (row number, flat dict), read
once: the validation pass parses each row and spools the parsed rows to a temporary file,
which the booking pass reads back, so no pass holds the file in memory. Nothing is booked
when any row is invalid, unless `valid_only` says so explicitly; a file (SHA-256) or an
external reference (per source) already booked is never booked again.
"""
import json
import marshal
import tempfile
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


def _tally(totals: dict, raw: dict) -> None:
    code = str(raw.get("product_code") or "").strip().upper() or "(none)"
    try:
        amount = parse_amount(str(raw.get("funded_amount") or ""), "funded_amount")
    except Exception:  # noqa: BLE001  an unreadable amount counts as a row, not a sum
        amount = 0
    t = totals.setdefault(code, [0, 0])
    t[0] += 1
    t[1] += amount


def validate(rows: Rows, source: str, url: str | None = None, today: date | None = None,
             sha256: str = "", spool=None) -> Report:
    """Check every row (types, ranges, product rules, history, duplicates in the batch and
    against loans boarded from the same source, borrower matching); books nothing. With a
    `spool` (a binary file), each chunk's parsed rows are written to it for the booking pass
    (`_spooled`), so a row is read and parsed once, and held on disk, not in memory."""
    today = today or date.today()
    report, seen = Report(), {}
    with UnitOfWork(url) as s:
        if sha256:
            prior = s.execute(select(OnboardingBatch.id).where(
                OnboardingBatch.sha256 == sha256, OnboardingBatch.status == "booked")).first()
            if prior:
                report.status = "duplicate_file"
                report.issues.append(Issue(0, "(file)", sha256,
                                           f"this file was booked already (batch {prior[0]})"))
                return report
        products, shared = load_products(s), Shared()
        for chunk in _chunks(rows(), CHUNK):
            parsed, kept = [], []
            for number, raw in chunk:
                report.rows_total += 1
                _tally(report.file_totals, raw)
                row, issues = rules.parse_row(number, raw, today)
                ref = str(raw.get("external_ref") or "").strip()
                if ref and ref in seen:
                    issues.append(Issue(number, "external_ref", ref,
                                        f"duplicates row {seen[ref]} of this batch"))
                elif ref:
                    seen[ref] = number
                if row is not None and not issues:
                    issues = prepare(row, products, today, checking=True, shared=shared)[1]
                if issues:
                    report.issues.extend(issues)
                    report.invalid_rows.add(number)
                    report.invalid_refs[number] = str(raw.get("external_ref") or "")
                else:
                    parsed.append(row)
                kept.append((number, str(raw.get("external_ref") or ""), row))
            _check_existing(s, source, parsed, report)
            if spool is not None:
                invalid = report.invalid_rows
                data = marshal.dumps([(n, ref, None if n in invalid else rules.pack(row))
                                      for n, ref, row in kept])
                spool.write(len(data).to_bytes(8, "big") + data)
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
    """Validate, then (unless refused or a dry run) book every valid row in one transaction.
    A failure or a killed process midway leaves nothing: the batch commits whole or not.
    `within(session, report)` runs last inside that transaction (the API stores its
    idempotent answer there, so the answer and the loans commit together)."""
    actor.require_permission("onboarding.board")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    today = today or date.today()
    source = (source or "").strip()[:60] or "file"
    with tempfile.TemporaryFile(prefix="lendbook-onboarding-") as spool:
        report = validate(rows, source, url, today, sha256, None if dry_run else spool)
        if report.status == "duplicate_file" or dry_run or \
                (report.issues and not valid_only) or report.rows_valid == 0:
            if dry_run and report.status == "valid":
                report.status = "dry_run"
            return report
        spool.seek(0)
        try:
            _book(_spooled(spool), report, source, method, actor, filename, sha256, url,
                  today, within)
        except IntegrityError as e:  # a concurrent batch boarded one of these references first
            raise Conflict("another batch boarded some of these loans meanwhile; validate and "
                           "upload again") from e
    return report


def _spooled(spool):
    """The chunks `validate` spooled: (row number, external ref as given, Row or None)."""
    unpack = rules.unpack
    while size := int.from_bytes(spool.read(8), "big"):
        chunk = marshal.loads(spool.read(size))
        yield [(n, ref, None if row is None else unpack(row)) for n, ref, row in chunk]


def _book(chunks, report: Report, source, method, actor, filename, sha256, url, today,
          within):
    issues_by_row: dict[int, list] = {}
    for i in report.issues:
        issues_by_row.setdefault(i.row, []).append([i.column, i.value, i.reason])
    with UnitOfWork(url) as s:
        batch = OnboardingBatch(source=source, method=method, filename=filename[:200],
                                sha256=sha256, status="booked", totals={},
                                created_by=actor.label)
        s.add(batch)
        s.flush()  # on SQLite this write takes the lock the id reservation relies on
        ctx = book.Context(batch.id, source, method, filename, sha256, actor, today,
                           book.last_closed_date(s), recorder(s, actor))
        products = load_products(s)
        shared = Shared()
        book.start(s, ctx)
        try:
            for chunk in chunks:
                ready, results = [], []
                for number, ref, row in chunk:
                    if row is None:
                        results.append((number, ref, None, "invalid", issues_by_row.get(number)))
                        continue
                    ready.append((row, *prepare(row, products, today, shared=shared)[0]))
                for (number, loan_id, loan_number), item in zip(book.book_chunk(s, ctx, ready),
                                                                ready):
                    row = item[0]
                    results.append((number, row.external_ref, loan_id, "booked", None))
                    report.loans.append((number, row.external_ref, loan_number))
                    t = report.booked_totals.setdefault(row.product_code, [0, 0])
                    t[0] += 1
                    t[1] += row.amount_minor
                book.row_results(ctx, results)
            book.finish(s, ctx)
        except BaseException:
            book.abandon(ctx)  # the background write stops using the connection first
            raise
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
        if within is not None:
            within(s, report)


def stored_report(batch_id: int, url: str | None = None) -> Report:
    """A booked batch's Bulk Loan Upload Report again, from its stored rows and totals."""
    from domain.db.onboarding_tables import OnboardingRow
    from domain.errors import NotFound
    with UnitOfWork(url) as s:
        batch = s.get(OnboardingBatch, batch_id)
        if batch is None:
            raise NotFound(f"onboarding batch {batch_id}")
        report = Report(status=batch.status, batch_id=batch.id, rows_total=batch.rows_total)
        for code, v in batch.totals.items():
            report.file_totals[code] = [v["file_rows"], v["file_funded_minor"]]
            if v["rows"]:
                report.booked_totals[code] = [v["rows"], v["funded_minor"]]
        rows = s.execute(select(OnboardingRow.row_number, OnboardingRow.external_ref,
                                OnboardingRow.errors, Loan.loan_number)
                         .outerjoin(Loan, Loan.id == OnboardingRow.loan_id)
                         .where(OnboardingRow.batch_id == batch_id)
                         .order_by(OnboardingRow.row_number))
        for number, ref, errors, loan_number in rows:
            if loan_number:
                report.loans.append((number, ref, loan_number))
                continue
            report.invalid_rows.add(number)
            report.invalid_refs[number] = ref
            report.issues.extend(Issue(number, c, v, r) for c, v, r in errors or [])
        return report

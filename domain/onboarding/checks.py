"""Validating onboarding rows a chunk at a time, the same for every method (API, file, manual
entry) and for both passes (`onboarding.validate` checks only, `onboarding.board` checks and
then books): parsing and product rules (domain.onboarding.rows), duplicates inside the batch,
references already boarded from the same source, borrower emails that belong to staff; the
report every issue goes into; the products and the schedule parts a batch shares.
"""
import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import JSON, any_, bindparam, cast, func, select

from domain.onboarding import rows as rules
from domain.db.onboarding_tables import OnboardedLoan, OnboardingBatch
from domain.db.tables import AppUser, Loan, Product, ProductVersion
from domain.kernel.money import parse_amount
from domain.onboarding.rows import Issue
from domain.calculation.schedule_templates import Templates
from domain.calculation.terms import ProductTerms


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


def load_products(s) -> dict[str, ProductInfo]:
    rows = s.execute(select(Product.code, Product.id, ProductVersion.version, ProductVersion.name,
                            ProductVersion.terms)
                     .join(ProductVersion, (ProductVersion.product_id == Product.id)
                           & (ProductVersion.version == Product.current_version))
                     .where(Product.active))
    return {c: ProductInfo(i, v, n, ProductTerms.from_dict(t)) for c, i, v, n, t in rows}


class Shared:
    """What the rows of one batch share (same results as computing it per row): loan terms
    per product, rate and frequency; schedule parts (domain.calculation.schedule_templates)."""

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


def prior_batch(s, sha256: str, report: Report) -> bool:
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


def check_chunk(s, chunk, report: Report, seen: dict, products: dict, shared: Shared,
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

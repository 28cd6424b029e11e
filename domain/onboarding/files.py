"""Onboarding files: CSV and XLSX read as a stream of rows through a column mapping, the
per-product template, and the two reports (validation report, Bulk Loan Upload Report).

A mapping is `{"columns": {"<our column>": "<header in the file>", ...}}`; columns it does not
name keep their own name as the header. A header the mapping does not know is refused (a new
column in the source must never vanish silently), as is a missing required column.
"""
import csv
import hashlib
import io
from datetime import date, datetime
from pathlib import Path

from domain.kernel.money import fmt
from domain.onboarding.rows import COLUMNS, REQUIRED, Issue
from domain.calculation.terms import ProductTerms

DEFAULT_MAPPING = {"columns": {c: c for c in COLUMNS}}


def check_mapping(mapping: dict) -> dict[str, str]:
    errors = {}
    if not isinstance(mapping, dict) or set(mapping) - {"columns"} or \
            not isinstance(mapping.get("columns", {}), dict):
        return {"(mapping)": 'must be {"columns": {"<column>": "<file header>"}}'}
    for col, header in mapping.get("columns", {}).items():
        if col not in COLUMNS:
            errors[f"columns.{col}"] = f"is not an onboarding column ({', '.join(COLUMNS)})"
        elif not isinstance(header, str) or not 1 <= len(header.strip()) <= 100:
            errors[f"columns.{col}"] = "must name a header of 1 to 100 characters"
    return errors


def sha256_of(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def is_xlsx(path: Path) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm")


def _unreadable() -> tuple:
    from zipfile import BadZipFile
    from openpyxl.utils.exceptions import InvalidFileException
    return (ValueError, csv.Error, BadZipFile, InvalidFileException, KeyError)


UNREADABLE = _unreadable()  # what a file that is not CSV/XLSX raises (UTF-8 errors included)


def _raw_rows(path: Path):
    """Yields lists of cell texts, header first; XLSX in openpyxl's read-only stream."""
    if is_xlsx(path):
        from openpyxl import load_workbook
        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            for values in wb.worksheets[0].iter_rows(values_only=True):
                yield [_cell(v) for v in values]
        finally:
            wb.close()
        return
    with open(path, newline="", encoding="utf-8-sig") as f:
        yield from csv.reader(f)


def header_issues(path: Path, mapping: dict) -> tuple[dict[int, str], list[Issue]]:
    """Position -> our column for the file's header row, or the header's issues (row 1)."""
    by_header = {h.strip().lower(): c for c, h in
                 {**DEFAULT_MAPPING["columns"], **mapping.get("columns", {})}.items()}
    header = next(_raw_rows(path), None)
    if not header:
        return {}, [Issue(1, "(header)", "", "the file is empty: a header row is required")]
    positions, issues = {}, []
    for k, h in enumerate(header):
        col = by_header.get(h.strip().lower())
        if col is None:
            if h.strip():
                issues.append(Issue(1, h, h, "unknown column (add it to the mapping or "
                                             "remove it): nothing is dropped silently"))
        elif col in positions.values():
            issues.append(Issue(1, h, h, f"second column mapped to {col}"))
        else:
            positions[k] = col
    for col in REQUIRED:
        if col not in positions.values():
            issues.append(Issue(1, col, "", "required column is missing"))
    return positions, issues


def rows_of(path: Path, positions: dict[int, str]):
    """A callable giving a fresh stream of (row number, {column: text}); blank rows skipped."""
    def stream():
        it = _raw_rows(path)
        next(it, None)
        for number, cells in enumerate(it, start=2):
            if not any((c or "").strip() for c in cells):
                continue
            yield number, {col: (cells[k] if k < len(cells) else "")
                           for k, col in positions.items()}
    return stream


def template(code: str, terms: ProductTerms) -> str:
    """The header and one example row of a product (its own ranges in the example)."""
    example = {"external_ref": "LOS-0001", "product_code": code,
               "borrower_name": "Jane Example", "borrower_email": "jane@example.com",
               "borrower_date_of_birth": "1985-04-12", "address_line1": "1 Main St",
               "city": "Springfield", "state": "IL", "postal_code": "62701",
               "funded_amount": str(fmt(terms.min_amount_minor)).replace(",", ""),
               "funding_date": date.today().isoformat(), "use_product_defaults": "yes",
               "term": str(terms.min_term)}
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    w.writerow([example.get(c, "") for c in COLUMNS])
    return out.getvalue()


def write_validation_report(issues: list[Issue], out) -> None:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["row", "column", "value", "reason"])
    for i in sorted(issues, key=lambda i: (i.row, COLUMNS.index(i.column)
                                           if i.column in COLUMNS else -1)):
        w.writerow([i.row, i.column, i.value, i.reason])


def write_upload_report(report, out) -> bool:
    """The Bulk Loan Upload Report: every row with its Loan ID or errors, then totals by
    product (file, boarded, not boarded). True when boarded + not boarded = the file's totals."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["row", "external_ref", "status", "loan_id", "errors"])
    errors: dict[int, list[str]] = {}
    refs = report.invalid_refs
    for i in report.issues:
        errors.setdefault(i.row, []).append(f"{i.column}: {i.reason}")
    booked = {n: (ref, loan) for n, ref, loan in report.loans}
    for n in sorted(set(booked) | set(errors)):
        ref, loan = booked.get(n, (refs.get(n, ""), ""))
        w.writerow([n, ref, "booked" if n in booked else "not booked", loan,
                    "; ".join(errors.get(n, []))])
    w.writerow([])
    w.writerow(["product", "file_rows", "file_funded", "boarded_rows", "boarded_funded",
                "not_boarded_rows", "not_boarded_funded"])
    sums = [0, 0, 0, 0]
    for code in sorted(report.file_totals):
        f_rows, f_sum = report.file_totals[code]
        b_rows, b_sum = report.booked_totals.get(code, (0, 0))
        w.writerow([code, f_rows, fmt(f_sum), b_rows, fmt(b_sum), f_rows - b_rows,
                    fmt(f_sum - b_sum)])
        for k, v in enumerate((f_rows, f_sum, b_rows, b_sum)):
            sums[k] += v
    w.writerow(["total", sums[0], fmt(sums[1]), sums[2], fmt(sums[3]), sums[0] - sums[2],
                fmt(sums[1] - sums[3])])
    ok = sums[2] == report.rows_booked and sums[0] == report.rows_total
    w.writerow(["reconciled", "yes" if ok else "NO"])
    return ok

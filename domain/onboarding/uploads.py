"""Bulk upload from the servicing console: an uploaded file is kept under the data folder by
its SHA-256 while it is validated and booked, so the page holds only a reference to it."""
import io
from dataclasses import dataclass
from pathlib import Path

from domain.onboarding import files
from domain.kernel import settings
from domain.kernel.errors import ValidationError
from domain.onboarding import boarding as onboarding, mappings as onboarding_mappings
from domain.kernel.actor import Actor
from domain.db.uow import UnitOfWork

SUFFIXES = (".csv", ".xlsx")
MAX_BYTES = 200 * 1024 * 1024


@dataclass
class Checked:
    sha256: str
    filename: str
    report: onboarding.Report
    header_only: bool = False  # refused on its header: no row was read


def store(actor: Actor, filename: str, content: bytes) -> tuple[str, str]:
    """Keep the upload; (sha256, file name). Only CSV and XLSX, at most 200 MB."""
    actor.require_permission("onboarding.board")
    name = Path(filename or "upload.csv").name
    if Path(name).suffix.lower() not in SUFFIXES:
        raise ValidationError({"file": "must be a .csv or .xlsx file"})
    if not content or len(content) > MAX_BYTES:
        raise ValidationError({"file": "is empty or larger than 200 MB"})
    folder = settings.load().data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.part"
    tmp.write_bytes(content)
    sha = files.sha256_of(tmp)
    final = folder / f"{sha}{Path(name).suffix.lower()}"
    tmp.replace(final)
    return sha, name


def _path(sha256: str, filename: str) -> Path:
    return settings.load().data_dir / "uploads" / f"{sha256}{Path(filename).suffix.lower()}"


def check(actor: Actor, sha256: str, filename: str, source: str,
          url: str | None = None) -> Checked:
    """The validation report of a stored upload (header, then every row); books nothing."""
    actor.require_permission("onboarding.board")
    path = _path(sha256, filename)
    _, mapping = onboarding_mappings.published(source, url)
    positions, issues = files.header_issues(path, mapping)
    if issues:
        report = onboarding.Report(status="invalid", issues=list(issues))
        return Checked(sha256, filename, report, header_only=True)
    report = onboarding.validate(files.rows_of(path, positions), source, url, sha256=sha256)
    return Checked(sha256, filename, report)


def book(actor: Actor, sha256: str, filename: str, source: str, valid_only: bool,
         url: str | None = None) -> onboarding.Report:
    """Book the upload: all rows (refused if any is invalid) or, chosen explicitly, the valid
    rows only; one transaction either way."""
    actor.require_permission("onboarding.board")
    path = _path(sha256, filename)
    _, mapping = onboarding_mappings.published(source, url)
    positions, issues = files.header_issues(path, mapping)
    if issues:
        raise ValidationError({"file": "its header is refused: validate it again"})
    return onboarding.board(files.rows_of(path, positions), source=source, method="file",
                            actor=actor, filename=filename, sha256=sha256,
                            valid_only=valid_only, url=url)


def validation_csv(report: onboarding.Report) -> str:
    out = io.StringIO()
    files.write_validation_report(report.issues, out)
    return out.getvalue()


def upload_report_csv(report: onboarding.Report) -> tuple[str, bool]:
    out = io.StringIO()
    ok = files.write_upload_report(report, out)
    return out.getvalue(), ok


def product_codes(url: str | None = None) -> list[str]:
    with UnitOfWork(url) as s:
        return sorted(onboarding.load_products(s))


def template_csv(code: str, url: str | None = None) -> str:
    """The per-product template: the header and one example row within its ranges."""
    with UnitOfWork(url) as s:
        products = onboarding.load_products(s)
    if code not in products:
        raise ValidationError({"product": f"no product with code {code}"})
    return files.template(code, products[code].terms)

"""`lendbook import FILE` and `lendbook import-template CODE`: boarding loans from a CSV or
XLSX file through the onboarding service (validated whole, booked in one transaction)."""
import json
import sys
from pathlib import Path

from domain.kernel.actor import Actor

CLI_ACTOR = Actor(None, "admin", "cli:import")


def _import(args) -> int:
    from domain.onboarding import files
    from domain.kernel.errors import DomainError, ValidationError
    from domain.onboarding import boarding as onboarding, mappings as onboarding_mappings
    path = Path(args.file)
    if not path.is_file():
        print(f"error: file: {path} does not exist", file=sys.stderr)
        return 2
    try:
        if args.mapping:
            mapping = json.loads(Path(args.mapping).read_text())
            version = onboarding_mappings.save(CLI_ACTOR, args.source, mapping,
                                               args.database_url)
        else:
            version, mapping = onboarding_mappings.published(args.source, args.database_url)
    except (OSError, ValueError) as e:
        print(f"error: mapping: cannot read it ({e})", file=sys.stderr)
        return 2
    except ValidationError as e:
        for field, reason in e.errors.items():
            print(f"error: mapping.{field}: {reason}", file=sys.stderr)
        return 2
    print(f"mapping: {args.source} v{version}" if version else "mapping: default",
          file=sys.stderr)
    try:
        positions, issues = files.header_issues(path, mapping)
        if issues:
            _validation_report(args, issues)
            return 1
        report = onboarding.board(files.rows_of(path, positions), source=args.source,
                                  method="file", actor=CLI_ACTOR, filename=path.name,
                                  sha256=files.sha256_of(path), valid_only=args.valid_only,
                                  dry_run=args.dry_run, url=args.database_url)
    except DomainError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except files.UNREADABLE as e:  # nothing booked: a booking pass rolls back whole
        print(f"error: file: cannot be read as {'XLSX' if files.is_xlsx(path) else 'CSV'} "
              f"({type(e).__name__}: {e})", file=sys.stderr)
        return 2
    if report.issues:
        _validation_report(args, report.issues)
    print(f"{report.rows_total} rows, {report.rows_valid} valid, {len(report.issues)} "
          f"errors: {report.status}", file=sys.stderr)
    if report.status == "booked":
        out = open(args.out, "w", newline="") if args.out else sys.stdout
        try:
            ok = files.write_upload_report(report, out)
        finally:
            if args.out:
                out.close()
        print(f"batch {report.batch_id}: {report.rows_booked} loans booked", file=sys.stderr)
        return 0 if ok else 1
    return 0 if report.status in ("valid", "dry_run") else 1


def _validation_report(args, issues) -> None:
    from domain.onboarding import files
    if args.report:
        with open(args.report, "w", newline="") as f:
            files.write_validation_report(issues, f)
        print(f"validation report: {args.report} ({len(issues)} errors)", file=sys.stderr)
    else:
        files.write_validation_report(issues, sys.stderr)


def _template(args) -> int:
    from domain.onboarding import files
    from domain.db.uow import UnitOfWork
    from domain.onboarding.boarding import load_products
    with UnitOfWork(args.database_url) as s:
        products = load_products(s)
    code = args.product.upper()
    if code not in products:
        print(f"error: product: no active product {code} ({', '.join(sorted(products))})",
              file=sys.stderr)
        return 2
    sys.stdout.write(files.template(code, products[code].terms))
    return 0


def _stored(args) -> int:
    from domain.onboarding import files
    from domain.kernel.errors import NotFound
    from domain.onboarding import reports as onboarding_reports
    try:
        report = onboarding_reports.stored_report(args.batch, args.database_url)
    except NotFound as e:
        print(f"error: batch: {e} does not exist", file=sys.stderr)
        return 2
    return 0 if files.write_upload_report(report, sys.stdout) else 1


def register(sub) -> None:
    p = sub.add_parser("import", help="board loans from a CSV or XLSX file (validated whole, "
                       "booked in one transaction)")
    p.add_argument("file")
    p.add_argument("--source", default="file", help="source system name (default: file)")
    p.add_argument("--mapping", help="column mapping JSON; saved as the source's new version")
    p.add_argument("--valid-only", action="store_true",
                   help="book the valid rows even when others have errors")
    p.add_argument("--dry-run", action="store_true", help="validate only; book nothing")
    p.add_argument("--report", help="write the validation report CSV here (default: stderr)")
    p.add_argument("--out", help="write the Bulk Loan Upload Report here (default: stdout)")
    p.set_defaults(func=_import)
    p = sub.add_parser("import-report", help="the Bulk Loan Upload Report of a past batch")
    p.add_argument("batch", type=int)
    p.set_defaults(func=_stored)
    p = sub.add_parser("import-template", help="CSV template (header + example) of a product")
    p.add_argument("product")
    p.set_defaults(func=_template)

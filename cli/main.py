"""`lendbook` console script: operator commands over the same domain layer as the web app."""
import argparse
import json
import sys

from domain.kernel import settings


def _migrate(args) -> int:
    from domain.db.migrate import upgrade
    upgrade(args.database_url)
    print("database migrated to the latest schema")
    return 0


def _demo(args) -> int:
    from cli import demo
    loaded = demo.load(args.database_url)
    print("demo data loaded" if loaded else "demo data already present (left as it is)")
    print(f"demo users (password '{demo.PASSWORD}'):")
    for email, name, role in demo.USERS:
        print(f"  {role:<12} {email}")
    return 0


def _audit(args) -> int:
    if args.action == "verify":
        return _audit_verify(args)
    from domain.db.uow import UnitOfWork
    from domain.audit.trail import trail
    with UnitOfWork(args.database_url) as s:
        for row in reversed(trail(s, args.entity, limit=args.limit)):
            print(json.dumps({"at": str(row.at), "actor": row.actor_label, "action": row.action,
                              "entity": row.entity, "id": row.entity_id, "reason": row.reason,
                              "before": row.before, "after": row.after}, default=str))
    return 0


def _audit_verify(args) -> int:
    """Exit 0: every row chained and intact; 1: a broken link or rows outside the chain."""
    from domain.kernel.actor import SYSTEM
    from domain.audit.verify import verify, verify_and_record
    report = verify(args.database_url) if args.no_record else \
        verify_and_record(SYSTEM, args.database_url)
    for line in report.lines():
        print(line, file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1


def _trial_balance(args) -> int:
    from domain.db.uow import UnitOfWork
    from domain.kernel.money import fmt
    from domain.ledger.journal import trial_balance
    with UnitOfWork(args.database_url) as s:
        product_id = None
        if args.product:
            from sqlmodel import select
            from domain.db.tables import Product
            product = s.exec(select(Product).where(Product.code == args.product.upper())).first()
            if product is None:
                print(f"error: product: no product with code {args.product}", file=sys.stderr)
                return 2
            product_id = product.id
        tb = trial_balance(s, product_id)
    for account, total in sorted(tb.items()):
        print(f"{account:<28} {fmt(total):>16}")
    print(f"{'total (must be 0.00)':<28} {fmt(sum(tb.values())):>16}")
    return 0 if sum(tb.values()) == 0 else 1


def _partner(args) -> int:
    from domain.kernel.errors import ValidationError
    from domain.kernel.actor import SYSTEM
    from domain.access.partners import create_partner
    try:
        partner_id, key = create_partner(SYSTEM, args.name, args.database_url)
    except ValidationError as e:
        for field, reason in e.errors.items():
            print(f"error: {field}: {reason}", file=sys.stderr)
        return 2
    print(f"partner {partner_id} created; its API key (shown only now):")
    print(key)
    return 0


def _read_json(path: str):
    text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
    return json.loads(text)


def _calculate(args, fn) -> int:
    """Run a pure calculator on a JSON file; bad input exits 2 naming each field."""
    from domain.kernel.errors import ValidationError
    try:
        result = fn(_read_json(args.file))
    except OSError as e:
        print(f"error: {args.file}: {e.strerror}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as e:
        print(f"error: input: not valid JSON ({e})", file=sys.stderr)
        return 2
    except ValidationError as e:
        for field, reason in e.errors.items():
            print(f"error: {field}: {reason}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


def _quote(args) -> int:
    from domain.calculation.quote import quote
    return _calculate(args, quote)


def _apr(args) -> int:
    from domain.calculation.apr import apr_request
    return _calculate(args, apr_request)


def _cob(args) -> int:
    """Close of business through --date: one line per business date closed."""
    from datetime import date
    from domain.kernel.money import fmt
    from domain.kernel.actor import SYSTEM
    from domain.servicing.cob import run_cob
    try:
        through = date.fromisoformat(args.date) if args.date else date.today()
    except ValueError:
        print(f"error: date: '{args.date}' is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 2
    results = run_cob(through, SYSTEM, args.database_url)
    for r in results:
        print(f"{r.business_date}  loans {r.loans}  accrued {r.accrual_loans} loans "
              f"{fmt(r.interest_accrued_minor)}  delinquent {r.delinquent_loans}  "
              f"late fees {r.late_fees} {fmt(r.late_fees_minor)}")
    if not results:
        print(f"nothing to close: business dates through {through} are already closed")
    return 0


def _errors(e) -> int:
    for field, reason in e.errors.items():
        print(f"error: {field}: {reason}", file=sys.stderr)
    return 2


def _gl_export(args) -> int:
    """Journal lines for the GL on stdout (or --out), totals on stderr; each entry once."""
    import os
    from domain.kernel.errors import DomainError, ValidationError
    from domain.ledger import gl_export
    from domain.kernel.actor import SYSTEM
    if args.out and not os.access(os.path.dirname(os.path.abspath(args.out)), os.W_OK):
        print(f"error: out: cannot write {args.out}", file=sys.stderr)
        return 2
    try:
        if args.reprint is not None:
            name, _, text = gl_export.export_file(SYSTEM, args.reprint, args.format,
                                                  args.database_url)
            export_id, summary = args.reprint, f"{name}: past export {args.reprint} again"
        else:
            r = gl_export.export(SYSTEM, args.from_date, args.to_date, args.format,
                                 args.database_url, dry_run=args.dry_run)
            export_id, text, summary = r.export_id, r.text, _gl_summary(r)
    except ValidationError as e:
        return _errors(e)
    except DomainError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if args.out:
        try:
            with open(args.out, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        except OSError as e:
            print(f"error: out: {args.out}: {e.strerror}"
                  + (f" (export {export_id} is recorded: lendbook gl-export --reprint "
                     f"{export_id})" if export_id else ""), file=sys.stderr)
            return 2
    else:
        sys.stdout.write(text)
    print(summary, file=sys.stderr)
    return 0


def _gl_summary(r) -> str:
    from domain.kernel.money import fmt
    t = r.totals
    what = ("dry run, nothing recorded" if r.dry_run else
            f"export {r.export_id}" if r.export_id else "nothing new to export")
    mapping = f"mapping version {r.mapping_version}" if r.mapping_version else \
        "built-in default mapping"
    return (f"GL {what}: {t.lines} lines, {t.entries} entries, debit {fmt(t.debit_minor)}, "
            f"credit {fmt(t.credit_minor)} ({mapping}); {r.skipped_already_exported} entries "
            "in the range exported before, skipped")


def _gl_mapping(args) -> int:
    from domain.kernel.errors import DomainError, ValidationError
    from domain.ledger import gl_mapping
    from domain.kernel.actor import SYSTEM
    if args.action == "show":
        version, mapping = gl_mapping.current(SYSTEM, args.database_url)
        print(json.dumps(mapping.to_dict(), indent=2))
        print(f"published version {version}" if version else
              "built-in default (no version published)", file=sys.stderr)
        return 0
    if not args.file:
        print("error: file: the mapping JSON to publish (FILE or -)", file=sys.stderr)
        return 2
    try:
        version = gl_mapping.save_draft(SYSTEM, _read_json(args.file), args.database_url)
        gl_mapping.publish(SYSTEM, version, "published with lendbook gl-mapping",
                           args.database_url)
    except OSError as e:
        print(f"error: {args.file}: {e.strerror}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as e:
        print(f"error: input: not valid JSON ({e})", file=sys.stderr)
        return 2
    except ValidationError as e:
        return _errors(e)
    except DomainError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"GL mapping version {version} published")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Every command and its options (the operator guide's command page is checked against
    it: tests/unit/test_docs.py)."""
    parser = argparse.ArgumentParser(prog="lendbook", description=__doc__)
    parser.add_argument("--database-url", default=None,
                        help=f"default: $DATABASE_URL or {settings.load().database_url}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply Alembic migrations").set_defaults(func=_migrate)
    sub.add_parser("demo", help="load demo data once").set_defaults(func=_demo)
    p = sub.add_parser("audit", help="print the audit trail as JSON lines (show), or check "
                       "its hash chain and report the first broken link (verify)")
    p.add_argument("action", nargs="?", choices=("show", "verify"), default="show")
    p.add_argument("--no-record", action="store_true",
                   help="verify: do not append the outcome to the audit trail")
    p.add_argument("--entity")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=_audit)
    p = sub.add_parser("trial-balance", help="sum of postings per ledger account")
    p.add_argument("--product", help="only the loans of this product code")
    p.set_defaults(func=_trial_balance)
    p = sub.add_parser("quote", help="schedule and TILA figures for JSON terms (FILE or -)")
    p.add_argument("file")
    p.set_defaults(func=_quote)
    p = sub.add_parser("apr", help="Regulation Z Appendix J APR for JSON advances/payments")
    p.add_argument("file")
    p.set_defaults(func=_apr)
    p = sub.add_parser("cob", help="close of business (accrual, delinquency, late fees)")
    p.add_argument("--date", help="last business date to close, YYYY-MM-DD (default: today)")
    p.set_defaults(func=_cob)
    p = sub.add_parser("partner", help="create an intake API partner and print its key once")
    p.add_argument("name")
    p.set_defaults(func=_partner)
    p = sub.add_parser("gl-export", help="journal lines for the general ledger, CSV or JSON; "
                       "each journal entry is exported once")
    p.add_argument("--from", dest="from_date", help="first effective date, YYYY-MM-DD")
    p.add_argument("--to", dest="to_date", help="last effective date (inclusive)")
    p.add_argument("--format", default="csv", help="csv (default) or json")
    p.add_argument("--out", help="write to FILE instead of stdout")
    p.add_argument("--dry-run", action="store_true", help="show the lines, record nothing")
    p.add_argument("--reprint", type=int, metavar="ID", help="print past export ID again")
    p.set_defaults(func=_gl_export)
    p = sub.add_parser("gl-mapping", help="show or publish the GL chart-of-accounts mapping")
    p.add_argument("action", choices=("show", "publish"))
    p.add_argument("file", nargs="?", help="publish: the mapping JSON (FILE or -)")
    p.set_defaults(func=_gl_mapping)
    from cli import payments as cli_payments
    cli_payments.register(sub)
    from cli import onboarding as cli_onboarding
    cli_onboarding.register(sub)
    from cli import config as cli_config
    cli_config.register(sub)
    from cli import products as cli_products
    cli_products.register(sub)
    from cli import settings as cli_settings
    cli_settings.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

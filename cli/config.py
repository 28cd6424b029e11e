"""`lendbook config export` and `lendbook config import FILE [--dry-run]`: the configuration
as a YAML or JSON document (domain.config_document.export_import). Invalid documents exit 2 with one
`error: PATH: reason` line per problem and change nothing."""
import sys

from domain.kernel.actor import Actor

CLI_ACTOR = Actor(None, "admin", "cli:config")


def _short(value, limit: int = 60) -> str:
    text = "(none)" if value is None else str(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def print_changes(result, out=None) -> None:
    out = out or sys.stdout
    for section, items in result.changes.items():
        counts = ", ".join(f"{n} {status}" for status, n in result.counts()[section].items())
        print(f"{section}: {counts or 'no items'}", file=out)
        for c in items:
            if c.status == "unchanged":
                continue
            print(f"  {c.status:<20} {c.key}", file=out)
            if c.status == "changed":
                for path, before, after in c.fields:
                    print(f"      {path}: {_short(before)} -> {_short(after)}", file=out)


def _export(args) -> int:
    from domain.config_document import export_import as config_io
    sys.stdout.write(config_io.export(CLI_ACTOR, args.format, args.database_url))
    return 0


def _import(args) -> int:
    from domain.kernel.errors import DomainError, ValidationError
    from domain.config_document import export_import as config_io
    try:
        text = sys.stdin.buffer.read() if args.file == "-" else open(args.file, "rb").read()
    except OSError as e:
        print(f"error: {args.file}: {e.strerror}", file=sys.stderr)
        return 2
    try:
        result = config_io.import_document(CLI_ACTOR, text, args.dry_run, args.database_url)
    except ValidationError as e:
        for path, reason in e.errors.items():
            print(f"error: {path}: {reason}", file=sys.stderr)
        print(f"{len(e.errors)} errors: nothing was imported", file=sys.stderr)
        return 2
    except DomainError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print_changes(result)
    if result.dry_run:
        print(f"dry run of sha256:{result.sha256}: nothing was changed")
    else:
        print(f"imported sha256:{result.sha256}: " +
              (", ".join(result.applied) if result.applied else "nothing to change"))
    return 0


def register(sub) -> None:
    p = sub.add_parser("config", help="export or import the configuration as YAML or JSON")
    actions = p.add_subparsers(dest="action", required=True)
    e = actions.add_parser("export", help="the whole configuration on stdout")
    e.add_argument("--format", choices=("yaml", "json"), default="yaml")
    e.set_defaults(func=_export)
    i = actions.add_parser("import", help="validate and import a document (FILE or -)")
    i.add_argument("file")
    i.add_argument("--dry-run", action="store_true",
                   help="validate and show the diff per section and item; change nothing")
    i.set_defaults(func=_import)

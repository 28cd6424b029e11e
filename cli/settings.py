"""`lendbook settings`: every setting Lendbook reads (one typed object,
`domain.kernel.settings`), as the operator guide's Markdown tables or as the values in effect
now (secrets hidden)."""
import argparse
import json


def _settings(args: argparse.Namespace) -> int:
    from domain.kernel import settings
    if args.markdown:
        print(settings.markdown(), end="")
        return 0
    current = settings.load()
    values = {}
    for name, f in settings.Settings.model_fields.items():
        env = f.json_schema_extra["env"]
        value = getattr(current, name)
        values[env] = "(set)" if (f.repr is False and value) else \
            (str(value) if value is not None else None)
    print(json.dumps(values, indent=2))
    return 0


def register(sub) -> None:
    p = sub.add_parser("settings", help="every setting with its value now (secrets hidden); "
                       "--markdown: the operator guide's tables")
    p.add_argument("--markdown", action="store_true", help="print the Markdown tables")
    p.set_defaults(func=_settings)

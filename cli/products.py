"""`lendbook product-schema`: the product settings table (docs/product-configurator.md) or
the schema as JSON, printed from the one declarative product schema."""
import argparse
import json


def _schema(args: argparse.Namespace) -> int:
    from domain.configuration.product_schema_views import form_spec, markdown
    if args.markdown:
        print(markdown(), end="")
    else:
        print(json.dumps(form_spec(), indent=2))
    return 0


def register(sub) -> None:
    p = sub.add_parser("product-schema", help="every product setting: type, default, allowed "
                       "values (--markdown: the docs table; default JSON)")
    p.add_argument("--markdown", action="store_true", help="print the Markdown table")
    p.set_defaults(func=_schema)

"""What the product schema looks like to people: the admin form's field list and the
docs' settings table (docs/product-configurator.md), both generated from `domain.configuration.product_schema.SCHEMA` (pure)."""
from domain.configuration.product_schema import GL_NOTE, GROUPS, SCHEMA, CHECKS, Setting

WIDGETS = {"money": "text", "amount": "text", "percent": "text", "integer": "text",
           "choice": "select", "choices": "checkboxes", "order": "text", "flag": "select",
           "days": "text", "tiers": "text", "reference": "select"}
INPUT_MODES = {"money": "decimal", "amount": "decimal", "percent": "decimal",
               "integer": "numeric"}
TYPE_WORDS = {"money": "amount", "amount": "amount", "percent": "percent", "integer": "whole number",
              "choice": "one of", "choices": "any of", "order": "order of", "flag": "yes/no",
              "days": "day list", "tiers": "tier=rate list", "reference": "code"}


def form_text(setting: Setting, value) -> str:
    """A setting's value as the form shows it (lists comma-separated, tiers as A=8.99)."""
    if setting.type == "flag":
        return "yes" if value in (True, "true", "yes", "1", "on") else "no"
    if setting.type == "tiers":
        items = value.items() if isinstance(value, dict) else value or ()
        return ", ".join(f"{t}={r}" for t, r in items)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(x) for x in value)
    return "" if value is None else str(value)


def form_spec(schema: tuple[Setting, ...] = SCHEMA) -> list[dict]:
    """One entry per setting, in schema order: what the admin page renders. Select options
    of `reference` settings come from the database at page load (`options` is empty)."""
    out = []
    for s in schema:
        options = [["yes", "Yes"], ["no", "No"]] if s.type == "flag" else \
            [[c, c.replace("_", " ")] for c in s.choices] if s.type in ("choice", "choices") \
            else []
        hint = s.help + (f" Order of: {', '.join(s.choices)}." if s.type == "order" else "")
        out.append({"name": s.name, "label": s.label, "help": hint, "group": s.group,
                    "widget": WIDGETS[s.type], "input_mode": INPUT_MODES.get(s.type, "text"),
                    "options": options, "default": form_text(s, s.default),
                    "optional": s.optional})
    return out


def groups(spec: list[dict]) -> list[tuple[str, list[dict]]]:
    """The spec by group, in GROUPS order (unknown groups last, in first-seen order)."""
    names = list(GROUPS) + [f["group"] for f in spec if f["group"] not in GROUPS]
    seen = list(dict.fromkeys(names))
    return [(g, [f for f in spec if f["group"] == g]) for g in seen
            if any(f["group"] == g for f in spec)]


def _allowed(s: Setting) -> str:
    if s.choices:
        return ", ".join(f"`{c}`" for c in s.choices)
    if s.type == "integer":
        return f"{s.minimum}-{s.maximum}"
    if s.type in ("money", "amount"):
        return "at least 0.01" if s.minimum else "0 or more"
    if s.type == "percent":
        return "0-100, 4 decimals"
    if s.type == "reference":
        return "a published workflow" if s.name == "workflow" else \
            "a rule set code (referred until published) or empty"
    return ""


def markdown(schema: tuple[Setting, ...] = SCHEMA) -> str:
    """The docs settings table (`lendbook product-schema --markdown`)."""
    lines = ["| Group | Setting | Label | Type | Default | Allowed | Help |",
             "|---|---|---|---|---|---|---|"]
    for s in schema:
        default = form_text(s, s.default) or "(none)"
        lines.append(f"| {s.group} | `{s.name}` | {s.label} | {TYPE_WORDS[s.type]} | "
                     f"{default} | {_allowed(s)} | {s.help} |")
    lines += ["", "Cross-field checks: " + "; ".join(
        f"`{c.field}` {c.message}" for c in CHECKS) + ".", "", GL_NOTE]
    return "\n".join(lines) + "\n"


def diff_rows(old: dict | None, new: dict, schema: tuple[Setting, ...] = SCHEMA) -> list[dict]:
    """Settings (plain values, plus `name`) that differ between two versions, in schema
    order: field, label, old, new as the form writes them. `old` None: a new product."""
    labels = [("name", "Product name", None)] + [(s.name, s.label, s) for s in schema]
    rows = []
    for name, label, s in labels:
        text = (lambda v: form_text(s, v)) if s else (lambda v: "" if v is None else str(v))
        before = "" if old is None else text(old.get(name, s.default if s else ""))
        after = text(new.get(name, s.default if s else ""))
        if old is None or before != after:
            rows.append({"field": name, "label": label, "old": before if old else "(new)",
                         "new": after})
    return rows

"""The products section of the configuration document: each active product's current version
as {code, name, settings} (settings: every ProductTerms field, as a booked loan stores them).
Importing a changed product adds a new version (booked loans keep theirs); a new code creates
the product. The product configurator (issue 7 item 1) changes how versions are kept: the two
adapter functions `_current_versions` and `_add_version` are the only places to change."""
import dataclasses
import re
from decimal import Decimal, InvalidOperation

from sqlmodel import select

from domain.config_document.document import ADDED, CHANGED, unknown_keys
from domain.db.tables import Product, ProductVersion
from domain.kernel.errors import ValidationError
from domain.config_document.section import Section, keyed_diff
from domain.calculation.terms import ProductTerms
from domain.configuration import products
from domain.configuration.workflow import BUILT_IN
from domain.db.workflow_tables import WorkflowVersion

CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,39}$")
KEYS = ("code", "name", "settings")
FIELDS = {f.name: f for f in dataclasses.fields(ProductTerms)}


# --- the adapter: how product versions are read and written -------------------------------
def _current_versions(s) -> list[tuple[Product, ProductVersion]]:
    q = select(Product, ProductVersion).join(
        ProductVersion, (ProductVersion.product_id == Product.id)
        & (ProductVersion.version == Product.current_version)).where(Product.active)
    return list(s.exec(q.order_by(Product.code)))


def _add_version(s, actor, code: str, name: str, terms: ProductTerms, reason: str) -> str:
    """A new product version through the configurator's own path: a draft, published at
    once (the product is created on first sight; booked loans keep their versions)."""
    exists = s.exec(select(Product.id).where(Product.code == code)).first() is not None
    version = products._draft(s, actor, code, name, terms, None if exists else True)
    products._publish(s, actor, code, version, reason)
    return f"product {code} v{version}"


# --- the section ---------------------------------------------------------------------------
def snapshot(s) -> list[dict]:
    return [{"code": p.code, "name": v.name,
             "settings": ProductTerms.from_dict(v.terms).to_dict()}
            for p, v in _current_versions(s)]


def _typed(name: str, value, errors: list, path: str):
    """A document value as the ProductTerms field wants it (never a float for a decimal)."""
    kind = FIELDS[name].type
    ok = {int: isinstance(value, int) and not isinstance(value, bool),
          bool: isinstance(value, bool), str: isinstance(value, str),
          str | None: value is None or isinstance(value, str)}
    if kind in ok:
        if not ok[kind]:
            errors.append((path, {int: "must be a whole number", bool: "must be true or false",
                                  str: "must be text", str | None: "must be text or null"}[kind]))
        return value
    if kind is Decimal:
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            try:
                return Decimal(str(value).strip())
            except InvalidOperation:
                pass
        errors.append((path, "must be a decimal number as text, e.g. '11.99'"))
        return value
    if kind == tuple[tuple[str, Decimal], ...]:  # pricing tiers: {tier: "rate"}
        if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            errors.append((path, "must be an object of tier: rate as text, e.g. {A: '8.99'}"))
            return value
        try:
            return tuple((k, Decimal(v.strip())) for k, v in value.items())
        except InvalidOperation:
            errors.append((path, "each tier's rate must be a decimal number as text"))
            return value
    inner = int if kind == tuple[int, ...] else str
    if not isinstance(value, list) or not all(
            isinstance(v, inner) and not isinstance(v, bool) for v in value):
        errors.append((path, f"must be a list of {'whole numbers' if inner is int else 'texts'}"))
        return value
    return tuple(value)


def terms_of(settings: dict, path: str) -> tuple[ProductTerms | None, list[tuple[str, str]]]:
    unknown, errors = unknown_keys(settings, list(FIELDS), path), []
    values = {k: _typed(k, v, errors, f"{path}.{k}") for k, v in settings.items() if k in FIELDS}
    errors += [(f"{path}.{k}", "is required") for k, f in FIELDS.items()
               if k not in settings and f.default is dataclasses.MISSING]
    if errors:  # values of the wrong type: the range checks below cannot run
        return None, unknown + errors
    try:
        terms = ProductTerms(**values)
    except ValidationError as e:
        return None, unknown + [(f"{path}.{_field(k)}", reason) for k, reason in e.errors.items()]
    return (None if unknown else terms), unknown


def _field(key: str) -> str:
    """ProductTerms names money errors without '_minor' (as a form shows them)."""
    return key if key in FIELDS or key + "_minor" not in FIELDS else key + "_minor"


def validate(s, value, sections) -> list[tuple[str, str]]:
    if not isinstance(value, list):
        return [("", "must be a list")]
    workflows = set(BUILT_IN) | {c for c in s.exec(select(WorkflowVersion.code).where(
        WorkflowVersion.status == "published"))}
    doc_wf = sections.get("workflows")
    workflows |= {w.get("code") for w in doc_wf if isinstance(w, dict)} \
        if isinstance(doc_wf, list) else set()
    retired = set(s.exec(select(Product.code).where(Product.active == False)))  # noqa: E712
    errors, seen = [], set()
    for i, item in enumerate(value):
        at = f"[{i}]"
        if not isinstance(item, dict):
            errors.append((at, "must be an object with code, name, settings"))
            continue
        errors += unknown_keys(item, KEYS, at)
        code, name = item.get("code"), item.get("name")
        if not isinstance(code, str) or not CODE.match(code):
            errors.append((f"{at}.code", "use 2-40 capital letters, digits, '-' or '_'"))
        elif code in seen or code in retired:
            errors.append((f"{at}.code", f"{code} appears twice" if code in seen else
                           f"{code} is a retired product here; an import does not revive it"))
        seen.add(code)
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 120:
            errors.append((f"{at}.name", "must be text of 1 to 120 characters"))
        settings = item.get("settings")
        if not isinstance(settings, dict):
            errors.append((f"{at}.settings", "must be an object of product settings"))
            continue
        terms, problems = terms_of(settings, f"{at}.settings")
        errors += problems
        if terms is not None and (terms.workflow or "standard") not in workflows:
            errors.append((f"{at}.settings.workflow", f"no published workflow {terms.workflow} "
                           "here or in the document"))
    return errors


def _items(value) -> dict:
    return {p["code"]: {"code": p["code"], "name": p["name"].strip(),
                        "settings": terms_of(p["settings"], "")[0].to_dict()} for p in value}


def apply(s, actor, value, changes, reason) -> list[str]:
    todo = {c.key for c in changes if c.status in (ADDED, CHANGED)}
    return [_add_version(s, actor, code, item["name"], ProductTerms.from_dict(item["settings"]),
                         reason)
            for code, item in _items(value).items() if code in todo]


SECTION = Section("products", snapshot, validate, keyed_diff(snapshot, _items), apply)

"""Loan products as versioned data: an admin saves a draft (settings validated against the
product schema), sees its diff with the published version, and publishes it through the
shared draft/publish helper (domain/configuration/versioned.py); the published version retires.
New applications get the published version; booked loans keep the version they were booked
with. A retired product takes no new applications.

For configuration export/import: `version_settings` gives a version as a plain dict and
`create_from_settings` / `save_draft` + `publish` take one back."""
import re
from dataclasses import dataclass

from sqlmodel import select

from domain.configuration import product_schema
from domain.db.tables import Product, ProductVersion
from domain.db.uow import UnitOfWork
from domain.kernel.errors import Conflict, NotFound, ValidationError
from domain.configuration.product_schema_views import diff_rows
from domain.audit import trail as audit
from domain.access import approvals
from domain.configuration import versioned, workflow_versions
from domain.kernel.actor import Actor
from domain.calculation.terms import ProductTerms

CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,39}$")
ENTITY = "product"


@dataclass(frozen=True)
class ProductForm:
    """What an admin types (kept for callers in code and tests): the main settings as
    strings plus any other schema setting by name in `settings` (a `_minor` suffix on a fee
    name is accepted, as before the schema)."""
    code: str
    name: str
    min_amount: str
    max_amount: str
    min_term: str
    max_term: str
    annual_rate: str
    frequency: str = "monthly"
    amortization: str = "equal_installments"
    max_payment_to_income: str = "40"
    settings: tuple[tuple[str, str], ...] = ()  # more schema settings by name, as typed


@dataclass(frozen=True)
class ProductView:
    id: int
    code: str
    name: str
    version: int
    terms: ProductTerms


def form_values(form: ProductForm) -> dict:
    values = {k: getattr(form, k) for k in ProductForm.__dataclass_fields__
              if k not in ("code", "name", "settings")}
    values.update({k.removesuffix("_minor"): v for k, v in form.settings})
    return values


def _identity(code: str, name: str, errors: dict) -> tuple[str, str]:
    code, name = (code or "").strip().upper(), (name or "").strip()
    if not CODE.match(code):
        errors["code"] = "use 2-40 letters, digits, '-' or '_'"
    if not name:
        errors["name"] = "is required"
    elif len(name) > 120:
        errors["name"] = "must be at most 120 characters"
    return code, name


def validate(code: str, name: str, settings: dict) -> tuple[str, str, ProductTerms]:
    """Identity and every setting checked; all errors together, by field."""
    errors: dict[str, str] = {}
    code, name = _identity(code, name, errors)
    terms = None
    try:
        terms = product_schema.to_terms(settings)
    except ValidationError as e:
        errors.update(e.errors)
    if errors:
        raise ValidationError(errors)
    return code, name, terms


def _check_references(s, terms: ProductTerms) -> None:
    """A product may only name a workflow that can be used now (a rule set may be published
    later: until then its applications are referred to underwriting)."""
    try:
        workflow_versions.current(s, terms.workflow)
    except NotFound:
        raise ValidationError({"workflow": f"no published workflow {terms.workflow}"}) from None


def _draft(s, actor: Actor, code: str, name: str, terms: ProductTerms,
           new_product: bool | None) -> int:
    """Add a draft version (and the product itself the first time, inactive until its first
    publish). `new_product`: True refuses an existing code, False a missing one."""
    _check_references(s, terms)
    product = s.exec(select(Product).where(Product.code == code)).first()
    if product is not None and new_product:
        raise ValidationError({"code": f"a product with code {code} already exists"})
    if product is None:
        if new_product is False:
            raise NotFound(f"product {code}")
        product = Product(code=code, name=name, current_version=0, active=False)
        s.add(product)
        s.flush()
    version = versioned.next_version(s, ProductVersion, code)
    s.add(ProductVersion(product_id=product.id, code=code, version=version, name=name,
                         terms=terms.to_dict(), created_by=actor.user_id))
    s.flush()
    audit.record(s, actor, f"{ENTITY}.drafted", ENTITY, f"{code} v{version}", None,
                 {"name": name, "terms": terms.to_dict()})
    return version


def _publish(s, actor: Actor, code: str, version: int, reason: str = "") -> int | None:
    """Publish now, or (maker-checker on for products) record a change request and return its
    id: the draft then stays a draft until a second admin approves it (approvals.py)."""
    row = versioned.get(s, ProductVersion, ENTITY, code, version)
    if row.status == "draft":
        _check_references(s, ProductTerms.from_dict(row.terms))
    product = s.get(Product, row.product_id)
    old = _in_use(s, product)
    before = None if old is None else {**audit.snapshot(product), "terms": old.terms}
    request = versioned.publish(s, ProductVersion, ENTITY, actor, code, version, reason)
    if request is not None:
        return request
    activate(s, actor, code, version, before, reason)
    return None


def activate(s, actor: Actor, code: str, version: int, before: dict | None = "read",
             reason: str = "") -> None:
    """Make a published version the one new applications get (after publish_now)."""
    row = versioned.get(s, ProductVersion, ENTITY, code, version)
    product = s.get(Product, row.product_id)
    if before == "read":
        old = _in_use(s, product)
        before = None if old is None else {**audit.snapshot(product), "terms": old.terms}
    created = product.current_version == 0
    product.current_version, product.name, product.active = version, row.name, True
    s.add(product)
    s.flush()
    audit.record(s, actor, f"{ENTITY}.{'created' if created else 'updated'}", ENTITY,
                 product.id, before, {**audit.snapshot(product), "terms": row.terms}, reason)


def _in_use(s, product: Product) -> ProductVersion | None:
    """The version new applications get (a retired product: the one they last got)."""
    return s.exec(select(ProductVersion).where(
        ProductVersion.product_id == product.id,
        ProductVersion.version == product.current_version)).first()


def _published_row(s, code: str) -> ProductVersion | None:
    return s.exec(select(ProductVersion).where(ProductVersion.code == code,
                                               ProductVersion.status == "published")).first()


def save_draft(actor: Actor, code: str, name: str, settings: dict,
               url: str | None = None) -> int:
    """A new draft version of product `code` (created if new); returns its version."""
    actor.require_permission("product.edit")
    code, name, terms = validate(code, name, settings)
    with UnitOfWork(url) as s:
        return _draft(s, actor, code, name, terms, None)


def publish(actor: Actor, code: str, version: int, reason: str = "",
            url: str | None = None) -> int | None:
    """Publish a draft: new applications get it at once; booked loans keep theirs."""
    actor.require_permission("product.edit")
    with UnitOfWork(url) as s:
        return _publish(s, actor, code.strip().upper(), version, reason)


def create_from_settings(actor: Actor, code: str, name: str, settings: dict,
                         publish_now: bool = True, reason: str = "",
                         url: str | None = None) -> tuple[int, int]:
    """A new product from a plain settings dict (the export format); (product id, version)."""
    actor.require_permission("product.edit")
    code, name, terms = validate(code, name, settings)
    with UnitOfWork(url) as s:
        version = _draft(s, actor, code, name, terms, True)
        if publish_now:
            _publish(s, actor, code, version, reason)
        return s.exec(select(Product.id).where(Product.code == code)).one(), version


def create_product(actor: Actor, form: ProductForm, url: str | None = None) -> int:
    """Create and publish version 1 at once (code, tests, the demo)."""
    return create_from_settings(actor, form.code, form.name, form_values(form), url=url)[0]


def retire(actor: Actor, code: str, reason: str = "", url: str | None = None) -> None:
    """Stop new applications for the product; loans and applications already made keep
    their version. Publishing a new version offers it again."""
    actor.require_permission("product.edit")
    with UnitOfWork(url) as s:
        product = s.exec(select(Product).where(Product.code == code)).first()
        if product is None:
            raise NotFound(f"product {code}")
        row = _published_row(s, code)
        if row is None or not product.active:
            raise Conflict(f"product {code} has no published version to retire")
        row.status, product.active = "retired", False
        s.add(row)
        s.add(product)
        audit.record(s, actor, f"{ENTITY}.retired", ENTITY, f"{code} v{row.version}",
                     {"status": "published"}, {"status": "retired"}, reason)


def version_settings(code: str, version: int | None = None, url: str | None = None) -> dict:
    """One version (default: the published one, or a retired product's last) as plain data:
    code, name, version, status and `settings` keyed by schema setting name (what
    `create_from_settings` takes)."""
    with UnitOfWork(url) as s:
        if version is None:
            product = s.exec(select(Product).where(Product.code == code)).first()
            version = product.current_version if product else 0
        row = s.exec(select(ProductVersion).where(ProductVersion.code == code,
                                                  ProductVersion.version == version)).first()
        if row is None:
            raise NotFound(f"product {code} has no published version")
        return {"code": row.code, "name": row.name, "version": row.version,
                "status": row.status,
                "settings": product_schema.plain(ProductTerms.from_dict(row.terms))}


def diff(code: str, version: int, url: str | None = None) -> list[dict]:
    """What publishing `version` would change against the version in use (a retired
    product: its last): one row per setting that differs (field, label, old, new); a product
    never published shows every setting."""
    with UnitOfWork(url) as s:
        row = versioned.get(s, ProductVersion, ENTITY, code, version)
        old = _in_use(s, s.get(Product, row.product_id))
        new_plain = {"name": row.name, **product_schema.plain(ProductTerms.from_dict(row.terms))}
        old_plain = None if old is None else {
            "name": old.name, **product_schema.plain(ProductTerms.from_dict(old.terms))}
    return diff_rows(old_plain, new_plain)


def overview(url: str | None = None) -> list[dict]:
    """Every product for the admin: its version in use (0: never published), its status
    (published, retired, or draft for one never published), the newest draft waiting to be
    published (0: none) and the terms of the version in use (else of that draft)."""
    with UnitOfWork(url) as s:
        out = []
        for p in s.exec(select(Product).order_by(Product.id)):
            rows = {r.version: r for r in s.exec(
                select(ProductVersion).where(ProductVersion.product_id == p.id))}
            drafts = [v for v, r in rows.items() if r.status == "draft" and v > p.current_version]
            shown = rows.get(p.current_version) or rows[max(drafts)]
            out.append({"code": p.code, "name": p.name, "version": p.current_version,
                        "status": "draft" if p.current_version == 0 else
                        "published" if p.active else "retired",
                        "draft": max(drafts, default=0),
                        "terms": ProductTerms.from_dict(shown.terms)})
        return out


def versions(code: str, url: str | None = None) -> list[dict]:
    with UnitOfWork(url) as s:
        return [{"version": r.version, "status": r.status, "name": r.name,
                 "created_at": r.created_at.strftime("%Y-%m-%d %H:%M")}
                for r in s.exec(select(ProductVersion).where(ProductVersion.code == code)
                                .order_by(ProductVersion.version.desc()))]


def _current(s, where=None) -> list[ProductView]:
    q = select(Product, ProductVersion).join(
        ProductVersion, (ProductVersion.product_id == Product.id)
        & (ProductVersion.version == Product.current_version)).order_by(Product.id)
    if where is not None:
        q = q.where(where)
    return [ProductView(p.id, p.code, p.name, v.version, ProductTerms.from_dict(v.terms))
            for p, v in s.exec(q)]


def list_products(url: str | None = None, active_only: bool = True) -> list[ProductView]:
    """Products with their published (or, once retired, last published) version."""
    with UnitOfWork(url) as s:
        return _current(s, Product.active if active_only else None)


def _apply_approved(s, actor: Actor, row) -> None:
    """An approved product change request publishes the draft and makes it current."""
    versioned.publish_now(s, ProductVersion, ENTITY, actor, row.code, row.version, row.reason)
    activate(s, actor, row.code, row.version, reason=row.reason)


approvals.register(ENTITY, _apply_approved)

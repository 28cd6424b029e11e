"""Loan products: admins create and edit them; every edit is a new immutable version."""
import re
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import select

from domain.db.tables import Product, ProductVersion
from domain.db.uow import UnitOfWork
from domain.errors import NotFound, ValidationError
from domain.money import parse_amount, parse_rate
from domain.services import audit
from domain.services.actor import Actor
from domain.terms import ProductTerms

CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,39}$")


@dataclass(frozen=True)
class ProductForm:
    """What an admin types; every field a string, validated here."""
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
    settings: tuple[tuple[str, str], ...] = ()  # servicing settings by name, as typed


# Servicing settings an admin may set, each with its parser (README "Product settings").
SETTING_PARSERS = {
    "interest_method": str, "interest_period": str, "day_count": str, "rounding_mode": str,
    "allocation_method": str, "allocation_hierarchy": str, "allocation_excess": str,
    "rule_set": str, "workflow": str,
    "required_documents": lambda t, f: tuple(x.strip() for x in str(t).split(",") if x.strip()),
    "rounding_multiple": lambda t, f: Decimal(parse_amount(t, f)) / 100,
    "grace_principal": "int", "grace_interest": "int", "late_fee_grace_days": "int",
    "origination_fee_minor": lambda t, f: parse_amount(t, f, allow_zero=True),
    "installment_fee_minor": lambda t, f: parse_amount(t, f, allow_zero=True),
    "late_fee_minor": lambda t, f: parse_amount(t, f, allow_zero=True),
    "nsf_fee_minor": lambda t, f: parse_amount(t, f, allow_zero=True),
    "origination_fee_financed": lambda t, f: str(t).strip().lower() in ("1", "true", "yes"),
    "allocation_order": lambda t, f: tuple(x.strip() for x in str(t).split(",")),
    "delinquency_buckets": "ints",
}


def _settings(pairs, errors: dict) -> dict:
    values = {}
    for name, text in pairs:
        parser = SETTING_PARSERS.get(name)
        try:
            if parser is None:
                errors[name] = "is not a product setting"
            elif parser == "int":
                values[name] = int(str(text).strip())
            elif parser == "ints":
                values[name] = tuple(int(x) for x in str(text).split(","))
            elif parser is str:
                values[name] = str(text).strip()
            else:
                values[name] = parser(text, name.removesuffix("_minor"))
        except ValidationError as e:
            errors.update(e.errors)
        except ValueError:
            errors[name] = f"'{text}' is not a valid value"
    return values


@dataclass(frozen=True)
class ProductView:
    id: int
    code: str
    name: str
    version: int
    terms: ProductTerms


def _int(text: str, field: str, errors: dict) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        errors[field] = f"'{text}' is not a whole number"
        return 0


def parse_form(form: ProductForm) -> ProductTerms:
    """Every field checked; all errors reported together."""
    errors: dict[str, str] = {}
    values = {}
    for field, parser in (("min_amount", parse_amount), ("max_amount", parse_amount),
                          ("annual_rate", parse_rate), ("max_payment_to_income", parse_rate)):
        try:
            values[field] = parser(getattr(form, field), field)
        except ValidationError as e:
            errors.update(e.errors)
    min_term = _int(form.min_term, "min_term", errors)
    max_term = _int(form.max_term, "max_term", errors)
    if not form.name.strip():
        errors["name"] = "is required"
    if not CODE.match(form.code.strip().upper()):
        errors["code"] = "use 2-40 letters, digits, '-' or '_'"
    extra = _settings(form.settings, errors)
    if errors:
        raise ValidationError(errors)
    return ProductTerms(values["min_amount"], values["max_amount"], min_term, max_term,
                        values["annual_rate"], form.frequency, form.amortization,
                        max_payment_to_income=values["max_payment_to_income"] or Decimal(0),
                        **extra)


def _check_references(s, terms: ProductTerms) -> None:
    """A product may only name a workflow that can be used now (a rule set may be published
    later: until then its applications are referred to underwriting)."""
    from domain.services import workflows
    try:
        workflows.current(s, terms.workflow)
    except NotFound:
        raise ValidationError({"workflow": f"no published workflow {terms.workflow}"}) from None


def create_product(actor: Actor, form: ProductForm, url: str | None = None) -> int:
    actor.require_permission("product.edit")
    terms = parse_form(form)
    code = form.code.strip().upper()
    with UnitOfWork(url) as s:
        _check_references(s, terms)
        if s.exec(select(Product).where(Product.code == code)).first():
            raise ValidationError({"code": f"a product with code {code} already exists"})
        product = Product(code=code, name=form.name.strip())
        s.add(product)
        s.flush()
        version = ProductVersion(product_id=product.id, version=1, name=product.name,
                                 terms=terms.to_dict(), created_by=actor.user_id)
        s.add(version)
        audit.record(s, actor, "product.created", "product", product.id, None,
                     {**audit.snapshot(product), "terms": terms.to_dict()})
        return product.id


def update_product(actor: Actor, product_id: int, form: ProductForm, reason: str = "",
                   url: str | None = None) -> int:
    """Publish a new version; booked loans keep the version they were booked with."""
    actor.require_permission("product.edit")
    terms = parse_form(form)
    with UnitOfWork(url) as s:
        product = s.get(Product, product_id)
        if product is None:
            raise NotFound(f"product {product_id}")
        _check_references(s, terms)
        old = _version(s, product.id, product.current_version)
        before = {**audit.snapshot(product), "terms": old.terms}
        product.current_version += 1
        product.name = form.name.strip()
        s.add(product)
        s.add(ProductVersion(product_id=product.id, version=product.current_version,
                             name=product.name, terms=terms.to_dict(), created_by=actor.user_id))
        audit.record(s, actor, "product.updated", "product", product.id, before,
                     {**audit.snapshot(product), "terms": terms.to_dict()}, reason)
        return product.current_version


def _version(s, product_id: int, version: int) -> ProductVersion:
    return s.exec(select(ProductVersion).where(ProductVersion.product_id == product_id,
                                               ProductVersion.version == version)).one()


def _current(s, where=None) -> list[ProductView]:
    q = select(Product, ProductVersion).join(
        ProductVersion, (ProductVersion.product_id == Product.id)
        & (ProductVersion.version == Product.current_version)).order_by(Product.id)
    if where is not None:
        q = q.where(where)
    return [ProductView(p.id, p.code, p.name, v.version, ProductTerms.from_dict(v.terms))
            for p, v in s.exec(q)]


def list_products(url: str | None = None, active_only: bool = True) -> list[ProductView]:
    with UnitOfWork(url) as s:
        return _current(s, Product.active if active_only else None)


def get_product(product_id: int, url: str | None = None) -> ProductView:
    with UnitOfWork(url) as s:
        found = _current(s, Product.id == product_id)
    if not found:
        raise NotFound(f"product {product_id}")
    return found[0]

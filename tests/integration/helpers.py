"""Builders for integration tests: real commands against a real database."""
from sqlalchemy import func
from sqlmodel import select

from domain.db.uow import UnitOfWork
from domain.services import accounts, products
from domain.services.actor import SYSTEM, Actor


def make_user(url, uniq, role, tag="u") -> Actor:
    email = f"{tag}-{role}-{uniq}@example.test"
    uid = accounts.create_user(SYSTEM, email, "correct-horse-battery", f"{tag} {role}", role, url)
    return Actor(uid, role, email)


def make_product(url, admin: Actor, uniq, workflow="instant", **overrides) -> int:
    """A product; servicing tests book on acceptance (the `instant` workflow), origination
    tests pass workflow="standard" (underwriting, e-signature, funding)."""
    form = dict(code=f"P{uniq}".upper(), name=f"Personal {uniq}", min_amount="1000",
                max_amount="25000", min_term="6", max_term="60", annual_rate="11.99")
    form.update(overrides)
    form["settings"] = (("workflow", workflow), *form.get("settings", ()))
    return products.create_product(admin, products.ProductForm(**form), url)


def count(url, model, *where) -> int:
    with UnitOfWork(url) as s:
        q = select(func.count()).select_from(model)
        for w in where:
            q = q.where(w)
        return int(s.exec(q).one())

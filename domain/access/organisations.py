"""Organisations (a dealer's merchant, a field agency) and the one rule for whose submitted
applications a dealer or agent sees: their organisation's, or only their own if they belong
to none. Used by the dealer portal and the agent API alike (domain/origination/dealer.py,
submissions.py)."""
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from domain.db.access_tables import Organisation
from domain.db.tables import AppUser
from domain.db.uow import UnitOfWork
from domain.kernel.errors import ValidationError
from domain.audit import trail as audit
from domain.kernel.actor import Actor

KINDS = ("dealer", "agency")


def submitters(s, actor: Actor) -> list[int]:
    """The user ids whose submissions `actor` may see (fresh from the database, so moving a
    user to another organisation takes effect at once)."""
    org = s.exec(select(AppUser.organisation_id).where(AppUser.id == actor.user_id)).first()
    if org is None:
        return [actor.user_id]
    return list(s.exec(select(AppUser.id).where(AppUser.organisation_id == org)).all())


def create(actor: Actor, name: str, kind: str, url: str | None = None) -> int:
    actor.require_permission("users.manage")
    name = (name or "").strip()
    errors = {}
    if not name or len(name) > 120:
        errors["name"] = "is required (at most 120 characters)"
    if kind not in KINDS:
        errors["kind"] = f"must be one of {', '.join(KINDS)}"
    if errors:
        raise ValidationError(errors)
    try:
        with UnitOfWork(url) as s:
            if s.exec(select(Organisation).where(Organisation.name == name)).first():
                raise ValidationError({"name": "an organisation with this name already exists"})
            org = Organisation(name=name, kind=kind)
            s.add(org)
            s.flush()
            audit.record(s, actor, "organisation.created", "organisation", org.id, None,
                         {"name": name, "kind": kind})
            return org.id
    except IntegrityError:
        raise ValidationError({"name": "an organisation with this name already exists"}) from None


def listing(actor: Actor, url: str | None = None) -> list[dict]:
    actor.require_permission("users.manage", "roles.manage")
    with UnitOfWork(url) as s:
        return [{"id": o.id, "name": o.name, "kind": o.kind, "active": o.active}
                for o in s.exec(select(Organisation).order_by(Organisation.name))]

"""Read access to the audit trail, for admins only."""
from domain.db.uow import UnitOfWork
from domain.services import audit
from domain.services.actor import Actor


def recent(actor: Actor, limit: int = 200, entity: str | None = None, url: str | None = None):
    actor.require_permission("audit.view")
    with UnitOfWork(url) as s:
        return audit.trail(s, entity, limit=limit)

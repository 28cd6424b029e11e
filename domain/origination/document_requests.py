"""Which documents an application still waits for, as its borrower, dealer or agent sees it:
open document conditions an underwriter set, then the product's required kinds."""
from domain.db.tables import Application
from domain.db.uow import UnitOfWork
from domain.documents.store import can_see, requested_in
from domain.kernel.actor import Actor
from domain.kernel.errors import NotFound
from domain.origination.workflows import terms_of


def requested(actor: Actor, application_id: int, url: str | None = None) -> list[dict]:
    """Kinds still wanted, for someone who may see the application (borrower, its dealer or
    agent); anyone else is told it does not exist."""
    with UnitOfWork(url) as s:
        app = s.get(Application, application_id)
        if app is None or not can_see(s, actor, app):
            raise NotFound("this application does not exist or is not yours")
        return requested_in(s, app, terms_of(s, app).required_documents)

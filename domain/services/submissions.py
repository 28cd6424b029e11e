"""Applications a staff member (field agent, dealer) submitted for applicants: the list they
see of their own work. Only their own: `submitted_by` is the signed-in user, never a filter
the client chooses."""
from sqlmodel import select

from domain.db.tables import Application, Product
from domain.db.uow import UnitOfWork
from domain.money import from_minor
from domain.services.actor import Actor

SUBMITTER_ROLES = {"field_agent": "agent", "dealer": "dealer"}


def submitted_by(actor: Actor, limit: int = 50, url: str | None = None) -> list[dict]:
    """The actor's most recent applications on their channel, newest first."""
    actor.require(*SUBMITTER_ROLES)
    channel = SUBMITTER_ROLES[actor.role]
    with UnitOfWork(url) as s:
        rows = s.exec(select(Application, Product.code)
                      .join(Product, Product.id == Application.product_id)
                      .where(Application.submitted_by == actor.user_id,
                             Application.channel == channel)
                      .order_by(Application.id.desc()).limit(limit)).all()
        return [_view(app, code) for app, code in rows]


def _view(app: Application, product_code: str) -> dict:
    a = app.applicant or {}
    return {"application_id": app.id, "created_at": app.created_at.isoformat(),
            "applicant": f"{a.get('first_name', '')} {a.get('last_name', '')}".strip(),
            "product_code": product_code, "amount": str(from_minor(app.amount_minor)),
            "term": app.term, "status": app.status, "stage": app.stage,
            "reasons": list((app.decision or {}).get("reasons", [])), "channel": app.channel}

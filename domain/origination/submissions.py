"""Applications field agents and dealers submitted for applicants: the list they see of their
organisation's work (organisations.submitters(), the same rule as the dealer portal), never
a filter the client chooses."""
from sqlmodel import select

from domain.db.tables import Application, Product
from domain.db.uow import UnitOfWork
from domain.kernel.money import from_minor
from domain.access import organisations
from domain.kernel.actor import Actor



def submitted_by(actor: Actor, limit: int = 50, url: str | None = None) -> list[dict]:
    """The actor's most recent applications on their channel, newest first."""
    actor.require_permission("agent.capture", "dealer.submit")
    channel = "agent" if actor.can("agent.capture") else "dealer"
    with UnitOfWork(url) as s:
        rows = s.exec(select(Application, Product.code)
                      .join(Product, Product.id == Application.product_id)
                      .where(Application.submitted_by.in_(organisations.submitters(s, actor)),
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

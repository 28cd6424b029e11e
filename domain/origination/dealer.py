"""Dealers at the point of sale: submit an application for a customer, and see the
applications of their organisation (every dealer of one merchant sees the merchant's).

Visibility is `Application.submitted_by` among organisations.submitters(): the dealer's
organisation's users, or the dealer alone if they belong to none.
"""
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import select

from domain.origination import application_request as intake
from domain.origination.bureau import BureauPort
from domain.db.tables import Application, Product
from domain.db.uow import UnitOfWork
from domain.kernel.errors import NotFound
from domain.kernel.money import to_minor
from domain.origination import intake as intake_service
from domain.access import organisations
from domain.kernel.actor import Actor
from domain.origination.intake import IntakeResult

NOT_YOURS = "this application does not exist or is not yours to see"


@dataclass(frozen=True)
class DealerApplication:
    id: int
    submitted_on: date
    customer_name: str
    merchant: str
    item: str
    price_minor: int
    down_payment_minor: int
    amount_minor: int  # the amount financed
    term: int
    status: str
    stage: str
    reasons: list[str]
    installment_minor: int
    product_name: str
    tier: str | None


def idempotency_scope(actor: Actor) -> str:
    return f"dealer:{actor.user_id}"


def submit(actor: Actor, payload: dict, form_key: str, bureau: BureauPort,
           url: str | None = None, today: date | None = None) -> tuple[IntakeResult, bool]:
    """Validate and decide one point-of-sale application; the same form key and body
    answer once (a double click or a retry stores nothing twice)."""
    actor.require_permission("dealer.submit")
    req = intake.parse(payload, today)
    digest = intake_service.request_hash(json.dumps(payload, sort_keys=True))
    return intake_service.submit(req, "dealer", actor, bureau, url=url, today=today,
                                 idempotency=(idempotency_scope(actor), form_key, digest))


def list_applications(actor: Actor, url: str | None = None,
                      limit: int = 200) -> list[DealerApplication]:
    """The organisation's point-of-sale applications, newest first."""
    actor.require_permission("dealer.submit")
    with UnitOfWork(url) as s:
        q = (select(Application, Product.name).join(Product, Product.id == Application.product_id)
             .where(Application.submitted_by.in_(organisations.submitters(s, actor)))
             .order_by(Application.id.desc()).limit(limit))
        return [_view(a, name) for a, name in s.exec(q)]


def application(actor: Actor, application_id: int, url: str | None = None) -> DealerApplication:
    """One of the organisation's applications; anyone else's is refused as not found, so an
    id tried by URL tells nothing about whether it exists."""
    actor.require_permission("dealer.submit")
    with UnitOfWork(url) as s:
        app = s.get(Application, application_id) if application_id > 0 else None
        if app is None or app.submitted_by not in organisations.submitters(s, actor):
            raise NotFound(NOT_YOURS)
        return _view(app, s.get(Product, app.product_id).name)


def last_merchant(actor: Actor, url: str | None = None) -> str:
    """The merchant of the dealer's latest point-of-sale application (to prefill the form)."""
    actor.require_permission("dealer.submit")
    with UnitOfWork(url) as s:
        rows = s.exec(select(Application.point_of_sale)
                      .where(Application.submitted_by == actor.user_id,
                             Application.channel == "dealer")
                      .order_by(Application.id.desc()).limit(20))
        for pos in rows:
            if pos and pos.get("merchant"):
                return pos["merchant"]
    return ""


def _view(app: Application, product_name: str) -> DealerApplication:
    pos = app.point_of_sale or {}
    who = app.applicant or {}
    name = f"{who.get('first_name', '')} {who.get('last_name', '')}".strip()
    return DealerApplication(
        app.id, app.created_at.date(), name, pos.get("merchant", ""), pos.get("item", ""),
        _minor(pos.get("price")), _minor(pos.get("down_payment")), app.amount_minor, app.term,
        app.status, app.stage, list(app.decision.get("reasons", [])), app.installment_minor,
        product_name, app.tier)


def _minor(text) -> int:
    return to_minor(Decimal(text)) if text else 0

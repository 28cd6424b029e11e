"""The borrower's view of one application: decision, offer with its Truth-in-Lending figures,
where it stands in its workflow, what documents are asked for, and the loan once booked."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import select

from domain.db.origination_tables import Document
from domain.db.tables import Application, Loan, Product
from domain.db.uow import UnitOfWork
from domain.kernel.errors import NotFound
from domain.kernel.money import to_minor
from domain.calculation.quote import quote
from domain.documents import store as document_store
from domain.origination import workflows
from domain.kernel.actor import Actor
from domain.kernel.money import fmt


@dataclass(frozen=True)
class MyApplication:
    id: int
    product: str
    amount: str
    term: int
    installment: str
    status: str
    stage: str
    reasons: list[str]
    progress: list[dict]
    apr: str
    finance_charge: str
    total_of_payments: str
    signed: bool
    has_signature_stage: bool
    documents: list[dict]
    requested: list[dict]  # open document conditions and required kinds not yet on file
    loan_number: str | None


def view(actor: Actor, application_id: int, url: str | None = None,
         today: date | None = None) -> MyApplication:
    actor.require_permission("self.apply")
    with UnitOfWork(url) as s:
        app = s.get(Application, application_id)
        if app is None or app.borrower_id != actor.user_id:
            raise NotFound("this application does not exist or is not yours")
        product = s.get(Product, app.product_id)
        terms = workflows.terms_of(s, app)
        q = quote(terms.quote_request(app.amount_minor, app.term, today or date.today()))
        facts = workflows.facts(s, app)
        docs = list(s.exec(select(Document).where(Document.application_id == app.id)
                           .order_by(Document.id)))
        requested = document_store.requested_in(s, app, terms.required_documents)
        loan = s.exec(select(Loan.loan_number).where(Loan.application_id == app.id)).first()
        return MyApplication(
            app.id, product.name, _money(app.amount_minor), app.term,
            _money(app.installment_minor), app.status,
            app.stage, list(app.decision.get("reasons", [])), workflows.stage_progress(s, app),
            q["apr"], _money(to_minor(Decimal(q["finance_charge"]))),
            _money(to_minor(Decimal(q["total_of_payments"]))), facts["signed"],
            workflows.of_application(s, app).has("signature"),
            [{"id": str(d.id), "kind": d.kind, "filename": d.filename} for d in docs],
            requested, loan)


def _money(minor: int) -> str:
    return fmt(minor)

"""Applications, automatic decision, offer acceptance and booking (no field re-keyed)."""
from dataclasses import dataclass, replace
from datetime import date

from sqlmodel import select

from domain.ledger import entries as ledger
from domain.db.tables import Application, Installment, Loan, Product, ProductVersion
from domain.db.uow import UnitOfWork
from domain.origination.decisioning import decide
from domain.origination.disclosure import Disclosure, on_funding
from domain.kernel.errors import Conflict, NotFound, ValidationError
from domain.kernel.money import parse_amount
from domain.calculation.schedule import build
from domain.audit import trail as audit
from domain.ledger import journal
from domain.origination import workflows
from domain.kernel.actor import SYSTEM, Actor
from domain.calculation.terms import ProductTerms
from domain.origination.intake import check_channel
from domain.origination.esign import disclosure_of


@dataclass(frozen=True)
class ApplicationResult:
    id: int
    status: str
    reasons: list[str]
    installment_minor: int


def _term(text, errors) -> int:
    try:
        term = int(str(text).strip())
    except ValueError:
        errors["term"] = f"'{text}' is not a whole number of payments"
        return 0
    return term


def submit_application(actor: Actor, product_id: int, amount: str, term: str,
                       monthly_income: str, purpose: str = "", channel: str = "portal",
                       url: str | None = None) -> ApplicationResult:
    actor.require_permission("self.apply")
    check_channel(actor, channel)  # a borrower's own application is a portal one
    errors: dict[str, str] = {}
    parsed = {}
    for field, text in (("amount", amount), ("monthly_income", monthly_income)):
        try:
            parsed[field] = parse_amount(text, field)
        except ValidationError as e:
            errors.update(e.errors)
    n = _term(term, errors)
    if len(purpose or "") > 200:
        errors["purpose"] = "must be at most 200 characters"
    with UnitOfWork(url) as s:
        product = s.get(Product, product_id) if product_id else None
        if product is None or not product.active:
            errors["product"] = "choose one of the offered products"
        if errors:
            raise ValidationError(errors)
        version = s.exec(select(ProductVersion).where(
            ProductVersion.product_id == product.id,
            ProductVersion.version == product.current_version)).one()
        terms = ProductTerms.from_dict(version.terms)
        terms.check_request(parsed["amount"], n)
        schedule = build(terms.schedule_terms(parsed["amount"], n, date.today()))
        decision = decide(terms, parsed["amount"], n, parsed["monthly_income"],
                          schedule.installment_minor)
        app = Application(borrower_id=actor.user_id, product_id=product.id,
                          product_version=version.version, channel=channel,
                          amount_minor=parsed["amount"], term=n,
                          monthly_income_minor=parsed["monthly_income"],
                          purpose=(purpose or "").strip(),
                          installment_minor=schedule.installment_minor, status=decision.outcome,
                          stage="decision",
                          decision={"outcome": decision.outcome, "reasons": decision.reasons,
                                    "rules": [r.__dict__ for r in decision.results]})
        s.add(app)
        s.flush()
        workflows.start(s, app, terms)
        s.add(app)
        s.flush()
        audit.record(s, actor, "application.submitted", "application", app.id, None,
                     audit.snapshot(app))
        audit.record(s, Actor(None, "admin", "decision-engine"), f"application.{decision.outcome}",
                     "application", app.id, None, app.decision)
        return ApplicationResult(app.id, app.status, decision.reasons, app.installment_minor)


def accept_offer(actor: Actor, application_id: int, url: str | None = None,
                 on: date | None = None) -> str | None:
    """The borrower accepts the offer. Where the workflow books on acceptance (no signature or
    funding stage) the loan is booked now and its Loan ID returned; otherwise the application
    moves on (to e-signature) and None is returned. A replay changes nothing."""
    actor.require_permission("self.apply")
    with UnitOfWork(url) as s:
        app = s.get(Application, application_id)
        if app is None or app.borrower_id != actor.user_id:
            raise NotFound("this application is not available to you")
        if app.status == "booked":
            return s.exec(select(Loan.loan_number).where(Loan.application_id == app.id)).one()
        if app.status != "approved":
            raise Conflict(f"an application that is {app.status} cannot be accepted")
        if app.stage != "offer":
            return None  # accepted already; it is further along
        wf = workflows.of_application(s, app)
        nxt = wf.next_stage("offer", workflows.facts(s, app))
        audit.record(s, actor, "application.offer_accepted", "application", app.id,
                     {"stage": "offer"}, {"amount_minor": app.amount_minor, "term": app.term,
                                          "installment_minor": app.installment_minor})
        if nxt.key == "booked":
            version = s.exec(select(ProductVersion).where(
                ProductVersion.product_id == app.product_id,
                ProductVersion.version == app.product_version)).one()
            return _book(s, actor, app, version, on)
        workflows.move(s, app, actor, nxt.key, "offer accepted")
        return None


def book_outside_workflow(application_id: int, reason: str, url: str | None = None,
                          on: date | None = None) -> str:
    """Book an approved application as the system, skipping the remaining stages: for demo
    data and migrated books only (no page or API calls it); audited with the reason."""
    with UnitOfWork(url) as s:
        app = s.get(Application, application_id)
        if app is None or app.status != "approved":
            raise Conflict("only an approved application can be booked")
        audit.record(s, SYSTEM, "application.booked_outside_workflow", "application", app.id,
                     {"stage": app.stage}, None, reason)
        return book_funded(s, SYSTEM, app, on)


def book_funded(s, actor: Actor, app: Application, on: date | None = None) -> str:
    """Book an application whose funding is approved (the funding service calls this). A
    signed agreement's schedule is booked as disclosed, if funding on `on` keeps its APR
    within tolerance (domain/origination/disclosure.py); otherwise nothing is booked."""
    version = s.exec(select(ProductVersion).where(
        ProductVersion.product_id == app.product_id,
        ProductVersion.version == app.product_version)).one()
    disclosed = disclosure_of(s, app)
    if disclosed is not None:
        verdict = on_funding(disclosed, on or date.today())
        if not verdict.accurate:
            raise Conflict(f"the disclosed terms no longer hold: {verdict.reason}")
    return _book(s, actor, app, version, on, disclosed)


def _book(s, actor: Actor, app: Application, version: ProductVersion,
          on: date | None = None, disclosed: Disclosure | None = None) -> str:
    """Loan, schedule, disbursement entry and audit in the caller's unit of work. With a
    disclosure, the schedule is the disclosed one (its dates and payments); its first period's
    interest accrues from the funding date. A loan priced at a tier keeps that tier's rate in
    its frozen terms."""
    base = ProductTerms.from_dict(version.terms)
    terms = base.for_tier(app.tier)
    today = on or date.today()
    schedule = build(terms.schedule_terms(app.amount_minor, app.term,
                                          disclosed.disclosed_on if disclosed else today))
    if disclosed is not None:
        rows = tuple((i.due_date, i.total_minor) for i in schedule.installments)
        if rows != disclosed.payments:
            raise Conflict("the disclosed payment schedule cannot be rebuilt from the product "
                           "version; a new agreement must be signed")
        first = schedule.installments[0]._replace(start_date=today)
        schedule = replace(schedule, installments=(first, *schedule.installments[1:]))
    before = audit.snapshot(app)
    loan = Loan(application_id=app.id, borrower_id=app.borrower_id, product_id=app.product_id,
                product_version=app.product_version, product_name=version.name,
                terms=version.terms if terms is base else terms.to_dict(),
                principal_minor=schedule.principal_minor, term=app.term,
                disbursement_date=today)
    s.add(loan)
    s.flush()
    loan.loan_number = f"LN-{loan.id:06d}"
    s.add_all(Installment(loan_id=loan.id, schedule_version=1, number=i.number,
                          start_date=i.start_date, due_date=i.due_date,
                          principal_minor=i.principal_minor, interest_minor=i.interest_minor,
                          fee_minor=i.fee_minor)
              for i in schedule.installments)
    fee = terms.origination_fee_minor
    journal.write(s, [ledger.disbursement(
        f"disb-{loan.loan_number}", loan.id, today, loan.principal_minor,
        financed_fee_minor=fee if terms.origination_fee_financed else 0,
        deducted_fee_minor=0 if terms.origination_fee_financed else fee)])
    app.status, app.stage = "booked", "booked"
    s.add(app)
    s.flush()
    audit.record(s, actor, "application.accepted", "application", app.id, before,
                 audit.snapshot(app))
    audit.record(s, actor, "loan.booked", "loan", loan.loan_number, None,
                 {**audit.snapshot(loan), "installments": len(schedule.installments)})
    return loan.loan_number

"""Funding: pre-funding checks, the approval hierarchy (an amount above a level needs more
distinct approvers; nobody approves twice), booking the same record as a serviced loan, and
the disbursement to the borrower, or to the dealer for a point-of-sale loan, tracked to
settlement."""
from dataclasses import dataclass
from datetime import date

from sqlmodel import select

from domain.origination.disclosure import on_funding
from domain.db.tables import AppUser, Application, Loan, utcnow
from domain.db.uow import UnitOfWork
from domain.db.workflow_tables import Disbursement, FundingApproval
from domain.kernel.errors import Conflict, NotFound, ValidationError
from domain.audit import trail as audit
from domain.origination import workflows
from domain.kernel.actor import Actor
from domain.origination.esign import disclosure_of
from domain.origination.applications import book_funded

DISCLOSURE_CHECK = "Disclosed terms still accurate"
DISBURSEMENT_STEPS = {"pending": ("sent", "failed"), "sent": ("settled", "failed")}


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class FundingState:
    checks: tuple[Check, ...]
    approvals: tuple[str, ...]  # approvers' names, in order
    needed: int
    loan_number: str | None


def checks(s, app: Application, on: date | None = None) -> list[Check]:
    """Everything that must hold before money moves (on `on`, default today)."""
    f = workflows.facts(s, app)
    wf = workflows.of_application(s, app)
    out = [Check("Approved", app.status == "approved", f"status {app.status}")]
    if wf.has("signature"):
        out.append(Check("Agreement signed", f["signed"],
                         "signed copy stored" if f["signed"] else "not signed yet"))
    out.append(Check("Identity (KYC) passed", f["kyc"]["passed"],
                     "bureau KYC passed or verified by staff" if f["kyc"]["passed"]
                     else "KYC failed: verify identity with an ID document"))
    out.append(Check("Conditions cleared", f["conditions_open"] == 0,
                     f"{f['conditions_open']} open"))
    out.append(Check("Required documents on file", f["documents_missing"] == 0,
                     f"{f['documents_missing']} missing"))
    disclosed = disclosure_of(s, app) if f["signed"] else None
    if disclosed is not None:  # the signed terms are booked as disclosed (domain/origination/disclosure.py)
        verdict = on_funding(disclosed, on or date.today())
        out.append(Check(DISCLOSURE_CHECK, verdict.accurate, verdict.reason))
    return out


def state(actor: Actor, application_id: int, url: str | None = None) -> FundingState:
    actor.require_permission("application.view")
    with UnitOfWork(url) as s:
        app = _app(s, application_id)
        names = [n for n, in s.exec(select(AppUser.name).join(
            FundingApproval, FundingApproval.approver_id == AppUser.id).where(
            FundingApproval.application_id == app.id).order_by(FundingApproval.id))]
        loan = s.exec(select(Loan.loan_number).where(Loan.application_id == app.id)).first()
        return FundingState(tuple(checks(s, app)), tuple(names), _needed(s, app), loan)


def approve(actor: Actor, application_id: int, note: str = "", url: str | None = None,
            on: date | None = None) -> str | None:
    """One approver's release. The last approval needed books the loan and records the
    disbursement; returns the Loan ID then, else None (more approvers needed)."""
    if len(note) > 300:
        raise ValidationError({"note": "must be at most 300 characters"})
    with UnitOfWork(url) as s:
        app = _app(s, application_id)
        if app.stage != "funding":
            raise Conflict(f"the application is at {app.stage}, not funding")
        wf = workflows.of_application(s, app)
        workflows.require_actor(wf, "funding", actor)
        failed = [c for c in checks(s, app, on) if not c.passed]
        if failed:
            raise Conflict("pre-funding checks not met: "
                           + "; ".join(f"{c.name} ({c.detail})" for c in failed))
        done = list(s.exec(select(FundingApproval).where(
            FundingApproval.application_id == app.id)))
        if any(a.approver_id == actor.user_id for a in done):
            raise Conflict("you have already approved this funding; another approver is needed")
        if actor.user_id == app.decision.get("underwriter_id") and _needed(s, app) > 1:
            raise Conflict("the underwriter who approved the terms cannot release a loan "
                           "that needs a second approver")
        level = len(done) + 1
        s.add(FundingApproval(application_id=app.id, approver_id=actor.user_id, level=level,
                              note=note.strip()))
        s.flush()
        needed = _needed(s, app)
        audit.record(s, actor, "funding.approved", "application", app.id, None,
                     {"level": level, "needed": needed}, note.strip())
        if level < needed:
            return None
        loan_number = book_funded(s, actor, app, on)
        loan = s.exec(select(Loan).where(Loan.loan_number == loan_number)).one()
        _disburse(s, actor, app, loan)
        return loan_number


def update_disbursement(actor: Actor, loan_number: str, status: str, reference: str = "",
                        url: str | None = None) -> None:
    """Track the transfer: pending -> sent -> settled (or failed)."""
    actor.require_permission("application.fund")
    with UnitOfWork(url) as s:
        d = s.exec(select(Disbursement).join(Loan, Loan.id == Disbursement.loan_id)
                   .where(Loan.loan_number == loan_number)).first()
        if d is None:
            raise NotFound(f"no disbursement for {loan_number}")
        if status not in DISBURSEMENT_STEPS.get(d.status, ()):
            raise Conflict(f"a {d.status} disbursement cannot become {status}")
        before = {"status": d.status, "reference": d.reference}
        d.status, d.updated_at = status, utcnow()
        if reference.strip():
            d.reference = reference.strip()[:40]
        s.add(d)
        audit.record(s, actor, f"disbursement.{status}", "loan", loan_number, before,
                     {"status": d.status, "reference": d.reference})


def _disburse(s, actor: Actor, app: Application, loan: Loan) -> None:
    terms = workflows.terms_of(s, app)
    fee = 0 if terms.origination_fee_financed else terms.origination_fee_minor
    if app.point_of_sale:
        payee_type, payee = "dealer", app.point_of_sale["merchant"]
    else:
        payee_type, payee = "borrower", s.get(AppUser, app.borrower_id).name
    d = Disbursement(application_id=app.id, loan_id=loan.id, payee_type=payee_type,
                     payee_name=payee[:200], amount_minor=app.amount_minor - fee,
                     reference=f"DISB-{loan.loan_number}")
    s.add(d)
    s.flush()
    audit.record(s, actor, "disbursement.recorded", "loan", loan.loan_number, None,
                 {"payee_type": payee_type, "payee_name": payee,
                  "amount_minor": d.amount_minor, "status": d.status})


def _needed(s, app: Application) -> int:
    stage = workflows.of_application(s, app).stage("funding")
    return stage.approvers_needed(app.amount_minor) if stage else 1


def _app(s, application_id: int) -> Application:
    app = s.get(Application, application_id)
    if app is None:
        raise NotFound("no such application")
    return app

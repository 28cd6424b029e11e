"""Read side: what the portal, the servicing console and the CLI show."""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlmodel import select

from domain import accrual
from domain.db.tables import (AppUser, Application, Loan, Payment, PaymentAllocation,
                              PaymentReversal, Product)
from domain.db.uow import UnitOfWork
from domain.errors import NotFound
from domain.services import loan_state
from domain.services.actor import STAFF, Actor


@dataclass(frozen=True)
class InstallmentRow:
    number: int
    due_date: date
    principal_minor: int
    interest_minor: int
    paid_minor: int
    status: str  # paid, partial, due, overdue, upcoming
    fee_minor: int = 0

    @property
    def total_minor(self) -> int:
        return self.principal_minor + self.interest_minor + self.fee_minor


@dataclass(frozen=True)
class PaymentRow:
    id: int
    received_on: date
    amount_minor: int
    principal_minor: int
    interest_minor: int
    reason: str
    fee_minor: int = 0
    advance_minor: int = 0
    channel: str = ""
    reversed: bool = False
    return_code: str = ""
    method: str = "regular"  # regular, payoff, refund, capitalization


@dataclass(frozen=True)
class LoanDetail:
    loan_number: str
    borrower_name: str
    product_name: str
    product_version: int
    status: str
    principal_minor: int
    annual_rate: str
    term: int
    frequency: str
    disbursement_date: date
    principal_outstanding_minor: int
    interest_paid_minor: int
    next_due_date: date | None
    next_due_minor: int
    installments: list[InstallmentRow] = field(default_factory=list)
    payments: list[PaymentRow] = field(default_factory=list)
    interest_accrued_minor: int = 0  # accrued through today, unpaid
    fees_outstanding_minor: int = 0
    advance_minor: int = 0
    payoff_minor: int = 0  # to close the loan today
    days_past_due: int = 0
    delinquency_bucket: str = "current"
    as_of: date | None = None
    loan_id: int = 0


@dataclass(frozen=True)
class LoanSummary:
    loan_number: str
    borrower_name: str
    product_name: str
    principal_minor: int
    status: str
    booked_on: date


def _visible(actor: Actor, loan: Loan | None) -> Loan:
    if loan is None or (actor.role not in STAFF and loan.borrower_id != actor.user_id):
        raise NotFound("this loan does not exist or is not yours to see")
    return loan


def loan_detail(actor: Actor, loan_number: str, url: str | None = None,
                today: date | None = None) -> LoanDetail:
    actor.require("borrower", *STAFF)
    today = today or date.today()
    with UnitOfWork(url) as s:
        loan = _visible(actor, s.exec(select(Loan).where(Loan.loan_number == loan_number)).first())
        borrower = s.get(AppUser, loan.borrower_id)
        state = loan_state.load(s, loan)
        rows, next_due, next_amount = [], None, 0
        for inst in state.installments:
            unpaid = inst.unpaid_minor
            status = ("paid" if unpaid <= 0 else "overdue" if inst.due_date < today
                      else "due" if inst.due_date == today
                      else "partial" if inst.paid_minor else "upcoming")
            if unpaid > 0 and next_due is None:
                next_due, next_amount = inst.due_date, unpaid
            rows.append(InstallmentRow(inst.number, inst.due_date, inst.principal_minor,
                                       inst.interest_minor, inst.paid_minor, status,
                                       inst.fee_minor))
        periods = state.periods()
        dpd = accrual.days_past_due(periods, today) if loan.status == "active" else 0
        active = loan.status == "active"
        return LoanDetail(
            loan.loan_number, borrower.name, loan.product_name, loan.product_version,
            loan.status, loan.principal_minor, loan.terms["annual_rate"], loan.term,
            loan.terms["frequency"], loan.disbursement_date,
            state.principal_outstanding_minor,
            sum(i.paid_interest_minor for i in state.installments)
            + state.interest_adjustment_minor, next_due if active else None,
            next_amount if active else 0, rows, _payments(s, loan.id),
            max(state.interest_accrued_unpaid_minor(today), 0) if active else 0,
            state.fees_outstanding_minor, state.advance_minor,
            state.payoff_minor(today) if active else 0, dpd,
            accrual.bucket(dpd, state.terms.delinquency_buckets), today, loan.id)


def _payments(s, loan_id: int) -> list[PaymentRow]:
    sums = {pid: tuple(int(x) for x in rest) for pid, *rest in s.exec(
        select(PaymentAllocation.payment_id, func.sum(PaymentAllocation.principal_minor),
               func.sum(PaymentAllocation.interest_minor), func.sum(PaymentAllocation.fee_minor),
               func.sum(PaymentAllocation.advance_minor))
        .where(PaymentAllocation.loan_id == loan_id, PaymentAllocation.reversal_id.is_(None))
        .group_by(PaymentAllocation.payment_id))}
    reversals = {r.payment_id: r for r in s.exec(
        select(PaymentReversal).where(PaymentReversal.loan_id == loan_id))}
    rows = []
    for p in s.exec(select(Payment).where(Payment.loan_id == loan_id)
                    .order_by(Payment.received_on, Payment.id)):
        pr, it, fe, ad = sums.get(p.id, (0, 0, 0, 0))
        rev = reversals.get(p.id)
        rows.append(PaymentRow(p.id, p.received_on, p.amount_minor, pr, it, p.reason, fe, ad,
                               p.channel, rev is not None, rev.return_code if rev else "",
                               p.method))
    return rows


def list_loans(actor: Actor, url: str | None = None) -> list[LoanSummary]:
    actor.require("borrower", *STAFF)
    with UnitOfWork(url) as s:
        q = (select(Loan, AppUser.name).join(AppUser, AppUser.id == Loan.borrower_id)
             .order_by(Loan.id.desc()))
        if actor.role not in STAFF:
            q = q.where(Loan.borrower_id == actor.user_id)
        return [LoanSummary(loan.loan_number, name, loan.product_name, loan.principal_minor,
                            loan.status, loan.booked_at.date()) for loan, name in s.exec(q)]


@dataclass(frozen=True)
class ApplicationSummary:
    id: int
    product_name: str
    amount_minor: int
    term: int
    status: str
    reasons: list[str]
    installment_minor: int
    stage: str = ""


def list_applications(actor: Actor, url: str | None = None) -> list[ApplicationSummary]:
    actor.require("borrower", *STAFF)
    with UnitOfWork(url) as s:
        q = (select(Application, Product.name).join(Product, Product.id == Application.product_id)
             .order_by(Application.id.desc()))
        if actor.role not in STAFF:
            q = q.where(Application.borrower_id == actor.user_id)
        return [ApplicationSummary(a.id, name, a.amount_minor, a.term, a.status,
                                   a.decision.get("reasons", []), a.installment_minor, a.stage)
                for a, name in s.exec(q)]

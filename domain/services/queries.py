"""Read side: what the portal, the servicing console and the CLI show."""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlmodel import select

from domain.db.tables import (AppUser, Application, Installment, Loan, Payment,
                              PaymentAllocation, Product)
from domain.db.uow import UnitOfWork
from domain.errors import NotFound
from domain.ledger import INTEREST_INCOME
from domain.services import journal
from domain.services.actor import STAFF, Actor
from domain.services.payments import outstanding


@dataclass(frozen=True)
class InstallmentRow:
    number: int
    due_date: date
    principal_minor: int
    interest_minor: int
    paid_minor: int
    status: str  # paid, partial, due, overdue, upcoming


@dataclass(frozen=True)
class PaymentRow:
    id: int
    received_on: date
    amount_minor: int
    principal_minor: int
    interest_minor: int
    reason: str


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
        left = {o.number: o for o in outstanding(s, loan.id)}
        rows, next_due, next_amount = [], None, 0
        for inst in s.exec(select(Installment).where(Installment.loan_id == loan.id)
                           .order_by(Installment.number)):
            o = left[inst.number]
            unpaid = o.principal_minor + o.interest_minor
            total = inst.principal_minor + inst.interest_minor
            status = ("paid" if unpaid == 0 else "overdue" if inst.due_date < today
                      else "partial" if unpaid < total else "upcoming")
            if unpaid and next_due is None:
                next_due, next_amount = inst.due_date, unpaid
            rows.append(InstallmentRow(inst.number, inst.due_date, inst.principal_minor,
                                       inst.interest_minor, total - unpaid, status))
        payments = [PaymentRow(p.id, p.received_on, p.amount_minor, 0, 0, p.reason)
                    for p in s.exec(select(Payment).where(Payment.loan_id == loan.id)
                                    .order_by(Payment.id))]
        payments = _with_split(s, payments)
        return LoanDetail(
            loan.loan_number, borrower.name, loan.product_name, loan.product_version,
            loan.status, loan.principal_minor, loan.terms["annual_rate"], loan.term,
            loan.terms["frequency"], loan.disbursement_date,
            journal.principal_outstanding(s, loan.id),
            -journal.account_balance(s, INTEREST_INCOME, loan.id), next_due, next_amount,
            rows, payments)


def _with_split(s, payments: list[PaymentRow]) -> list[PaymentRow]:
    if not payments:
        return payments
    sums = dict((pid, (int(p), int(i))) for pid, p, i in s.exec(
        select(PaymentAllocation.payment_id, func.sum(PaymentAllocation.principal_minor),
               func.sum(PaymentAllocation.interest_minor))
        .where(PaymentAllocation.payment_id.in_([p.id for p in payments]))
        .group_by(PaymentAllocation.payment_id)))
    return [PaymentRow(p.id, p.received_on, p.amount_minor, *sums.get(p.id, (0, 0)), p.reason)
            for p in payments]


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


def list_applications(actor: Actor, url: str | None = None) -> list[ApplicationSummary]:
    actor.require("borrower", *STAFF)
    with UnitOfWork(url) as s:
        q = (select(Application, Product.name).join(Product, Product.id == Application.product_id)
             .order_by(Application.id.desc()))
        if actor.role not in STAFF:
            q = q.where(Application.borrower_id == actor.user_id)
        return [ApplicationSummary(a.id, name, a.amount_minor, a.term, a.status,
                                   a.decision.get("reasons", []), a.installment_minor)
                for a, name in s.exec(q)]

"""Read side: what the portal, the servicing console and the CLI show."""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, func
from sqlmodel import select

from domain.calculation import accrual
from domain.db.payment_tables import CollectionAttempt, PaymentInstrument
from domain.db.tables import (AppUser, Application, Loan, Payment, PaymentAllocation,
                              PaymentReversal, Product)
from domain.db.uow import UnitOfWork
from domain.kernel.errors import NotFound, ValidationError
from domain.nacha.codes import RETURN_CODES
from domain.servicing import loan_state
from domain.kernel.actor import Actor


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
    interest_paid_ahead_minor: int = 0  # paid before it accrued; the payoff deducts it


@dataclass(frozen=True)
class LoanSummary:
    loan_number: str
    borrower_name: str
    product_name: str
    principal_minor: int
    status: str
    booked_on: date


def _visible(actor: Actor, loan: Loan | None) -> Loan:
    if loan is None or (not actor.can("loan.view") and loan.borrower_id != actor.user_id):
        raise NotFound("this loan does not exist or is not yours to see")
    return loan


def loan_detail(actor: Actor, loan_number: str, url: str | None = None,
                today: date | None = None) -> LoanDetail:
    actor.require_permission("self.loans", "loan.view")
    today = today or date.today()
    with UnitOfWork(url) as s:
        loan = _visible(actor, s.exec(select(Loan).where(Loan.loan_number == loan_number)).first())
        borrower = s.get(AppUser, loan.borrower_id)
        state = loan_state.load(s, loan)
        rows, next_due, next_amount = [], None, 0
        for inst in state.installments:
            # status and days past due follow the one paid definition (accrual): charges on
            # an installment, and the money that paid them, never make it paid or unpaid;
            # the next amount due still includes them (a payment takes them first)
            unpaid = inst.unpaid_minor
            # a paid-off loan owes nothing: interest that never accrued is not "unpaid"
            status = ("paid" if inst.paid or loan.status == "paid_off"
                      else loan.status.replace("_", " ") if loan.status != "active"
                      else "overdue" if inst.due_date < today
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
        accrued, ahead = state.interest_split(today) if active else (0, 0)
        return LoanDetail(
            loan.loan_number, borrower.name, loan.product_name, loan.product_version,
            loan.status, loan.principal_minor, loan.terms["annual_rate"], loan.term,
            loan.terms["frequency"], loan.disbursement_date,
            state.principal_outstanding_minor,
            sum(i.paid_interest_minor for i in state.installments)
            + state.interest_adjustment_minor, next_due if active else None,
            next_amount if active else 0, rows, _payments(s, loan.id),
            accrued, state.fees_outstanding_minor, state.advance_minor,
            state.payoff_minor(today) if active else 0, dpd,
            accrual.bucket(dpd, state.terms.delinquency_buckets), today, loan.id, ahead)


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
    actor.require_permission("self.loans", "loan.view")
    with UnitOfWork(url) as s:
        q = (select(Loan, AppUser.name).join(AppUser, AppUser.id == Loan.borrower_id)
             .order_by(Loan.id.desc()))
        if not actor.can("loan.view"):
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
    actor.require_permission("self.apply", "application.view")
    with UnitOfWork(url) as s:
        q = (select(Application, Product.name).join(Product, Product.id == Application.product_id)
             .order_by(Application.id.desc()))
        if not actor.can("application.view"):
            q = q.where(Application.borrower_id == actor.user_id)
        return [ApplicationSummary(a.id, name, a.amount_minor, a.term, a.status,
                                   a.decision.get("reasons", []), a.installment_minor, a.stage)
                for a, name in s.exec(q)]


HISTORY_STATUSES = ("pending", "posted", "returned", "reversed", "failed", "scheduled",
                    "cancelled")


@dataclass(frozen=True)
class HistoryRow:
    """One line of a loan's payment history: a payment (with its allocation as it stands,
    or as it stood when reversed) or a collection attempt that never posted."""
    on: date  # the payment's effective date, or the attempt's draft date
    amount_minor: int
    status: str  # one of HISTORY_STATUSES
    payment_id: int | None = None
    attempt_id: int | None = None
    principal_minor: int = 0
    interest_minor: int = 0
    fee_minor: int = 0
    advance_minor: int = 0
    channel: str = ""  # servicer, portal, ach, stripe, ... (attempts: their rail)
    method: str = "regular"  # payments: regular payoff refund capitalization; attempts: purpose
    return_code: str = ""  # bank return code, or an attempt's failure code
    return_text: str = ""  # what the code means, or why it failed / was reversed
    reversed_on: date | None = None
    instrument: str = ""  # "Bank account checking ending 6789" when collected from one
    note: str = ""


def payment_history(actor: Actor, loan_number: str, status: str | None = None,
                    since: date | None = None, until: date | None = None,
                    url: str | None = None) -> list[HistoryRow]:
    """Every payment of a loan with its allocation, channel and status (pending while its
    debit has not settled, posted, returned with the bank's code, reversed), and every
    collection attempt that never posted (scheduled, failed, cancelled); newest first."""
    actor.require_permission("self.loans", "loan.view")
    if status and status not in HISTORY_STATUSES:
        raise ValidationError({"status": f"must be one of {', '.join(HISTORY_STATUSES)}"})
    if since and until and since > until:
        raise ValidationError({"until": "must not be before the start date"})
    with UnitOfWork(url) as s:
        loan = _visible(actor, s.exec(select(Loan).where(Loan.loan_number == loan_number))
                        .first())
        return history_rows(s, loan.id, status or None, since, until)


def history_rows(s, loan_id: int, status: str | None = None, since: date | None = None,
                 until: date | None = None, payment_id: int | None = None) -> list[HistoryRow]:
    """Two set-based queries: payments joined to their reversal, attempt and allocation
    sums; attempts without a payment. Filters (status, dates) are applied in SQL."""
    sums = (select(PaymentAllocation.payment_id,
                   func.sum(PaymentAllocation.principal_minor).label("p"),
                   func.sum(PaymentAllocation.interest_minor).label("i"),
                   func.sum(PaymentAllocation.fee_minor).label("f"),
                   func.sum(PaymentAllocation.advance_minor).label("a"))
            .where(PaymentAllocation.loan_id == loan_id, PaymentAllocation.reversal_id.is_(None))
            .group_by(PaymentAllocation.payment_id).subquery())
    paid = case((and_(PaymentReversal.id.is_not(None), PaymentReversal.return_code != ""),
                 "returned"), (PaymentReversal.id.is_not(None), "reversed"),
                (CollectionAttempt.status == "submitted", "pending"), else_="posted")
    q = (select(Payment, PaymentReversal, CollectionAttempt.id, PaymentInstrument,
                sums.c.p, sums.c.i, sums.c.f, sums.c.a, paid)
         .select_from(Payment)
         .outerjoin(PaymentReversal, PaymentReversal.payment_id == Payment.id)
         .outerjoin(CollectionAttempt, CollectionAttempt.payment_id == Payment.id)
         .outerjoin(PaymentInstrument, PaymentInstrument.id == CollectionAttempt.instrument_id)
         .outerjoin(sums, sums.c.payment_id == Payment.id)
         .where(Payment.loan_id == loan_id))
    q = _filtered(q, paid, Payment.received_on, status, since, until)
    if payment_id is not None:
        q = q.where(Payment.id == payment_id)
    rows = []
    for p, rev, attempt_id, inst, pr, it, fe, ad, st in s.exec(q):
        code = rev.return_code if rev else ""
        rows.append(HistoryRow(
            p.received_on, p.amount_minor, st, p.id, attempt_id, int(pr or 0), int(it or 0),
            int(fe or 0), int(ad or 0), p.channel, p.method, code,
            (RETURN_CODES.get(code) or rev.reason) if rev else "",
            rev.reversed_on if rev else None, inst.label() if inst else "", p.reason))
    if payment_id is None:
        tried = case((CollectionAttempt.status == "submitted", "pending"),
                     (CollectionAttempt.status == "succeeded", "posted"),
                     else_=CollectionAttempt.status)
        q = (select(CollectionAttempt, PaymentInstrument, tried)
             .join(PaymentInstrument, PaymentInstrument.id == CollectionAttempt.instrument_id)
             .where(CollectionAttempt.loan_id == loan_id, CollectionAttempt.payment_id.is_(None)))
        for a, inst, st in s.exec(_filtered(q, tried, CollectionAttempt.draft_date, status,
                                            since, until)):
            rows.append(HistoryRow(
                a.draft_date, a.amount_minor, st, None, a.id, channel=a.rail, method=a.purpose,
                return_code=a.failure_code,
                return_text=RETURN_CODES.get(a.failure_code) or a.failure_reason,
                instrument=inst.label(),
                note=f"installment {a.installment_number}" if a.installment_number else ""))
    return sorted(rows, key=lambda r: (r.on, r.payment_id is None, r.payment_id or 0,
                                       r.attempt_id or 0), reverse=True)


def _filtered(q, status_expr, day, status, since, until):
    if status:
        q = q.where(status_expr == status)
    if since:
        q = q.where(day >= since)
    if until:
        q = q.where(day <= until)
    return q

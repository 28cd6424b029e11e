"""Recording a payment: validate, allocate, journal, audit; the idempotency key makes a
replay harmless."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import select

from domain import ledger
from domain.allocation import OverPayment, Outstanding, allocate
from domain.db.tables import Installment, Loan, Payment, PaymentAllocation
from domain.db.uow import UnitOfWork
from domain.errors import Conflict, NotFound, ValidationError
from domain.money import fmt, parse_amount
from domain.services import audit, journal
from domain.services.actor import Actor


@dataclass(frozen=True)
class PaymentResult:
    payment_id: int
    amount_minor: int
    principal_minor: int
    interest_minor: int
    replayed: bool


def outstanding(s, loan_id: int) -> list[Outstanding]:
    """Unpaid principal and interest per installment, in one grouped query."""
    paid = (select(PaymentAllocation.installment_number,
                   func.sum(PaymentAllocation.principal_minor).label("p"),
                   func.sum(PaymentAllocation.interest_minor).label("i"))
            .where(PaymentAllocation.loan_id == loan_id)
            .group_by(PaymentAllocation.installment_number).subquery())
    rows = s.exec(select(Installment.number, Installment.principal_minor,
                         Installment.interest_minor,
                         func.coalesce(paid.c.p, 0), func.coalesce(paid.c.i, 0))
                  .outerjoin(paid, paid.c.installment_number == Installment.number)
                  .where(Installment.loan_id == loan_id).order_by(Installment.number))
    return [Outstanding(n, int(p) - int(pp), int(i) - int(pi)) for n, p, i, pp, pi in rows]


def record_payment(actor: Actor, loan_number: str, amount: str, received_on: date | None,
                   idempotency_key: str, reason: str = "", url: str | None = None
                   ) -> PaymentResult:
    actor.require("servicer", "admin")
    if not idempotency_key or len(idempotency_key) > 100:
        raise ValidationError({"idempotency_key": "is required (at most 100 characters)"})
    amount_minor = parse_amount(amount, "amount")
    received_on = received_on or date.today()
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == loan_number)).first()
        if loan is None:
            raise NotFound(f"loan {loan_number}")
        prior = s.exec(select(Payment).where(Payment.idempotency_key == idempotency_key)).first()
        if prior is not None:
            if prior.loan_id != loan.id or prior.amount_minor != amount_minor:
                raise Conflict("this idempotency key was used for a different payment")
            return _result(s, prior, replayed=True)
        if loan.status != "active":
            raise ValidationError({"amount": f"loan is {loan.status.replace('_', ' ')}"})
        if received_on < loan.disbursement_date or received_on > date.today():
            raise ValidationError({"received_on": "must be between funding and today"})
        owed = outstanding(s, loan.id)
        try:
            parts = allocate(amount_minor, owed)
        except OverPayment as e:
            raise ValidationError({"amount": f"exceeds the {fmt(e.owed_minor)} owed"}) from None
        principal = sum(p.principal_minor for p in parts)
        interest = sum(p.interest_minor for p in parts)
        entry_id = f"pay-{idempotency_key}"
        payment = Payment(loan_id=loan.id, idempotency_key=idempotency_key,
                          amount_minor=amount_minor, received_on=received_on,
                          reason=reason.strip(), recorded_by=actor.user_id,
                          journal_entry_id=entry_id)
        s.add(payment)
        s.flush()
        s.add_all(PaymentAllocation(payment_id=payment.id, loan_id=loan.id,
                                    installment_number=p.number, principal_minor=p.principal_minor,
                                    interest_minor=p.interest_minor) for p in parts)
        journal.post(s, ledger.repayment(entry_id, loan.id, received_on, principal, interest))
        audit.record(s, actor, "payment.recorded", "payment", payment.id, None,
                     {**audit.snapshot(payment), "principal_minor": principal,
                      "interest_minor": interest}, reason)
        if amount_minor == sum(o.principal_minor + o.interest_minor for o in owed):
            before = audit.snapshot(loan)
            loan.status = "paid_off"
            s.add(loan)
            audit.record(s, actor, "loan.paid_off", "loan", loan.loan_number, before,
                         audit.snapshot(loan), "final payment")
        return PaymentResult(payment.id, amount_minor, principal, interest, replayed=False)


def _result(s, payment: Payment, replayed: bool) -> PaymentResult:
    parts = s.exec(select(PaymentAllocation).where(PaymentAllocation.payment_id == payment.id))
    parts = list(parts)
    return PaymentResult(payment.id, payment.amount_minor, sum(p.principal_minor for p in parts),
                         sum(p.interest_minor for p in parts), replayed)

"""Posting and reversing payments: validate, allocate by the loan's hierarchy, journal, audit.

The idempotency key makes a replay harmless. A backdated payment, or a reversal, re-allocates
every later payment in effective-date order, by appending reversing rows and new rows (never by
editing), so the loan ends exactly as if the payments had arrived in date order.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import select

from domain.ledger import entries as ledger
from domain.calculation.allocation import net
from domain.db.tables import AppUser, JournalEntry, Loan, LoanCharge, Payment, \
    PaymentAllocation, PaymentReversal
from domain.db.locks import lock_loan
from domain.db.uow import UnitOfWork
from domain.kernel.errors import Conflict, NotFound, ValidationError
from domain.kernel.money import fmt, parse_amount
from domain.audit import trail as audit
from domain.ledger import journal
from domain.servicing import allocation_rows, loan_state, replay, rewind
from domain.servicing.allocation_rows import NOT_PAYMENTS
from domain.kernel.actor import Actor

CHANNELS = ("servicer", "portal", "autopay", "ach", "stripe", "lockbox", "import")
FEE_RETURN_CODES = ("R01", "R09")  # returns that carry the NSF fee (insufficient funds)
SYSTEM_EMAIL = "system@lendbook.invalid"


@dataclass(frozen=True)
class PaymentResult:
    payment_id: int
    amount_minor: int
    principal_minor: int
    interest_minor: int
    replayed: bool
    fee_minor: int = 0
    advance_minor: int = 0


def outstanding(s, loan_id: int):
    """What each installment of the current schedule still owes (kept for the read side)."""
    return loan_state.load(s, s.get(Loan, loan_id)).outstanding()


def record_payment(actor: Actor, loan_number: str, amount: str, received_on: date | None,
                   idempotency_key: str, reason: str = "", url: str | None = None, *,
                   channel: str = "servicer", payoff: bool = False,
                   today: date | None = None) -> PaymentResult:
    """Post one payment effective `received_on` (default today). `payoff` closes the loan and
    must equal the payoff amount for that date."""
    actor.require_permission("payment.post")
    today = today or date.today()
    if not idempotency_key or len(idempotency_key) > 100:
        raise ValidationError({"idempotency_key": "is required (at most 100 characters)"})
    if channel not in CHANNELS:
        raise ValidationError({"channel": f"must be one of {', '.join(CHANNELS)}"})
    amount_minor = parse_amount(amount, "amount")
    received_on = received_on or today
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == loan_number)).first()
        if loan is None:
            raise NotFound(f"loan {loan_number}")
        return post_in(s, actor, loan, amount_minor, received_on, idempotency_key, reason,
                       channel=channel, payoff=payoff, today=today)


def post_in(s, actor: Actor, loan: Loan, amount_minor: int, received_on: date,
            idempotency_key: str, reason: str = "", *, channel: str, payoff: bool = False,
            today: date) -> PaymentResult:
    """Post a payment inside the caller's transaction (collections settle an attempt and
    post its payment atomically); a key seen before replays the first result."""
    lock_loan(s, loan)
    prior = s.exec(select(Payment).where(Payment.idempotency_key == idempotency_key)).first()
    if prior is not None:
        if prior.loan_id != loan.id or prior.amount_minor != amount_minor:
            raise Conflict("this idempotency key was used for a different payment")
        return _result(s, prior, replayed=True)
    if loan.status != "active":
        raise ValidationError({"amount": f"loan is {loan.status.replace('_', ' ')}"})
    if received_on < loan.disbursement_date or received_on > today:
        raise ValidationError({"received_on": "must be between funding and today"})
    why = f"backdated payment {idempotency_key}"
    mods = rewind.after(s, loan, received_on, "received_on")
    later = allocation_rows.active_payments(s, loan.id, after=date.min if mods else received_on)
    allocation_rows.unapply(s, loan, later, why)
    if mods:  # before a modification: the schedule is rewound and rebuilt (rewind)
        rewind.undo(s, actor, loan, mods, why)
    payment = Payment(loan_id=loan.id, idempotency_key=idempotency_key,
                      amount_minor=amount_minor, received_on=received_on,
                      method="payoff" if payoff else "regular", channel=channel,
                      reason=reason.strip(), recorded_by=recorder(s, actor),
                      journal_entry_id=f"pay-{idempotency_key}")
    s.add(payment)
    s.flush()
    if mods:
        parts = rewind.redo(s, actor, loan, later + [payment], mods, why, new=payment)
    else:
        parts = allocation_rows.apply(s, loan, payment, payment.journal_entry_id)
        allocation_rows.reapply(s, loan, later)
    replayed = replay.replay(s, actor, loan, received_on, f"payment {idempotency_key} "
                                                          f"dated {received_on}")
    audit.record(s, actor, "payment.recorded", "payment", payment.id, None,
                 {**audit.snapshot(payment), "allocation": [p.__dict__ for p in parts],
                  "reallocated_later_payments": [p.id for p in later],
                  "replay": replayed.__dict__}, reason)
    _update_status(s, loan, actor, today)
    _settle_overpayment(s, actor, loan, payment, received_on)
    return _result(s, payment, replayed=False)


def reverse_payment(actor: Actor, payment_id: int, reason: str, return_code: str = "",
                    on: date | None = None, url: str | None = None,
                    assess_fee: bool | None = None) -> int:
    """Undo a payment (returned debit, posting error): the loan returns exactly to the state
    it would have had without it; an NSF fee follows for R01/R09 returns by default."""
    actor.require_permission("payment.reverse")
    if not (reason or "").strip():
        raise ValidationError({"reason": "is required to reverse a payment"})
    on = on or date.today()
    with UnitOfWork(url) as s:
        payment = s.get(Payment, payment_id)
        if payment is None:
            raise NotFound(f"payment {payment_id}")
        return reverse_in(s, actor, payment, reason, return_code, on, assess_fee)


def reverse_in(s, actor: Actor, payment: Payment, reason: str, return_code: str, on: date,
               assess_fee: bool | None = None) -> int:
    """Reverse inside the caller's transaction (a return file reverses all its entries or
    none); a payment reversed before returns that reversal."""
    loan = lock_loan(s, s.get(Loan, payment.loan_id))
    existing = s.exec(select(PaymentReversal).where(
        PaymentReversal.payment_id == payment.id)).first()
    if existing is not None:
        return existing.id
    if payment.method in NOT_PAYMENTS:
        raise ValidationError({"payment": f"a {payment.method} is not a payment to reverse"})
    why = f"reversal of payment {payment.id}"
    mods = rewind.after(s, loan, payment.received_on, "payment")
    later = allocation_rows.active_payments(
        s, loan.id, after=date.min if mods else payment.received_on, exclude=payment.id)
    allocation_rows.unapply(s, loan, later, why)
    if mods:  # before a modification: the schedule is rewound and rebuilt (rewind)
        rewind.undo(s, actor, loan, mods, why)
    rev = PaymentReversal(payment_id=payment.id, loan_id=loan.id, reversed_on=on,
                          return_code=return_code.strip().upper(), reason=reason.strip(),
                          recorded_by=actor.user_id, journal_entry_id=f"rev-{payment.id}")
    s.add(rev)
    s.flush()
    current = net(allocation_rows.rows(s, payment.id))
    s.add_all(allocation_rows.rows_for(payment, [allocation_rows.negated(a) for a in current], reversal_id=rev.id))
    journal.write(s, [allocation_rows.correction(rev.journal_entry_id, loan.id, on, current,
                                 f"Payment {payment.id} reversed: {reason}")])
    if mods:
        rewind.redo(s, actor, loan, later, mods, why)
    else:
        allocation_rows.reapply(s, loan, later)
    replayed = replay.replay(s, actor, loan, payment.received_on,
                             f"payment {payment.id} reversed ({rev.return_code or reason})")
    fee = loan_state.load(s, loan).terms.nsf_fee_minor
    if (assess_fee if assess_fee is not None else rev.return_code in FEE_RETURN_CODES) \
            and fee:
        _charge_nsf(s, loan, payment, fee, on)
    audit.record(s, actor, "payment.reversed", "payment", payment.id,
                 audit.snapshot(payment), {**audit.snapshot(rev), "replay": replayed.__dict__},
                 reason)
    _update_status(s, loan, actor, on)
    return rev.id


def refund_advance(actor: Actor, loan_number: str, amount: str, on: date | None,
                   idempotency_key: str, reason: str, url: str | None = None) -> int:
    """Pay back money held as an advance (suspense): suspense -> cash, recorded as a refund
    row in the payment history; never more than is held."""
    actor.require_permission("payment.post")
    amount_minor = parse_amount(amount, "amount")
    if not (reason or "").strip():
        raise ValidationError({"reason": "is required for a refund"})
    if not idempotency_key:
        raise ValidationError({"idempotency_key": "is required"})
    on = on or date.today()
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == loan_number)).first()
        if loan is None:
            raise NotFound(f"loan {loan_number}")
        return refund_in(s, actor, loan, amount_minor, on, idempotency_key, reason.strip())


def refund_in(s, actor: Actor, loan: Loan, amount_minor: int, on: date, key: str,
              reason: str, channel: str = "servicer") -> int:
    """Refund inside the caller's transaction: suspense -> cash, a `refund` row in the
    payment history; a key seen before returns the first refund."""
    lock_loan(s, loan)
    prior = s.exec(select(Payment).where(Payment.idempotency_key == key)).first()
    if prior is not None:
        if prior.loan_id != loan.id or prior.amount_minor != amount_minor:
            raise Conflict("this idempotency key was used for a different request")
        return prior.id
    held = loan_state.load(s, loan).advance_minor
    if amount_minor > held:
        raise ValidationError({"amount": f"exceeds the {fmt(held)} held as an advance"})
    refund = Payment(loan_id=loan.id, idempotency_key=key, amount_minor=amount_minor,
                     received_on=on, method="refund", channel=channel, reason=reason,
                     recorded_by=recorder(s, actor), journal_entry_id=f"refund-{key}")
    s.add(refund)
    s.flush()
    s.add(PaymentAllocation(payment_id=refund.id, loan_id=loan.id, installment_number=0,
                            principal_minor=0, interest_minor=0, advance_minor=-amount_minor))
    journal.write(s, [ledger.Entry(refund.journal_entry_id, ledger.REFUND, on, loan.id, (
        ledger.Line(ledger.SUSPENSE, amount_minor), ledger.Line(ledger.CASH, -amount_minor)),
        "Advance refunded")])
    audit.record(s, actor, "payment.refunded", "payment", refund.id, None,
                 audit.snapshot(refund), reason)
    return refund.id


def _settle_overpayment(s, actor: Actor, loan: Loan, payment: Payment, on: date) -> None:
    """A payment that closed the loan with money to spare left a credit balance: the
    product's `overpayment` setting keeps it for a servicer to refund (`hold`), or pays it
    back at once by the channel it came in (`refund`). Never interest income."""
    if loan.status != "paid_off":
        return
    state = loan_state.load(s, loan)
    if state.advance_minor <= 0 or state.terms.overpayment != "refund":
        return
    refund_in(s, actor, loan, state.advance_minor, on, f"overpaid-{payment.id}",
              f"Paid above the payoff: {fmt(state.advance_minor)} refunded", payment.channel)


def recorder(s, actor: Actor) -> int:
    """The user a payment is recorded by: the actor, or for automated collections (no user)
    the inactive system account, which cannot sign in."""
    if actor.user_id is not None:
        return actor.user_id
    uid = s.exec(select(AppUser.id).where(AppUser.email == SYSTEM_EMAIL)).first()
    if uid is None:
        user = AppUser(email=SYSTEM_EMAIL, name="Lendbook (automated)", role="admin",
                       password_hash="!", active=False)
        s.add(user)
        s.flush()
        uid = user.id
    return uid


def _charge_nsf(s, loan: Loan, payment: Payment, fee: int, on: date) -> None:
    state = loan_state.load(s, loan)
    target = next((i.number for i in state.installments if i.unpaid_minor > 0),
                  state.installments[-1].number)
    entry_id = f"nsf-{payment.id}"
    s.add(LoanCharge(loan_id=loan.id, kind="nsf", installment_number=target, amount_minor=fee,
                     assessed_on=on, source_key=f"nsf:{payment.id}", journal_entry_id=entry_id))
    journal.write(s, [ledger.fee_charge(entry_id, loan.id, on, fee,
                                        f"Returned payment fee (payment {payment.id})")])


def _update_status(s, loan: Loan, actor: Actor, on: date) -> None:
    """Close the loan when nothing is owed; reopen it if a reversal makes it owe again."""
    s.flush()
    state = loan_state.load(s, loan)
    status = "paid_off" if state.fully_paid else "active"
    if status == loan.status or loan.status not in ("active", "paid_off"):
        return
    if status == "paid_off":
        _close_accrual(s, loan, on)
    before = audit.snapshot(loan)
    loan.status, loan.closed_on = status, (on if status == "paid_off" else None)
    s.add(loan)
    s.flush()
    audit.record(s, actor, f"loan.{'paid_off' if status == 'paid_off' else 'reopened'}", "loan",
                 loan.loan_number, before, audit.snapshot(loan),
                 "paid in full" if status == "paid_off" else "a reversal left money owing")


def _close_accrual(s, loan: Loan, on: date) -> None:
    """At payoff, recognise exactly the interest collected: accrual stops, and interest
    receivable for the loan is brought to zero (collected ahead of accrual, or accrued beyond
    what the payoff charged)."""
    left = journal.account_balance(s, ledger.INTEREST_RECEIVABLE, loan.id)
    if left:
        n = s.exec(select(func.count()).select_from(JournalEntry).where(
            JournalEntry.id.like(f"close-{loan.id}-%"))).one()
        journal.write(s, [ledger.accrual(f"close-{loan.id}-{n + 1}", loan.id, on, -left)])


def _result(s, payment: Payment, replayed: bool) -> PaymentResult:
    parts = net(allocation_rows.rows(s, payment.id))
    return PaymentResult(payment.id, payment.amount_minor,
                         sum(p.principal_minor for p in parts),
                         sum(p.interest_minor for p in parts), replayed,
                         sum(p.fee_minor for p in parts), sum(p.advance_minor for p in parts))

"""A payment's allocation rows and the journal entries that go with them, append-only: a
payment is applied by the loan's hierarchy (rows, then its repayment entry); a backdated event
takes the later payments off (reversing rows, and the reversal of each repayment entry) and
applies them again in effective-date order, so the loan ends exactly as if the payments had
arrived in date order. `correction` is how every undo is journaled (payments, returns)."""
from datetime import date

from sqlalchemy import func
from sqlmodel import select

from domain.calculation.allocation import Allocation, OverPayment, allocate, net, payoff_split
from domain.db.tables import JournalEntry, Loan, Payment, PaymentAllocation, PaymentReversal
from domain.kernel.errors import ValidationError
from domain.kernel.money import fmt
from domain.ledger import entries as ledger
from domain.ledger import journal
from domain.servicing import loan_state

NOT_PAYMENTS = ("capitalization", "refund")  # rows in the payment table that move no new cash


def apply(s, loan: Loan, payment: Payment, entry_id: str) -> list[Allocation]:
    """Allocate one payment. A payoff must equal the payoff for its date when it is posted;
    applied again (an earlier payment reversed or backdated) it is a payment of its amount.
    A regular payment at or above the payoff is a payoff too, its excess held as a credit
    balance (advance), so money beyond what the loan owes on that date never pays interest
    not yet earned. A payment applied after an earlier one (by effective date) paid the loan
    off is all a credit balance: from the payoff's date on nothing accrues or is owed."""
    state = loan_state.load(s, loan, payment.received_on)  # the charges standing that day
    if state.installments and state.fully_paid:
        parts = [Allocation(0, advance_minor=payment.amount_minor)]
        s.add_all(rows_for(payment, parts))
        journal.write(s, [repayment_entry(entry_id, loan.id, payment.received_on, parts,
                                          f"Payment {payment.id} ({payment.channel}), "
                                          "after the loan was paid off")])
        return parts
    quote = state.payoff_minor(payment.received_on)
    if payment.method == "payoff" and payment.amount_minor != quote and \
            not s.exec(select(PaymentAllocation.id).where(
                PaymentAllocation.payment_id == payment.id).limit(1)).first():
        raise ValidationError({"amount": f"the payoff on {payment.received_on} is "
                                         f"{fmt(quote)}"})
    if payment.amount_minor >= quote:
        parts = payoff_parts(state, payment.received_on, payment.amount_minor - quote)
    else:
        try:
            parts = allocate(payment.amount_minor, state.outstanding(), state.rule,
                             payment.received_on)
        except OverPayment as e:
            raise ValidationError({"amount": f"exceeds the {fmt(e.owed_minor)} the loan can "
                                             "take; use a payoff to close it"}) from None
    s.add_all(rows_for(payment, parts))
    journal.write(s, [repayment_entry(entry_id, loan.id, payment.received_on, parts,
                             f"Payment {payment.id} ({payment.channel})")])
    return parts


def payoff_parts(state, on: date, excess: int = 0) -> list[Allocation]:
    """What closes the loan on `on` (everything owed, interest as accrued), and `excess`
    beyond it held in suspense; the advance already held is used up."""
    parts, rebate = payoff_split(state.outstanding(), state.accrued_unpaid(on))
    if rebate or state.advance_minor or state.interest_adjustment_minor or \
            state.fee_adjustment_minor or excess:
        parts.append(Allocation(0, interest_minor=-rebate - state.interest_adjustment_minor,
                                fee_minor=-state.fee_adjustment_minor,
                                advance_minor=excess - state.advance_minor))
    return parts


def unapply(s, loan: Loan, payments: list[Payment], why: str) -> None:
    """Take later payments off the loan (reversing rows and entries) before re-applying."""
    for p in reversed(payments):
        current = net(rows(s, p.id))
        if not current:
            continue
        s.add_all(rows_for(p, [negated(a) for a in current]))
        journal.write(s, [correction(next_id(s, p, "out"), loan.id, p.received_on, current,
                                     f"Re-allocation of payment {p.id}: {why}")])
    s.flush()


def reapply(s, loan: Loan, payments: list[Payment]) -> None:
    for p in payments:
        apply(s, loan, p, next_id(s, p, "in"))
        s.flush()


def active_payments(s, loan_id: int, after: date, exclude: int | None = None) -> list[Payment]:
    """Payments effective after `after` and not reversed, oldest first."""
    reversed_ids = select(PaymentReversal.payment_id).where(PaymentReversal.loan_id == loan_id)
    q = (select(Payment).where(Payment.loan_id == loan_id, Payment.received_on > after,
                               Payment.id.not_in(reversed_ids),
                               Payment.method.not_in(NOT_PAYMENTS))
         .order_by(Payment.received_on, Payment.id))
    return [p for p in s.exec(q) if p.id != exclude]


def rows(s, payment_id: int) -> list[Allocation]:
    return [Allocation(r.installment_number, r.principal_minor, r.interest_minor, r.fee_minor,
                       r.advance_minor)
            for r in s.exec(select(PaymentAllocation).where(
                PaymentAllocation.payment_id == payment_id))]


def rows_for(payment: Payment, parts: list[Allocation], reversal_id: int | None = None):
    return [PaymentAllocation(payment_id=payment.id, loan_id=payment.loan_id,
                              installment_number=a.number, principal_minor=a.principal_minor,
                              interest_minor=a.interest_minor, fee_minor=a.fee_minor,
                              advance_minor=a.advance_minor, reversal_id=reversal_id)
            for a in parts]


def negated(a: Allocation) -> Allocation:
    return Allocation(a.number, -a.principal_minor, -a.interest_minor, -a.fee_minor,
                      -a.advance_minor)


def repayment_entry(entry_id, loan_id, on, parts, memo) -> ledger.Entry:
    """The repayment entry of allocated parts (cash in; principal, interest, fees, advance)."""
    e = ledger.repayment(entry_id, loan_id, on, sum(a.principal_minor for a in parts),
                         sum(a.interest_minor for a in parts), sum(a.fee_minor for a in parts),
                         sum(a.advance_minor for a in parts))
    return ledger.Entry(e.entry_id, ledger.REPAYMENT, on, loan_id, e.lines, memo)


def correction(entry_id, loan_id, on, parts, memo) -> ledger.Entry:
    """Undoing allocated parts (a reversal, a return, a re-allocation): the repayment entry
    of the same parts, reversed by the ledger's one correction builder."""
    return ledger.reversing(entry_id, repayment_entry(entry_id, loan_id, on, parts, memo), on, memo)


def next_id(s, payment: Payment, direction: str) -> str:
    prefix = f"realloc-{payment.id}-{direction}-"
    n = s.exec(select(func.count()).select_from(JournalEntry)
               .where(JournalEntry.id.like(prefix + "%"))).one()
    return f"{prefix}{n + 1}"

"""Replay of a loan's history after a backdated event: late fees and delinquency re-derived.

A payment dated before the last closed business date, a reversal or bank return of such a
payment, or a dishonored return rewrites the loan's past. Allocation is replayed where the
event is posted (`allocation_rows`: later payments taken off and applied again in date order);
this module replays what close of business derived from the old past:

- **Late fees.** A late fee is due for an installment on the first closed business date past
  its grace on which it was not paid, the history read as it is known now: a payment counts
  from the day it was received unless it has been reversed (a returned or reversed payment
  never paid anything). A fee charged that is no longer due is removed by a negative charge and
  the reversing journal entry, effective on the day it was charged; a fee now due and never
  charged is charged effective on its day. Fees move the money of later payments (a payment
  pays fees first), so the payments after the earliest change are re-allocated and the fees
  derived again, until nothing changes.
- **Delinquency.** The loan's cached days past due and bucket are set as of the last closed
  date from the history as known now.
Every change is journaled with new entries (never an edit) and audited with before and after.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import select

from domain.audit import trail as audit
from domain.calculation import accrual
from domain.db.onboarding_tables import OnboardedLoan
from domain.db.tables import CobRun, Installment, Loan, LoanCharge, Payment, PaymentAllocation, \
    PaymentReversal
from domain.kernel.actor import Actor
from domain.ledger import entries as ledger
from domain.ledger import journal
from domain.servicing import allocation_rows, loan_state
from domain.servicing.cob_sets import DEFAULT_GRACE_DAYS

MAX_ROUNDS = 5  # fees and re-allocation settle in one or two rounds; more means a loop


@dataclass
class ReplayResult:
    fees_removed: list[tuple[int, int, date]] = field(default_factory=list)  # (inst, minor, on)
    fees_charged: list[tuple[int, int, date]] = field(default_factory=list)
    days_past_due: tuple[int, int] = (0, 0)  # before, after
    rounds: int = 0


def last_closed(s) -> date | None:
    return s.exec(select(func.max(CobRun.business_date))).one()


def replay(s, actor: Actor, loan: Loan, since: date, why: str) -> ReplayResult:
    """Re-derive late fees and delinquency of `loan` for closed dates from `since` on (inside
    the caller's transaction, the loan locked by the caller)."""
    result = ReplayResult()
    closed = last_closed(s)
    if closed is None or since > closed or loan.status not in ("active", "paid_off"):
        return result
    s.flush()
    for _ in range(MAX_ROUNDS):
        result.rounds += 1
        changed = _fees(s, actor, loan, closed, why, result)
        if changed is None:
            break
        # a payment is allocated against the charges standing the day it was received (a late
        # fee from the day after it was charged): those received after the change see it
        later = allocation_rows.active_payments(s, loan.id, after=changed)
        allocation_rows.unapply(s, loan, later, f"late fees replayed: {why}")
        allocation_rows.reapply(s, loan, later)
    _delinquency(s, loan, closed, result)
    return result


def is_open(s, loan: Loan) -> bool:
    """Open as known now: active, or paid off by a payment the event has just taken away (a
    reversal replays before the loan is reopened; as known now it was never paid off)."""
    return loan.status == "active" or \
        (loan.status == "paid_off" and not loan_state.load(s, loan).fully_paid)


def paid_off_on(s, loan: Loan) -> date | None:
    """As known now, the effective date of the payment by which the current schedule's
    principal was all paid: the loan was paid off that day (a payoff pays interest only as
    accrued, so the installments it settled stay short of their scheduled interest), or None."""
    owed = s.exec(select(func.coalesce(func.sum(Installment.principal_minor), 0)).where(
        Installment.loan_id == loan.id,
        Installment.schedule_version == loan.schedule_version)).one()
    reversed_ids = select(PaymentReversal.payment_id).where(PaymentReversal.loan_id == loan.id)
    total = 0
    for on, principal in s.exec(
            select(Payment.received_on, func.sum(PaymentAllocation.principal_minor))
            .join(Payment, Payment.id == PaymentAllocation.payment_id)
            .where(PaymentAllocation.loan_id == loan.id, Payment.id.not_in(reversed_ids),
                   # row 0 is no installment's (principal paid ahead of a modification
                   # moved there is outside the schedule it built)
                   PaymentAllocation.installment_number > 0)
            .group_by(Payment.received_on).order_by(Payment.received_on)).all():
        total += int(principal)
        if owed and total >= owed:
            return on
    return None


def _periods(s, loan: Loan, on: date) -> list[accrual.Period]:
    """The current schedule with what payments received by `on`, and not reversed, paid."""
    reversed_ids = select(PaymentReversal.payment_id).where(PaymentReversal.loan_id == loan.id)
    paid = {n: (int(p), int(i), int(f)) for n, p, i, f in s.exec(
        select(PaymentAllocation.installment_number, func.sum(PaymentAllocation.principal_minor),
               func.sum(PaymentAllocation.interest_minor), func.sum(PaymentAllocation.fee_minor))
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(PaymentAllocation.loan_id == loan.id, Payment.received_on <= on,
               Payment.id.not_in(reversed_ids))
        .group_by(PaymentAllocation.installment_number)).all()}
    rows = s.exec(select(Installment).where(
        Installment.loan_id == loan.id, Installment.schedule_version == loan.schedule_version)
        .order_by(Installment.number))
    return [accrual.Period(i.number, i.start_date or loan.disbursement_date, i.due_date,
                           i.interest_minor, i.principal_minor + i.interest_minor + i.fee_minor,
                           accrual.paid_toward_installment(*paid.get(i.number, (0, 0, 0)),
                                                           i.fee_minor))
            for i in rows]


def fees_due(s, loan: Loan, closed: date) -> dict[int, date]:
    """Installment number -> the date its late fee is due on, the history as known now."""
    fee = loan.terms.get("late_fee_minor", 0)
    grace = loan.terms.get("late_fee_grace_days", DEFAULT_GRACE_DAYS)
    if not fee:
        return {}
    money_dates = set(s.exec(select(Payment.received_on).where(
        Payment.loan_id == loan.id)).all())
    boarded = s.exec(select(OnboardedLoan.boarded_on).where(
        OnboardedLoan.loan_id == loan.id)).first()
    ends = [d for d in (None if is_open(s, loan) else loan.closed_on, paid_off_on(s, loan))
            if d is not None]
    if ends:  # fees only while it was open
        closed = min(closed, min(ends) - timedelta(days=1))
    out: dict[int, date] = {}
    cache: dict[date, dict[int, bool]] = {}

    def paid_on(d: date) -> dict[int, bool]:
        if d not in cache:
            cache[d] = {p.number: p.paid for p in _periods(s, loan, d)}
        return cache[d]
    for p in _periods(s, loan, closed):
        first = p.due_date + timedelta(days=grace + 1)
        if first > closed or (boarded is not None and (boarded - p.due_date).days > grace + 1):
            continue
        for d in sorted({first} | {d for d in money_dates if first < d <= closed}):
            if not paid_on(d)[p.number]:
                out[p.number] = d
                break
    return out


def _standing(s, loan: Loan) -> dict[int, list[LoanCharge]]:
    """Late charges with a positive net, by installment (whatever schedule version charged
    them: a modification keeps the installments already due, numbers and all)."""
    rows = s.exec(select(LoanCharge).where(LoanCharge.loan_id == loan.id,
                                           LoanCharge.kind == "late")
                  .order_by(LoanCharge.id)).all()
    by: dict[int, list[LoanCharge]] = {}
    for r in rows:
        by.setdefault(r.installment_number, []).append(r)
    return {n: rs for n, rs in by.items() if sum(r.amount_minor for r in rs) > 0}


def _fees(s, actor, loan, closed, why, result) -> date | None:
    """Bring the late charges to what is due; the earliest date changed, or None."""
    due, standing = fees_due(s, loan, closed), _standing(s, loan)
    earliest = None
    for number, charges in standing.items():
        live = [c for c in charges if c.amount_minor > 0][-1]
        if due.get(number) == live.assessed_on:
            continue
        _remove(s, actor, loan, live, why)
        result.fees_removed.append((number, live.amount_minor, live.assessed_on))
        earliest = min(filter(None, (earliest, live.assessed_on)))
    for number, on in due.items():
        if number in standing and standing[number][-1].assessed_on == on and \
                standing[number][-1].amount_minor > 0:
            continue
        amount = _charge(s, actor, loan, number, on, why)
        result.fees_charged.append((number, amount, on))
        earliest = min(filter(None, (earliest, on)))
    s.flush()
    return earliest


def _key(s, loan: Loan, number: int) -> str:
    """A new charge's source key: close of business's own key if unused, else numbered."""
    base = f"late:{loan.id}:{loan.schedule_version}:{number}"
    used = set(s.exec(select(LoanCharge.source_key).where(
        LoanCharge.loan_id == loan.id, LoanCharge.kind == "late",
        LoanCharge.installment_number == number)).all())
    key, n = base, len(used)
    while key in used:
        n += 1
        key = f"{base}:{n}"
    return key


def _remove(s, actor, loan, charge: LoanCharge, why: str) -> None:
    key = _key(s, loan, charge.installment_number)
    entry_id = f"late-rev-{key.removeprefix('late:').replace(':', '-')}"
    undo = LoanCharge(loan_id=loan.id, kind="late", installment_number=charge.installment_number,
                      amount_minor=-charge.amount_minor, assessed_on=charge.assessed_on,
                      source_key=key, journal_entry_id=entry_id)
    s.add(undo)
    charged = ledger.fee_charge(charge.journal_entry_id, loan.id, charge.assessed_on,
                                charge.amount_minor, "")
    journal.write(s, [ledger.reversing(entry_id, charged, charge.assessed_on,
                                       f"Late fee no longer due (installment "
                                       f"{charge.installment_number}): {why}")])
    s.flush()
    audit.record(s, actor, "charge.reversed", "loan_charge", charge.id,
                 audit.snapshot(charge), audit.snapshot(undo), why)


def _charge(s, actor, loan, number: int, on: date, why: str) -> int:
    amount = int(loan.terms["late_fee_minor"])
    key = _key(s, loan, number)
    entry_id = f"late-{key.removeprefix('late:').replace(':', '-')}"
    charge = LoanCharge(loan_id=loan.id, kind="late", installment_number=number,
                        amount_minor=amount, assessed_on=on, source_key=key,
                        journal_entry_id=entry_id)
    s.add(charge)
    journal.write(s, [ledger.fee_charge(entry_id, loan.id, on, amount,
                                        f"Late fee (installment {number}), replayed: {why}")])
    s.flush()
    audit.record(s, actor, "charge.assessed", "loan_charge", charge.id, None,
                 audit.snapshot(charge), why)
    return amount


def _delinquency(s, loan: Loan, closed: date, result: ReplayResult) -> None:
    before = loan.days_past_due
    paid_off = paid_off_on(s, loan)
    if is_open(s, loan) and (paid_off is None or paid_off > closed):
        dpd = accrual.days_past_due(_periods(s, loan, closed), closed)
        bounds = tuple(loan.terms.get("delinquency_buckets", (1, 31, 61, 91)))
        loan.days_past_due, loan.delinquency_bucket = dpd, accrual.bucket(dpd, bounds)
    else:
        loan.days_past_due, loan.delinquency_bucket = 0, "current"
    s.add(loan)
    s.flush()
    result.days_past_due = (before, loan.days_past_due)

"""Mid-life modifications and closings, each one append-only record, a new schedule version
(the old kept), audit, and a journal entry where money moves between accounts.

Kinds: `recast` (re-amortize what is left over the installments left, e.g. after a large
payment), `rate_term` (new rate and/or number of remaining installments), `restructure`
(capitalize arrears into principal, then new rate/term), `holiday` (skip N installments;
interest keeps accruing and is collected with the first installment after), `due_date`
(move the next due date; the first period becomes odd), and the closings `write_off` and
`charge_off` (principal, interest and fees owed move to credit losses).

Installments already due on the effective date are kept as they are; the new schedule starts
at the last of them (or at funding), so no day of interest is lost or counted twice. Amounts
paid ahead on installments that are replaced are moved, by allocation rows, off those
installments (no money moves; the ledger is untouched by that step).
"""
from dataclasses import replace
from datetime import date

from sqlalchemy import func
from sqlmodel import select

from domain.ledger import entries as ledger
from domain.db.tables import (Installment, Loan, LoanModification, Payment, PaymentAllocation,
                               PaymentReversal)
from domain.db.uow import UnitOfWork
from domain.kernel.errors import Conflict, NotFound, ValidationError
from domain.kernel.money import parse_rate
from domain.calculation.periods import parse_frequency
from domain.calculation.schedule import build
from domain.audit import trail as audit
from domain.ledger import journal
from domain.servicing import loan_state
from domain.kernel.actor import Actor

SCHEDULE_KINDS = ("recast", "rate_term", "restructure", "holiday", "due_date")
CLOSING_KINDS = ("write_off", "charge_off")


def modify_loan(actor: Actor, loan_number: str, kind: str, effective: date, reason: str,
                idempotency_key: str, params: dict | None = None,
                url: str | None = None) -> int:
    """Apply one modification; returns the new schedule version (replay: the same)."""
    actor.require_permission("loan.modify")
    params = dict(params or {})
    validate(kind, reason, idempotency_key)
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == loan_number)).first()
        if loan is None:
            raise NotFound(f"loan {loan_number}")
        return modify_in(s, actor, loan, kind, effective, reason, idempotency_key, params)


def validate(kind: str, reason: str, idempotency_key: str) -> None:
    """The request's own checks, before any row is read."""
    errors = {}
    if kind not in SCHEDULE_KINDS + CLOSING_KINDS:
        errors["kind"] = f"must be one of {', '.join(SCHEDULE_KINDS + CLOSING_KINDS)}"
    if not (reason or "").strip():
        errors["reason"] = "is required for a loan modification"
    if not idempotency_key:
        errors["idempotency_key"] = "is required"
    if errors:
        raise ValidationError(errors)


def modify_in(s, actor: Actor, loan: Loan, kind: str, effective: date, reason: str,
              idempotency_key: str, params: dict) -> int:
    """Apply one modification inside the caller's transaction (a preview rolls it back)."""
    prior = s.exec(select(LoanModification).where(
        LoanModification.idempotency_key == idempotency_key)).first()
    if prior is not None:
        if prior.loan_id != loan.id or prior.kind != kind:
            raise Conflict("this idempotency key was used for a different modification")
        return prior.to_version
    if loan.status != "active":
        raise ValidationError({"kind": f"loan is {loan.status.replace('_', ' ')}"})
    if effective < loan.disbursement_date:
        raise ValidationError({"effective_date": "must not be before funding"})
    _refuse_backdated(s, loan, effective)
    before = {**audit.snapshot(loan), "terms": dict(loan.terms)}
    state = loan_state.load(s, loan)
    if kind in CLOSING_KINDS:
        entry_id = _close(s, loan, state, kind, effective)
        to_version = loan.schedule_version
    else:
        entry_id, to_version = _reschedule(s, loan, state, kind, effective, params,
                                           actor.user_id)
    s.add(LoanModification(loan_id=loan.id, kind=kind, effective_date=effective,
                           from_version=before["schedule_version"], to_version=to_version,
                           params=params, reason=reason.strip(),
                           idempotency_key=idempotency_key, journal_entry_id=entry_id,
                           recorded_by=actor.user_id))
    s.add(loan)
    s.flush()
    audit.record(s, actor, f"loan.{kind}", "loan", loan.loan_number, before,
                 {**audit.snapshot(loan), "terms": dict(loan.terms), "params": params},
                 reason)
    return to_version


def _refuse_backdated(s, loan: Loan, effective: date) -> None:
    """A modification is built on the loan as it stands: it may not be dated before a payment
    or a modification already recorded (a payment backdated before a modification is
    replayed instead: domain/servicing/rewind.py)."""
    last_payment = s.exec(select(func.max(Payment.received_on)).where(
        Payment.loan_id == loan.id, Payment.method.not_in(("capitalization", "refund")),
        Payment.id.not_in(select(PaymentReversal.payment_id).where(
            PaymentReversal.loan_id == loan.id)))).one()
    last_mod = s.exec(select(func.max(LoanModification.effective_date)).where(
        LoanModification.loan_id == loan.id)).one()
    for last, what in ((last_payment, "payment"), (last_mod, "modification")):
        if last is not None and effective < last:
            raise ValidationError({"effective_date": (
                f"must not be before the loan's last {what} ({last}): a modification is built "
                "on the loan as it stands")})


def _reschedule(s, loan: Loan, state, kind: str, effective: date, params: dict, actor_id):
    kept = [i for i in state.installments if i.due_date <= effective]
    future = [i for i in state.installments if i.due_date > effective]
    if not future:
        raise ValidationError({"effective_date": "no installment falls due after this date"})
    terms = state.terms
    rate = terms.annual_rate
    periods = len(future)
    if kind in ("rate_term", "restructure"):
        if "annual_rate" in params:
            rate = parse_rate(str(params["annual_rate"]), "annual_rate")
        if "periods" in params:
            periods = _positive_int(params["periods"], "periods", 600)
    anchor = kept[-1].due_date if kept else loan.disbursement_date
    freq = parse_frequency(terms.frequency)
    first_due = None
    if kind == "holiday":
        skip = _positive_int(params.get("installments", 1), "installments", 12)
        first_due = freq.due_date(anchor, 1 + skip)
    elif kind == "due_date":
        try:
            first_due = date.fromisoformat(str(params.get("first_due_date", "")))
        except ValueError:
            raise ValidationError({"first_due_date": "is required (YYYY-MM-DD)"}) from None
        if not effective < first_due:
            raise ValidationError({"first_due_date": "must be after the effective date"})
    _move_prepaid(s, loan, future)
    entry_id = None
    capitalized = 0
    if kind == "restructure" and params.get("capitalize_arrears", True):
        entry_id, capitalized = _capitalize(s, loan, kept, effective, actor_id)
    base = sum(i.principal_minor - i.paid_principal_minor for i in future) + capitalized
    if base <= 0:
        raise ValidationError({"kind": "no principal is left to reschedule"})
    sched = build(replace(terms.schedule_terms(base, periods, anchor, first_due),
                          annual_rate=rate, grace_principal=0, grace_interest=0))
    version = loan.schedule_version + 1
    rows = s.exec(select(Installment).where(
        Installment.loan_id == loan.id, Installment.schedule_version == loan.schedule_version,
        Installment.number.in_([i.number for i in kept])))
    s.add_all(Installment(loan_id=loan.id, schedule_version=version, number=r.number,
                          start_date=r.start_date, due_date=r.due_date,
                          principal_minor=r.principal_minor, interest_minor=r.interest_minor,
                          fee_minor=r.fee_minor) for r in rows)
    s.add_all(Installment(loan_id=loan.id, schedule_version=version,
                          number=len(kept) + n.number, start_date=n.start_date,
                          due_date=n.due_date, principal_minor=n.principal_minor,
                          interest_minor=n.interest_minor, fee_minor=n.fee_minor)
              for n in sched.installments)
    loan.schedule_version = version
    loan.term = len(kept) + periods
    loan.terms = {**loan.terms, "annual_rate": str(rate)}
    return entry_id, version


def _move_prepaid(s, loan: Loan, future) -> None:
    """Amounts paid ahead on replaced installments move to row 0 of the same payment."""
    numbers = [i.number for i in future if i.paid_minor]
    if not numbers:
        return
    rows = s.exec(select(PaymentAllocation).where(
        PaymentAllocation.loan_id == loan.id,
        PaymentAllocation.installment_number.in_(numbers)))
    by_payment: dict[int, list[int]] = {}
    for r in rows:
        t = by_payment.setdefault(r.payment_id, [0, 0, 0])
        t[0] += r.principal_minor
        t[1] += r.interest_minor
        t[2] += r.fee_minor
        s.add(PaymentAllocation(payment_id=r.payment_id, loan_id=loan.id,
                                installment_number=r.installment_number,
                                principal_minor=-r.principal_minor,
                                interest_minor=-r.interest_minor, fee_minor=-r.fee_minor))
    for payment_id, (p, i, f) in by_payment.items():
        # principal paid ahead already reduced the base; interest and fees paid ahead stay
        # credited to the borrower through the loan's row 0
        s.add(PaymentAllocation(payment_id=payment_id, loan_id=loan.id, installment_number=0,
                                principal_minor=p, interest_minor=i, fee_minor=f))


def _capitalize(s, loan: Loan, kept, effective: date, actor_id) -> tuple[str | None, int]:
    """Arrears (unpaid principal, interest and fees of installments already due) become new
    principal: a non-cash settlement of those installments, journalled LR <- IR/FR."""
    p = sum(i.principal_minor - i.paid_principal_minor for i in kept)
    it = sum(i.interest_minor - i.paid_interest_minor for i in kept)
    f = sum(i.fee_minor - i.paid_fee_minor for i in kept)
    if p + it + f <= 0:
        return None, 0
    entry_id = f"cap-{loan.id}-v{loan.schedule_version + 1}"
    pay = Payment(loan_id=loan.id, idempotency_key=entry_id, amount_minor=p + it + f,
                  received_on=effective, method="capitalization", channel="servicer",
                  reason="Arrears capitalized", recorded_by=actor_id, journal_entry_id=entry_id)
    s.add(pay)
    s.flush()
    s.add_all(PaymentAllocation(payment_id=pay.id, loan_id=loan.id, installment_number=i.number,
                                principal_minor=i.principal_minor - i.paid_principal_minor,
                                interest_minor=i.interest_minor - i.paid_interest_minor,
                                fee_minor=i.fee_minor - i.paid_fee_minor)
              for i in kept if i.unpaid_minor)
    if it + f == 0:  # principal arrears only: principal stays principal, nothing to journal
        return None, p
    journal.write(s, [ledger.Entry(entry_id, ledger.MODIFICATION, effective, loan.id, tuple(
        ledger.Line(a, m) for a, m in ((ledger.LOANS_RECEIVABLE, it + f),
                                       (ledger.INTEREST_RECEIVABLE, -it),
                                       (ledger.FEES_RECEIVABLE, -f)) if m),
        "Arrears capitalized into principal")])
    return entry_id, p + it + f


def _close(s, loan: Loan, state, kind: str, effective: date) -> str | None:
    """Write-off / charge-off: every receivable of the loan moves to credit losses."""
    balances = {a: journal.account_balance(s, a, loan.id) for a in
                (ledger.LOANS_RECEIVABLE, ledger.INTEREST_RECEIVABLE, ledger.FEES_RECEIVABLE)}
    total = sum(balances.values())
    entry_id = None
    if total:
        entry_id = f"{kind}-{loan.id}"
        journal.write(s, [ledger.Entry(entry_id, ledger.WRITE_OFF, effective, loan.id, tuple(
            [ledger.Line(a, -m) for a, m in balances.items() if m]
            + [ledger.Line(ledger.CREDIT_LOSSES, total)]),
            f"Loan {kind.replace('_', '-')}")])
    loan.status = "written_off" if kind == "write_off" else "charged_off"
    loan.closed_on = effective
    return entry_id


def _positive_int(raw, field: str, high: int) -> int:
    try:
        n = int(str(raw))
    except ValueError:
        raise ValidationError({field: f"'{raw}' is not a whole number"}) from None
    if not 1 <= n <= high:
        raise ValidationError({field: f"must be between 1 and {high}"})
    return n


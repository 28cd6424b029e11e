"""Before/after preview of a servicing command: what a payment, a reversal or a modification
would change, computed by running the real command and rolling it back.

Each preview opens its own transaction, locks the loan as the command does, reads the loan's
balances and installments, runs the command's in-transaction function (`payments.post_in`,
`payments.reverse_in`, `modifications.modify_in`: the same validation, allocation, replay of
late fees and delinquency, journal entries and audit rows), reads everything again, then rolls
the whole transaction back. Nothing persists, audit rows included; a refusal is the command's
own error. The permission is the command's.

What a preview shows: the loan's balances before and after (as the loan page computes them on
the day), the installments whose due or paid amounts change, the late and NSF fees charged or
removed (the new charge rows), and the journal entries the command writes, in the order
written, each with its lines (account, amount; debit > 0).
"""
import uuid
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from domain.calculation import accrual
from domain.db.engine import get_engine
from domain.db.locks import lock_loan
from domain.db.tables import JournalEntry, Loan, LoanCharge, LoanModification, Payment, \
    PaymentReversal, Posting
from domain.kernel.actor import Actor
from domain.kernel.errors import NotFound, ValidationError
from domain.kernel.money import parse_amount
from domain.servicing import loan_state, modifications, payments, replay


@dataclass(frozen=True)
class Balances:
    principal_minor: int
    interest_accrued_minor: int
    interest_paid_ahead_minor: int
    fees_minor: int
    advance_minor: int
    payoff_minor: int
    status: str
    days_past_due: int
    bucket: str


@dataclass(frozen=True)
class InstallmentChange:
    number: int
    due_date_before: date | None  # None: the installment is new (a modification)
    due_date_after: date | None  # None: a modification replaced it
    due_before_minor: int
    due_after_minor: int
    paid_before: tuple[int, int, int]  # principal, interest, fees
    paid_after: tuple[int, int, int]
    status_before: str
    status_after: str

    @property
    def paid_before_minor(self) -> int:
        return sum(self.paid_before)

    @property
    def paid_after_minor(self) -> int:
        return sum(self.paid_after)


@dataclass(frozen=True)
class FeeChange:
    action: str  # "charged" or "removed"
    kind: str  # late, nsf
    installment: int | None
    amount_minor: int  # > 0
    on: date  # effective date of the charge or of its removal


@dataclass(frozen=True)
class EntryPreview:
    entry_id: str
    code: str
    effective_date: date
    memo: str
    lines: tuple[tuple[str, int], ...]  # (account, amount: debit > 0, credit < 0)


@dataclass(frozen=True)
class Preview:
    command: str  # payment, reversal, modification
    loan_number: str
    as_of: date  # the day the balances are computed for
    before: Balances
    after: Balances
    installments: tuple[InstallmentChange, ...]
    fees: tuple[FeeChange, ...]
    entries: tuple[EntryPreview, ...]
    replayed_from: date | None = None  # an event before the last closed date replays history
    cached_days_past_due: tuple[int, int] = (0, 0)  # close of business's figure, before/after
    already_done: bool = False  # the same request was recorded before: nothing would change


def preview_payment(actor: Actor, loan_number: str, amount: str, received_on: date | None,
                    payoff: bool = False, channel: str = "servicer", url: str | None = None,
                    today: date | None = None, idempotency_key: str | None = None) -> Preview:
    """What `payments.record_payment` with these figures would do (permission payment.post).
    `idempotency_key`: the key the real request will carry, so the entry ids shown are the
    ones it writes (a key already used previews the replay: nothing changes)."""
    actor.require_permission("payment.post")
    today = today or date.today()
    if channel not in payments.CHANNELS:
        raise ValidationError({"channel": f"must be one of {', '.join(payments.CHANNELS)}"})
    amount_minor = parse_amount(amount, "amount")
    on = received_on or today
    key = idempotency_key or f"preview-{uuid.uuid4().hex}"

    def command(s, loan):
        return payments.post_in(s, actor, loan, amount_minor, on, key, channel=channel,
                                payoff=payoff, today=today).replayed
    return _run(url, "payment", lambda s: _loan(s, loan_number), today, on, command)


def preview_reversal(actor: Actor, payment_id: int, reason: str, return_code: str = "",
                     on: date | None = None, url: str | None = None) -> Preview:
    """What `payments.reverse_payment` would do (permission payment.reverse; a reason)."""
    actor.require_permission("payment.reverse")
    if not (reason or "").strip():
        raise ValidationError({"reason": "is required to reverse a payment"})
    on = on or date.today()
    found: dict[str, Payment] = {}

    def lookup(s):
        payment = s.get(Payment, payment_id)
        if payment is None:
            raise NotFound(f"payment {payment_id}")
        found["payment"] = payment
        return s.get(Loan, payment.loan_id)

    def command(s, loan):
        payment = found["payment"]
        done = s.exec(select(PaymentReversal.id).where(
            PaymentReversal.payment_id == payment.id)).first() is not None
        payments.reverse_in(s, actor, payment, reason, return_code, on)
        return done
    return _run(url, "reversal", lookup, on, lambda: found["payment"].received_on, command)


def preview_modification(actor: Actor, loan_number: str, kind: str, effective: date | None,
                         params: dict | None = None, url: str | None = None,
                         today: date | None = None, reason: str = "Preview",
                         idempotency_key: str | None = None) -> Preview:
    """What `modifications.modify_loan` would do (permission loan.modify)."""
    actor.require_permission("loan.modify")
    today = today or date.today()
    key = idempotency_key or f"preview-{uuid.uuid4().hex}"
    modifications.validate(kind, reason, key)
    params = dict(params or {})
    effective = effective or today

    def command(s, loan):
        done = s.exec(select(LoanModification.id).where(
            LoanModification.idempotency_key == key)).first() is not None
        modifications.modify_in(s, actor, loan, kind, effective, reason, key, params)
        return done
    return _run(url, "modification", lambda s: _loan(s, loan_number), today, None, command)


def _loan(s, loan_number: str) -> Loan:
    loan = s.exec(select(Loan).where(Loan.loan_number == loan_number)).first()
    if loan is None:
        raise NotFound(f"loan {loan_number}")
    return loan


def _run(url, name: str, lookup, as_of: date, event_on, command) -> Preview:
    """Run `command(s, loan)` between two reads of the loan, then roll everything back."""
    with Session(get_engine(url), expire_on_commit=False) as s:
        try:
            loan = lock_loan(s, lookup(s))
            before, rows_before = _balances(s, loan, as_of), _installments(s, loan, as_of)
            entries_known = _entry_ids(s, loan.id)
            charges_known = set(s.exec(select(LoanCharge.id).where(
                LoanCharge.loan_id == loan.id)).all())
            cached_before = loan.days_past_due
            event = event_on() if callable(event_on) else event_on
            closed = replay.last_closed(s)
            done = command(s, loan)
            s.flush()
            return Preview(
                name, loan.loan_number, as_of, before, _balances(s, loan, as_of),
                _changed(rows_before, _installments(s, loan, as_of)),
                _fees(s, loan.id, charges_known), _entries(s, loan.id, entries_known),
                event if event is not None and closed is not None and event <= closed
                else None, (cached_before, loan.days_past_due), done)
        finally:
            s.rollback()


def _balances(s, loan: Loan, on: date) -> Balances:
    """The balances the loan page shows on `on` (queries.loan_detail's figures)."""
    state = loan_state.load(s, loan)
    active = loan.status == "active"
    accrued, ahead = state.interest_split(on) if active else (0, 0)
    dpd = accrual.days_past_due(state.periods(), on) if active else 0
    return Balances(state.principal_outstanding_minor, accrued, ahead,
                    state.fees_outstanding_minor, state.advance_minor,
                    state.payoff_minor(on) if active else 0, loan.status, dpd,
                    accrual.bucket(dpd, state.terms.delinquency_buckets))


def _installments(s, loan: Loan, on: date) -> dict[int, tuple]:
    """number -> (due date, due, (paid principal, interest, fees), status as the page shows)."""
    out = {}
    for i in loan_state.load(s, loan).installments:
        status = ("paid" if i.paid or loan.status == "paid_off"
                  else loan.status.replace("_", " ") if loan.status != "active"
                  else "overdue" if i.due_date < on else "due" if i.due_date == on
                  else "partial" if i.paid_minor else "upcoming")
        out[i.number] = (i.due_date, i.due_minor, (i.paid_principal_minor,
                                                   i.paid_interest_minor, i.paid_fee_minor),
                         status)
    return out


def _changed(before: dict, after: dict) -> tuple[InstallmentChange, ...]:
    none = (None, 0, (0, 0, 0), "")
    return tuple(InstallmentChange(n, b[0], a[0], b[1], a[1], b[2], a[2], b[3], a[3])
                 for n in sorted(before.keys() | after.keys())
                 for b, a in [(before.get(n, none), after.get(n, none))] if b != a)


def _entry_ids(s, loan_id: int) -> set[str]:
    return set(s.exec(select(JournalEntry.id).where(JournalEntry.loan_id == loan_id)).all())


def _entries(s, loan_id: int, known: set[str]) -> tuple[EntryPreview, ...]:
    """The loan's entries written since `known` was read, in the order written."""
    new = _entry_ids(s, loan_id) - known
    if not new:
        return ()
    heads = {e.id: e for e in s.exec(select(JournalEntry).where(JournalEntry.id.in_(new)))}
    lines: dict[str, list[tuple[str, int]]] = {}
    for p in s.exec(select(Posting).where(Posting.entry_id.in_(new)).order_by(Posting.id)):
        lines.setdefault(p.entry_id, []).append((p.account, p.amount_minor))
    return tuple(EntryPreview(i, heads[i].code, heads[i].effective_date, heads[i].memo,
                              tuple(lines[i])) for i in lines)


def _fees(s, loan_id: int, known: set[int]) -> tuple[FeeChange, ...]:
    rows = s.exec(select(LoanCharge).where(LoanCharge.loan_id == loan_id)
                  .order_by(LoanCharge.id)).all()
    return tuple(FeeChange("removed" if c.amount_minor < 0 else "charged", c.kind,
                           c.installment_number, abs(c.amount_minor), c.assessed_on)
                 for c in rows if c.id not in known)

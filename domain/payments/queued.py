"""Queued payments: collection attempts not yet sent (status `scheduled`), checked together
against the payoff when one is queued, held back from a debit file when the loan cannot take
them, and cancelled by the borrower or staff until they are sent.

- Queueing: a new payment is refused (field `amount`) when it plus every payment already
  queued and not yet sent on the loan exceeds the payoff on the new payment's draft date: the
  date the debit is posted to the loan as received (for Pay now, today), whenever the file
  that carries it is written.
- The check and the insert run under the loan's lock (`domain.db.locks`: `SELECT ... FOR
  UPDATE` on PostgreSQL; on SQLite a write to the loan row first, which takes the database's
  one writer lock before anything is read), so two tabs queueing at once serialise and the
  second sees the first. Writing a debit file and cancelling take the same lock.
- Debit file: each entry is posted in its own savepoint, in file order; one that cannot be
  taken (loan not active; a one-time payment above the payoff on its posting date, after the
  loan's earlier entries in the file; anything posting refuses) is held back (status `held`,
  its reason kept, audited, the borrower told, an item on the servicer queue) and the rest of
  the file is written.
- Cancelling: the borrower on their own loan (`self.pay`), staff with `payment.reverse`
  (with a reason), a bank-file payment while it is `scheduled` or `held`; once in a bank file
  it is refused with the file and date. A processor (Stripe) payment is not cancelled here:
  the collection job charges it outside any lock, so a cancel could cross a charge in flight.
  Cancelling again changes nothing.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, text, update
from sqlmodel import Session, select

from domain.audit import trail as audit
from domain.db import locks
from domain.db.payment_tables import AchFile, CollectionAttempt, PaymentInstrument, \
    ServicerQueueItem
from domain.db.tables import Loan, utcnow
from domain.db.uow import UnitOfWork
from domain.kernel.actor import Actor
from domain.kernel.errors import Conflict, DomainError, NotFound, ValidationError
from domain.kernel.money import fmt
from domain.payments import autopay, collections
from domain.servicing import loan_state, notices

QUEUED, HELD, CANCELLED = "scheduled", "held", "cancelled"
STAFF_CANCEL = "payment.reverse"  # staff may cancel any loan's queued payment


@dataclass(frozen=True)
class QueuedRow:
    attempt_id: int
    loan_number: str
    draft_date: date
    amount_minor: int
    purpose: str
    rail: str
    instrument: str
    status: str  # scheduled, held
    reason: str = ""  # why it was held back


@dataclass(frozen=True)
class Cancelled:
    attempt_id: int
    status: str
    already: bool  # it was cancelled before: nothing changed


def lock_loans(s: Session, loan_ids) -> None:
    """`locks.lock_loan` for many loans at once (a debit file): on PostgreSQL close of
    business's lock shared, then the loans' rows in id order; on SQLite one write, which waits
    for and takes the database's writer lock."""
    ids = sorted({int(i) for i in loan_ids})
    if not ids:
        return
    if s.get_bind().dialect.name == "postgresql":
        s.exec(text("SELECT pg_advisory_xact_lock_shared(:k)").bindparams(k=locks.BOOK_LOCK))
        s.exec(select(Loan.id).where(Loan.id.in_(ids)).order_by(Loan.id).with_for_update()).all()
    else:
        s.exec(update(Loan).where(Loan.id.in_(ids)).values(status=Loan.status)
               .execution_options(synchronize_session=False))


def queued_minor(s: Session, loan_id: int) -> int:
    """Every payment queued on the loan and not yet sent."""
    return int(s.exec(select(func.coalesce(func.sum(CollectionAttempt.amount_minor), 0)).where(
        CollectionAttempt.loan_id == loan_id, CollectionAttempt.status == QUEUED)).one())


def reserve(s: Session, loan: Loan, amount_minor: int, on: date) -> None:
    """Refuse a new queued payment of `amount_minor` drafted `on` that, with the payments
    already queued on the loan, would exceed the payoff on `on`. Takes the loan's lock and
    holds it to the caller's commit, so the caller inserts the attempt under it."""
    locks.lock_loan(s, loan)  # refreshed: a status read before the lock is not trusted
    if loan.status != "active":
        raise ValidationError({"amount": f"loan is {loan.status.replace('_', ' ')}"})
    payoff = loan_state.load(s, loan).payoff_minor(on)
    queued = queued_minor(s, loan.id)
    if queued + amount_minor > payoff:
        room = max(payoff - queued, 0)
        already = f"with {fmt(queued)} already queued and not yet sent, " if queued else ""
        raise ValidationError({"amount": (
            f"{already}{fmt(amount_minor)} would exceed the payoff of {fmt(payoff)} on "
            f"{on.isoformat()}: at most {fmt(room)} can be queued"
            + (" (cancel a queued payment to pay more)" if queued else ""))})


def sift(s: Session, actor: Actor, rows: list, on: date) -> tuple[list, list[QueuedRow]]:
    """Post each (attempt, instrument, loan) of a debit file in order, each in a savepoint;
    hold back the ones the loan cannot take. Returns (posted rows, held back)."""
    taken, held = [], []
    for a, inst, loan in rows:
        why = _cannot_take(s, a, loan, on)
        if why is None:
            try:
                with s.begin_nested():
                    collections.post_sent(s, a, on, actor=actor)
            except DomainError as e:
                why = _say(e)
        if why is None:
            taken.append((a, inst, loan))
            continue
        hold(s, actor, a, loan, why)
        held.append(_row(a, loan, inst))
    return taken, held


def _cannot_take(s: Session, a: CollectionAttempt, loan: Loan, on: date) -> str | None:
    """Why the loan cannot take this entry now, or None. `loan` is the session's one object
    for the loan, so an earlier entry of the file that paid it off shows here. Only one-time
    payments are held at the payoff: an autopay draft's amount is the installment due (the
    last one, drafted early, is a little above the payoff), left to posting to judge."""
    if loan.status != "active":
        return f"loan {loan.loan_number} is {loan.status.replace('_', ' ')}"
    if a.purpose == "one_time":
        day = min(a.draft_date, on)
        payoff = loan_state.load(s, loan).payoff_minor(day)
        if a.amount_minor > payoff:
            return (f"{fmt(a.amount_minor)} exceeds the payoff of {fmt(payoff)} on "
                    f"{day.isoformat()} (after any earlier entries of this loan in the file)")
    return None


def _say(e: DomainError) -> str:
    if isinstance(e, ValidationError):
        return "; ".join(f"{k.replace('_', ' ')} {v}" for k, v in e.errors.items())
    return str(e)


def hold(s: Session, actor: Actor, a: CollectionAttempt, loan: Loan, why: str) -> None:
    """Keep an entry out of the file with its reason; audited; the borrower is told."""
    before = audit.snapshot(a)
    a.status, a.failure_reason, a.updated_at = HELD, f"held back: {why}"[:300], utcnow()
    s.add(a)
    s.flush()
    audit.record(s, actor, "collection.held", "collection_attempt", a.id, before,
                 audit.snapshot(a), why)
    autopay.notify(s, loan.borrower_id, loan.id, "payment_held",
                   f"A payment on loan {loan.loan_number} was not sent",
                   f"Your payment of {fmt(a.amount_minor)} queued for "
                   f"{a.draft_date.isoformat()} was held back from the bank file: {why}. "
                   "Nothing was taken from your account. You can cancel it on the loan page "
                   "or contact servicing.")
    notices.open_item(s, actor, "ach_exception", loan.id,
                      f"Held back from the debit file: {fmt(a.amount_minor)} on loan "
                      f"{loan.loan_number}",
                      f"Payment {a.id} ({a.purpose.replace('_', '-')}, drafted "
                      f"{a.draft_date.isoformat()}) was not written to the bank file: {why}. "
                      "Nothing was sent or posted; the borrower was told. Cancel it on the "
                      "loan's servicing page once handled (that closes this item).",
                      f"held:{a.id}", a.id)


def _close_item(s: Session, actor: Actor, attempt_id: int, why: str) -> None:
    """A held-back payment cancelled: its servicer queue item is resolved with it."""
    item = s.exec(select(ServicerQueueItem).where(
        ServicerQueueItem.source_key == f"held:{attempt_id}",
        ServicerQueueItem.status == "open")).first()
    if item is None:
        return
    before = audit.snapshot(item)
    item.status, item.resolution = "resolved", why[:300]
    item.resolved_at, item.resolved_by = utcnow(), actor.user_id
    s.add(item)
    audit.record(s, actor, "servicer_queue.resolved", "servicer_queue_item", item.id, before,
                 audit.snapshot(item), item.resolution)


def cancel(actor: Actor, attempt_id: int, reason: str = "",
           url: str | None = None) -> Cancelled:
    """Cancel a queued (or held back) payment before it is sent. The borrower on their own
    loan; staff with `payment.reverse` and a reason. Again: nothing changes."""
    reason = (reason or "").strip()
    with UnitOfWork(url) as s:
        a = s.get(CollectionAttempt, attempt_id) if attempt_id else None
        loan = s.get(Loan, a.loan_id) if a else None
        staff = actor.can(STAFF_CANCEL)
        if not staff:
            actor.require_permission("self.pay", STAFF_CANCEL)
        if loan is None or (not staff and loan.borrower_id != actor.user_id):
            raise NotFound(f"queued payment {attempt_id}")
        if staff and not reason:
            raise ValidationError({"reason": "is required: say why the payment is cancelled"})
        locks.lock_loan(s, loan)
        s.refresh(a)
        if a.status == CANCELLED:
            return Cancelled(a.id, a.status, True)
        if a.status not in (QUEUED, HELD):
            raise Conflict(_too_late(s, a))
        if a.rail != "nacha":
            raise Conflict(f"payment {a.id} goes to the card processor as soon as it is due "
                           "and cannot be cancelled here: pause autopay, or ask servicing")
        before = audit.snapshot(a)
        who = "staff" if staff else "the borrower"
        a.status, a.updated_at = CANCELLED, utcnow()
        a.failure_reason = f"cancelled by {who}" + (f": {reason}" if reason else "")
        s.add(a)
        s.flush()
        audit.record(s, actor, "collection.cancelled", "collection_attempt", a.id, before,
                     audit.snapshot(a), reason or "cancelled by the borrower")
        if before["status"] == HELD:
            _close_item(s, actor, a.id, f"payment {a.id} {a.failure_reason}")
        return Cancelled(a.id, a.status, False)


def _too_late(s: Session, a: CollectionAttempt) -> str:
    f = s.get(AchFile, a.ach_file_id) if a.ach_file_id else None
    where = (f"it is in bank file {f.filename} written {f.file_date.isoformat()}" if f else
             "it was already sent to the processor" if a.rail == "stripe" else
             "it was already sent")
    return (f"payment {a.id} can no longer be cancelled: {where} (status {a.status}); once it "
            "settles, ask servicing about a refund")


def listing(actor: Actor, loan_number: str, url: str | None = None) -> list[QueuedRow]:
    """The loan's payments queued and not yet sent, and those held back, oldest first."""
    actor.require_permission("self.loans", "self.pay", "loan.view")
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == loan_number)).first()
        if loan is None or (not actor.can("loan.view") and loan.borrower_id != actor.user_id):
            raise NotFound(f"loan {loan_number}")
        return _rows(s, CollectionAttempt.loan_id == loan.id,
                     CollectionAttempt.status.in_((QUEUED, HELD)))


def held_back(actor: Actor, limit: int = 100, url: str | None = None) -> list[QueuedRow]:
    """Every entry held back from a debit file and not cancelled since (the servicer's
    list on the Bank files page), newest first."""
    actor.require_permission("bank_files.manage")
    with UnitOfWork(url) as s:
        return list(reversed(_rows(s, CollectionAttempt.status == HELD)))[:limit]


def _rows(s: Session, *where) -> list[QueuedRow]:
    q = (select(CollectionAttempt, Loan, PaymentInstrument)
         .join(Loan, Loan.id == CollectionAttempt.loan_id)
         .join(PaymentInstrument, PaymentInstrument.id == CollectionAttempt.instrument_id)
         .where(*where).order_by(CollectionAttempt.draft_date, CollectionAttempt.id))
    return [_row(a, loan, inst) for a, loan, inst in s.exec(q)]


def _row(a: CollectionAttempt, loan: Loan, inst: PaymentInstrument) -> QueuedRow:
    return QueuedRow(a.id, loan.loan_number, a.draft_date, a.amount_minor, a.purpose, a.rail,
                     inst.label(), a.status,
                     a.failure_reason.removeprefix("held back: ") if a.status == HELD else "")

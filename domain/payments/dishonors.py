"""Dishonored and contested returns, by the Nacha rules: the lender's bank (ODFI) may dishonor
a return it should not have received (R61-R70: misrouted, untimely, duplicate, field errors,
not requested), and the returning bank (RDFI) may contest that dishonor (R71-R77).

- A dishonor voids the return it names, so the original debit stands. For a debit Lendbook
  returned (matched by trace: the attempt is `returned`, its payment reversed by that return),
  the payment is posted again with its original effective date through `payments.post_in`
  (later payments re-allocate), the NSF fee that return charged is reversed (a negative
  charge and the reversing journal entry, never an edit), re-presentments not yet sent are
  cancelled, the borrower is told, and each step is audited. R67 (duplicate return) voids only
  the duplicate: the first return stands and nothing changes.
- A contest puts the return back: the restored payment is reversed again, with the NSF fee
  when the original return's code carries one (R01/R09), the borrower told as that code says,
  and no new re-presentment (a servicer decides: the item goes to the servicer queue).
- What cannot be applied is flagged on its line and put on the servicer queue, and the rest
  of the file goes on: a dishonor of a debit Lendbook never returned (or of a return with
  another code), a contest of a dishonor never applied, a payment the loan can no longer take
  (closed, modified after the debit date). A re-presentment already sent when the dishonor
  arrives collected the debit a second time: the queue says to refund it.
- The same dishonor or contest again (in another file) changes nothing: `unchanged`.
"""
from datetime import date

from sqlmodel import Session, select

from domain.audit import trail as audit
from domain.db.payment_tables import CollectionAttempt
from domain.db.tables import Loan, LoanCharge, Payment, PaymentReversal
from domain.kernel.actor import Actor
from domain.kernel.errors import Conflict, ValidationError
from domain.kernel.money import fmt
from domain.ledger import entries as ledger
from domain.ledger import journal
from domain.nacha.codes import CONTESTED_CODES, DISHONOR_KEEPS_RETURN, return_policy
from domain.payments import autopay
from domain.servicing import notices, payments

RESTORED = "-d"  # a restored payment's key: {attempt key}-d{id of the reversal it undoes}


def apply(s: Session, actor: Actor, attempt: CollectionAttempt, item, today: date) -> dict:
    """Act on one dishonored or contested return (`item`, a ReturnItem) of `attempt`;
    returns what was done, for the file's line."""
    loan = s.get(Loan, attempt.loan_id)
    payment = s.get(Payment, attempt.payment_id) if attempt.payment_id else None
    rev = _reversal(s, payment.id) if payment else None
    undone = _restored_from(s, attempt, payment)
    if item.addenda_kind == "dishonored":
        return _dishonor(s, actor, attempt, item, today, loan, payment, rev, undone)
    return _contest(s, actor, attempt, item, today, loan, payment, rev, undone)


def _dishonor(s, actor, attempt, item, today, loan, payment, rev, undone) -> dict:
    if rev is None or attempt.status != "returned":
        if undone is not None:
            return _unchanged(f"the {undone.return_code} return was dishonored before: "
                              "the debit stands")
        return _flag(s, actor, attempt, item, loan, "Lendbook processed no return of this "
                     "debit, so there is nothing to dishonor: the debit stands as posted")
    if rev.return_code in CONTESTED_CODES:
        return _unchanged(f"the dishonor was contested ({rev.return_code}): the return "
                          "stands, and no dishonor may follow a contested one")
    if item.return_code and item.return_code != rev.return_code:
        return _flag(s, actor, attempt, item, loan, f"it dishonors an {item.return_code} "
                     f"return, but Lendbook returned this debit with {rev.return_code}")
    if item.code in DISHONOR_KEEPS_RETURN:
        return _unchanged(f"{item.code} voids a duplicate return: the {rev.return_code} "
                          "return stands")
    why = f"{item.code} {item.reason_text}: the {rev.return_code} return is void"
    try:
        with _savepoint(s):
            fee_reversed = _reverse_nsf(s, actor, loan, payment, today, why)
            restored = payments.post_in(
                s, actor, loan, payment.amount_minor, payment.received_on,
                f"{attempt.idempotency_key}{RESTORED}{rev.id}", why, channel=payment.channel,
                today=today)
            before = audit.snapshot(attempt)
            attempt.payment_id, attempt.status = restored.payment_id, "succeeded"
            attempt.failure_code, attempt.failure_reason = "", why[:300]
            s.add(attempt)
            s.flush()
            audit.record(s, actor, "collection.dishonored", "collection_attempt", attempt.id,
                         before, audit.snapshot(attempt), why)
            cancelled, sent = _stop_representments(s, actor, attempt, why)
    except (ValidationError, Conflict) as e:
        reason = "; ".join(e.errors.values()) if isinstance(e, ValidationError) else str(e)
        return _flag(s, actor, attempt, item, loan, "the debit stands, but Lendbook could not "
                     f"post its payment again: {reason}")
    queue_id = None
    if sent:
        queue_id = notices.open_item(
            s, actor, "ach_exception", loan.id,
            f"Loan {loan.loan_number}: dishonored return, re-presentment already sent",
            f"{why}. The debit of {fmt(payment.amount_minor)} effective "
            f"{payment.received_on} stands and is posted again, but its re-presentment "
            f"(attempt {', '.join(str(a.id) for a in sent)}) was already sent: the borrower "
            "pays twice unless that is refunded.", f"double:{attempt.id}:{rev.id}", attempt.id)
    extra = "; the returned-payment fee is reversed" if fee_reversed else ""
    if cancelled:
        extra += f"; the re-presentment planned for {cancelled[0].draft_date:%b %d, %Y} is " \
                 "cancelled"
    autopay.notify(s, loan.borrower_id, loan.id, "payment_restored",
                   f"A returned payment on loan {loan.loan_number} stands",
                   f"The return of your debit of {fmt(payment.amount_minor)} "
                   f"({rev.return_code}) was refused by our bank ({item.code}: "
                   f"{item.reason_text}): the payment stands as made on "
                   f"{payment.received_on:%b %d, %Y}{extra}.")
    return {"status": "restored", "note": why, "payment_id": restored.payment_id,
            "fee_reversed": fee_reversed, "cancelled_attempt_ids": [a.id for a in cancelled],
            "queue_item_id": queue_id}


def _contest(s, actor, attempt, item, today, loan, payment, rev, undone) -> dict:
    if undone is None:
        return _flag(s, actor, attempt, item, loan, "Lendbook applied no dishonor of this "
                     "debit's return, so there is nothing to contest")
    if rev is not None:
        if rev.return_code in CONTESTED_CODES:
            return _unchanged(f"the dishonor was contested before ({rev.return_code}): "
                              f"the {undone.return_code} return stands")
        return _flag(s, actor, attempt, item, loan, "the restored payment was reversed "
                     f"since ({rev.return_code}): nothing left to reverse")
    original = undone.return_code
    policy = return_policy(original, attempt.presentment - 1, attempt.draft_date, today)
    why = f"{item.code} {item.reason_text}: the {original} return stands"
    try:
        with _savepoint(s):
            reversal_id = payments.reverse_in(s, actor, payment, why, item.code, today,
                                              assess_fee=policy.fee)
            before = audit.snapshot(attempt)
            attempt.status, attempt.failure_code = "returned", original
            attempt.failure_reason = why[:300]
            s.add(attempt)
            s.flush()
            audit.record(s, actor, "collection.returned", "collection_attempt", attempt.id,
                         before, audit.snapshot(attempt), why)
    except (ValidationError, Conflict) as e:
        reason = "; ".join(e.errors.values()) if isinstance(e, ValidationError) else str(e)
        return _flag(s, actor, attempt, item, loan, f"the {original} return stands, but "
                     f"Lendbook could not reverse the payment again: {reason}")
    if policy.notify_borrower:
        autopay.notify(s, loan.borrower_id, loan.id, "payment_returned",
                       f"A payment on loan {loan.loan_number} was returned",
                       f"Your bank returned the debit of {fmt(payment.amount_minor)} "
                       f"({original}: its return stands after all, {item.code}).")
    queue_id = notices.open_item(
        s, actor, "review", loan.id, f"Loan {loan.loan_number}: {item.code} contested dishonor",
        f"{why}. The payment of {fmt(payment.amount_minor)} is reversed again"
        f"{', the returned-payment fee charged' if policy.fee else ''}; no re-presentment "
        "is scheduled: decide how to collect it.", f"contested:{attempt.id}:{payment.id}",
        attempt.id)
    return {"status": "returned again", "note": why, "reversal_id": reversal_id,
            "fee": policy.fee, "queue_item_id": queue_id}


def _reversal(s: Session, payment_id: int) -> PaymentReversal | None:
    return s.exec(select(PaymentReversal).where(PaymentReversal.payment_id == payment_id)).first()


def _restored_from(s, attempt, payment) -> PaymentReversal | None:
    """The reversal a dishonor undid, when the attempt's payment is such a restoration."""
    prefix = f"{attempt.idempotency_key}{RESTORED}"
    if payment is None or not payment.idempotency_key.startswith(prefix):
        return None
    rev_id = payment.idempotency_key[len(prefix):]
    return s.get(PaymentReversal, int(rev_id)) if rev_id.isdigit() else None


def _reverse_nsf(s, actor, loan, payment, today, why) -> bool:
    """Undo the NSF fee the return of `payment` charged: a negative charge on the same
    installment and the reversing journal entry, both dated the day the fee was charged (the
    return is void, so the fee never stood: payments after it are applied again without it
    when the payment is posted again). False when none was charged (or it was reversed
    before)."""
    charge = s.exec(select(LoanCharge).where(
        LoanCharge.source_key == f"nsf:{payment.id}")).first()
    key = f"nsf-reversed:{payment.id}"
    if charge is None or s.exec(select(LoanCharge.id).where(
            LoanCharge.source_key == key)).first() is not None:
        return False
    entry_id = f"nsf-rev-{payment.id}"
    undo = LoanCharge(loan_id=loan.id, kind="nsf_reversal",
                      installment_number=charge.installment_number,
                      amount_minor=-charge.amount_minor, assessed_on=charge.assessed_on,
                      source_key=key,
                      journal_entry_id=entry_id)
    s.add(undo)
    charged = ledger.fee_charge(charge.journal_entry_id, loan.id, charge.assessed_on,
                                charge.amount_minor, "")
    journal.write(s, [ledger.reversing(entry_id, charged, charge.assessed_on,
                                       f"Returned payment fee reversed (payment {payment.id})")])
    s.flush()
    audit.record(s, actor, "charge.reversed", "loan_charge", charge.id,
                 audit.snapshot(charge), audit.snapshot(undo), why)
    return True


def _stop_representments(s, actor, attempt, why) -> tuple[list, list]:
    """Re-presentments of the debit (the retry chain): cancel those not yet sent; return
    (cancelled, already sent and collecting)."""
    cancelled, sent, frontier = [], [], [attempt.id]
    while frontier:
        kids = list(s.exec(select(CollectionAttempt).where(
            CollectionAttempt.retry_of.in_(frontier)).order_by(CollectionAttempt.id)))
        for a in kids:
            if a.status == "scheduled":
                before = audit.snapshot(a)
                a.status, a.failure_reason = "cancelled", why[:300]
                s.add(a)
                s.flush()
                audit.record(s, actor, "collection.cancelled", "collection_attempt", a.id,
                             before, audit.snapshot(a), why)
                cancelled.append(a)
            elif a.status in ("submitted", "succeeded"):
                sent.append(a)
        frontier = [a.id for a in kids]
    return cancelled, sent


def _flag(s, actor, attempt, item, loan, why: str) -> dict:
    queue_id = notices.open_item(
        s, actor, "ach_exception", loan.id,
        f"Loan {loan.loan_number}: {item.code} {item.addenda_kind} return not applied",
        f"Line {item.line_number} ({item.code} {item.reason_text}, trace "
        f"{item.original_trace}): {why}.", f"{item.addenda_kind}:{attempt.id}:{item.code}",
        attempt.id)
    return {"status": "flagged", "note": why, "queue_item_id": queue_id}


def _unchanged(why: str) -> dict:
    return {"status": "unchanged", "note": why}


def _savepoint(s: Session):
    """A savepoint, so a dishonor that cannot be applied is undone alone. SQLite's driver
    opens its transaction only at the first write, and a SAVEPOINT issued before that would
    be the transaction itself (its release a commit): open it first."""
    conn = s.connection()
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN")
    return s.begin_nested()

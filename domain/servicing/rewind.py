"""Backdated events before a modification: rewind the loan's schedule, replay, re-modify.

A payment (or the reversal of one) dated before a schedule modification changes the balances
the modification was built on. So the loan is taken back and run again, append-only:

1. every payment of the loan is taken off (reversing allocation rows and entries);
2. when a modification in effect is dated on or after the event, every schedule modification in
   effect is undone (all payments are off, so every schedule built on them is rebuilt), last
   first: arrears capitalized by a restructure are reversed (its allocation rows negated, its
   journal entry reversed), and the loan's original schedule comes back as a new schedule
   version, recorded as a `rewind` modification (the loan's rate and term as they were then);
3. the event is posted, and the payments and the modifications are applied again in date
   order (a modification before the payments of its day), each modification rebuilt from the
   balances of its date with its own parameters and recorded as a new modification row (its
   key `original~vN`); late fees and delinquency are then replayed (`replay`).
A write-off or charge-off after the event still refuses it: the loan is closed.
"""
from datetime import date

from sqlmodel import select

from domain.audit import trail as audit
from domain.calculation.allocation import net
from domain.db.tables import AuditLog, Installment, JournalEntry, Loan, LoanModification, \
    Payment, Posting
from domain.kernel.actor import Actor
from domain.kernel.errors import ValidationError
from domain.ledger import entries as ledger
from domain.ledger import journal
from domain.servicing import allocation_rows, loan_state

CLOSINGS = ("write_off", "charge_off")


def chain(s, loan: Loan) -> list[LoanModification]:
    """The modifications in effect (date order): from the loan's schedule version back to the
    original, through rewinds to the version each one restored."""
    rows = {m.to_version: m for m in s.exec(select(LoanModification).where(
        LoanModification.loan_id == loan.id).order_by(LoanModification.id))}
    out, version = [], loan.schedule_version
    closing = [m for m in rows.values() if m.kind in CLOSINGS]
    while version in rows and rows[version].kind not in CLOSINGS:
        m = rows[version]
        if m.kind == "rewind":
            version = int(m.params["restored_version"])
            continue
        out.append(m)
        version = m.from_version
    return sorted(out + closing, key=lambda m: (m.effective_date, m.id))


def after(s, loan: Loan, on: date, field: str) -> list[LoanModification]:
    """The modifications to undo for an event dated `on`: none when no modification in effect
    is dated on or after it (one on the same day counts: it may have been built on the
    event's payment); else every schedule modification in effect, from the first (every
    payment is taken off, so every schedule built on them is rebuilt). Refuses when a
    write-off or charge-off is dated on or after the event: the loan is closed."""
    mods = chain(s, loan)
    closed = [m for m in mods if m.kind in CLOSINGS and m.effective_date >= on]
    if closed:
        raise ValidationError({field: f"is before the loan's {closed[0].kind.replace('_', '-')} "
                                      f"of {closed[0].effective_date}"})
    if not any(m.effective_date >= on for m in mods):
        return []
    return [m for m in mods if m.kind not in CLOSINGS]


def undo(s, actor: Actor, loan: Loan, mods: list[LoanModification], why: str) -> None:
    """Steps 2 of the module docstring (the payments already taken off by the caller)."""
    for m in reversed(mods):
        if m.kind == "restructure":
            _uncapitalize(s, loan, m, why)
    first = mods[0]
    before = {**audit.snapshot(loan), "terms": dict(loan.terms)}
    version = _new_version(s, loan, first.from_version)
    was = _terms_before(s, loan, first)
    loan.terms = {**loan.terms, "annual_rate": was["terms"]["annual_rate"]}
    loan.term = len(s.exec(select(Installment.number).where(
        Installment.loan_id == loan.id, Installment.schedule_version == version)).all())
    s.add(LoanModification(
        loan_id=loan.id, kind="rewind", effective_date=first.effective_date,
        from_version=loan.schedule_version, to_version=version,
        params={"restored_version": first.from_version, "undone": [m.id for m in mods]},
        reason=why[:300], idempotency_key=f"rewind-{loan.id}-v{version}",
        recorded_by=actor.user_id))
    loan.schedule_version = version
    s.add(loan)
    s.flush()
    audit.record(s, actor, "loan.rewound", "loan", loan.loan_number, before,
                 {**audit.snapshot(loan), "terms": dict(loan.terms),
                  "undone": [m.id for m in mods]}, why)


def redo(s, actor: Actor, loan: Loan, payments: list[Payment], mods: list[LoanModification],
         why: str, new: Payment | None = None):
    """Step 3: payments and modifications again, in date order; the allocation of `new`."""
    from domain.servicing.modifications import _reschedule  # the one rescheduling rule
    events = sorted([(m.effective_date, 0, m.id, m) for m in mods] +
                    [(p.received_on, 1, p.id, p) for p in payments],
                    key=lambda e: e[:3])
    parts = []
    for _, _, _, e in events:
        if isinstance(e, Payment):
            entry_id = e.journal_entry_id if e is new else allocation_rows.next_id(s, e, "in")
            got = allocation_rows.apply(s, loan, e, entry_id)
            parts = got if e is new else parts
            s.flush()
            continue
        before = {**audit.snapshot(loan), "terms": dict(loan.terms)}
        from_version = loan.schedule_version
        entry_id, to_version = _reschedule(s, loan, loan_state.load(s, loan), e.kind,
                                           e.effective_date, dict(e.params), actor.user_id)
        s.add(LoanModification(
            loan_id=loan.id, kind=e.kind, effective_date=e.effective_date,
            from_version=from_version, to_version=to_version, params=e.params,
            reason=e.reason, idempotency_key=f"{e.idempotency_key[:90]}~v{to_version}",
            journal_entry_id=entry_id, recorded_by=actor.user_id))
        s.add(loan)
        s.flush()
        audit.record(s, actor, f"loan.{e.kind}", "loan", loan.loan_number, before,
                     {**audit.snapshot(loan), "terms": dict(loan.terms), "params": e.params,
                      "replay_of": e.id}, why)
    return parts


def _new_version(s, loan: Loan, source: int) -> int:
    """A copy of schedule version `source` under the next version number."""
    rows = s.exec(select(Installment).where(Installment.loan_id == loan.id)).all()
    version = max(r.schedule_version for r in rows) + 1
    s.add_all(Installment(loan_id=loan.id, schedule_version=version, number=r.number,
                          start_date=r.start_date, due_date=r.due_date,
                          principal_minor=r.principal_minor, interest_minor=r.interest_minor,
                          fee_minor=r.fee_minor)
              for r in rows if r.schedule_version == source)
    s.flush()
    return version


def _terms_before(s, loan: Loan, m: LoanModification) -> dict:
    """The loan as it was before modification `m` (its audit record's before)."""
    for row in s.exec(select(AuditLog).where(
            AuditLog.entity == "loan", AuditLog.entity_id == loan.loan_number,
            AuditLog.action == f"loan.{m.kind}").order_by(AuditLog.id)):
        if row.after and row.after.get("schedule_version") == m.to_version and row.before:
            return row.before
    raise ValidationError({"received_on": f"the loan's {m.kind.replace('_', ' ')} of "
                                          f"{m.effective_date} cannot be replayed (no record "
                                          "of the loan before it)"})


def _uncapitalize(s, loan: Loan, m: LoanModification, why: str) -> None:
    """Reverse arrears a restructure capitalized: negated rows, the entry reversed."""
    key = f"cap-{loan.id}-v{m.to_version}"  # modifications._capitalize's key
    pay = s.exec(select(Payment).where(Payment.idempotency_key == key)).first()
    if pay is not None:
        current = net(allocation_rows.rows(s, pay.id))
        s.add_all(allocation_rows.rows_for(pay, [allocation_rows.negated(a) for a in current]))
    entry = s.get(JournalEntry, m.journal_entry_id) if m.journal_entry_id else None
    if entry is None:  # principal arrears only: nothing was journaled
        s.flush()
        return
    lines = tuple(ledger.Line(p.account, p.amount_minor, p.loan_id) for p in s.exec(
        select(Posting).where(Posting.entry_id == m.journal_entry_id)))
    original = ledger.Entry(entry.id, entry.code, entry.effective_date, loan.id, lines,
                            entry.memo)
    journal.write(s, [ledger.reversing(f"{m.journal_entry_id}-rw{m.id}", original,
                                       entry.effective_date, f"Capitalization undone: {why}")])
    s.flush()


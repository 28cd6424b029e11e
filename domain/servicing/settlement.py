"""Settlement of bank-file debits nobody returned, for close of business and the web app's
collection job alike (a module of servicing, below payments, so `cob.run_cob` can call it).

The rule: a NACHA debit still `submitted` becomes `succeeded` (shown *posted*, no longer
*pending*) when the run's date D is later than the second banking day after its settlement
date. Its settlement date is its effective entry date (what the file carries: the later of
the draft date and the day its file was written), or the next banking day when that is no
banking day. Most returns (R01, R02, R03, R09, ...) must reach the lender by the opening of
business on that second banking day; from the day after, the debit is taken as settled. A
later return (the unauthorized codes have 60 calendar days) is still matched and reversed.
Banking days are the Federal Reserve's (`domain.nacha.banking_days`).
"""
from datetime import date, timedelta

from sqlalchemy import or_, select, update

from domain.audit import trail as audit
from domain.db.payment_tables import AchFile, CollectionAttempt
from domain.db.tables import utcnow
from domain.db.uow import UnitOfWork
from domain.kernel.actor import Actor
from domain.nacha.banking_days import add_banking_days, is_banking_day

RETURN_BANKING_DAYS = 2  # a return reaches the lender by the 2nd banking day after settlement


def settlement_day(effective: date) -> date:
    """The banking day an entry effective on `effective` settles on."""
    return effective if is_banking_day(effective) else add_banking_days(effective, 1)


def matured(effective: date, on: date) -> bool:
    """True when a debit effective on `effective` is past its return window on `on`."""
    return on > add_banking_days(settlement_day(effective), RETURN_BANKING_DAYS)


def latest_matured(on: date) -> date:
    """The latest effective date whose debits are settled on `on` (every earlier one is:
    `matured` only grows with `on` and shrinks with the effective date)."""
    day = on - timedelta(days=1)
    while not matured(day, on):
        day -= timedelta(days=1)
    return day


def settle_matured(on: date, actor: Actor, url: str | None = None) -> int:
    """Mark every bank-file debit past its return window on `on` settled: one UPDATE for
    the book, one audit row per debit. Returns how many; a rerun finds none."""
    cutoff = latest_matured(on)
    a = CollectionAttempt
    written_by_cutoff = select(AchFile.id).where(AchFile.file_date <= cutoff)
    now = utcnow()
    with UnitOfWork(url) as s:
        ids = list(s.execute(
            update(a).where(a.rail == "nacha", a.status == "submitted", a.draft_date <= cutoff,
                            or_(a.ach_file_id.is_(None), a.ach_file_id.in_(written_by_cutoff)))
            .values(status="succeeded", updated_at=now).returning(a.id)
            .execution_options(synchronize_session=False)).scalars())
        why = f"not returned by the end of the return window (effective on or before {cutoff})"
        audit.insert_many(s, [audit.entry(actor, "collection.settled", "collection_attempt",
                                          i, {"status": "submitted"}, {"status": "succeeded"},
                                          why, now) for i in sorted(ids)])
        return len(ids)

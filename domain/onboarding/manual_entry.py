"""Manual entry of one loan boarded elsewhere: the same validation as files and the API, a
schedule preview before anything is saved, and maker-checker: with approval configured (the
default; LENDBOOK_MANUAL_ENTRY_APPROVAL=off books at once) the entry waits until a second
servicer or admin, never its maker, approves it; then it is boarded as method "manual"."""
from domain.kernel import settings
from dataclasses import dataclass
from datetime import date

from sqlmodel import select

from domain.onboarding import rows as rules
from domain.db.onboarding_tables import ManualLoanEntry
from domain.db.tables import utcnow
from domain.db.uow import UnitOfWork
from domain.kernel.errors import NotFound, PermissionDenied, ValidationError
from domain.onboarding.rows import COLUMNS
from domain.calculation.schedule import Installment
from domain.audit import trail as audit
from domain.onboarding import boarding as onboarding, checks as onboarding_checks
from domain.kernel.actor import Actor

SOURCE = "manual"


@dataclass(frozen=True)
class Preview:
    issues: tuple  # (column, value, reason)
    installments: tuple[Installment, ...] = ()
    total_interest_minor: int = 0


def approval_required() -> bool:
    return settings.load().manual_entry_approval


def _clean(data: dict) -> dict:
    unknown = sorted(set(data) - set(COLUMNS))
    if unknown:
        raise ValidationError({k: "is not an onboarding field" for k in unknown})
    return {c: str(data.get(c) or "").strip() for c in COLUMNS}


def _rows(data: dict):
    return lambda: iter([(1, data)])


def preview(actor: Actor, data: dict, today: date | None = None,
            url: str | None = None) -> Preview:
    """Every problem with the entry, or the schedule it would be boarded with."""
    actor.require_permission("onboarding.board")
    today = today or date.today()
    data = _clean(data)
    report = onboarding.validate(_rows(data), SOURCE, url, today)
    if report.issues:
        return Preview(tuple((i.column, str(i.value), i.reason) for i in report.issues))
    row, _ = rules.parse_row(1, data, today)
    with UnitOfWork(url) as s:
        products = onboarding_checks.load_products(s)
    (_, terms, sched, _), _ = onboarding_checks.prepare(row, products, today)
    return Preview((), sched.installments, sched.total_interest_minor)


def submit(actor: Actor, data: dict, today: date | None = None, url: str | None = None) -> dict:
    """Record the entry for approval (or board it now when approval is off)."""
    p = preview(actor, data, today, url)
    if p.issues:
        raise ValidationError({c: f"{v!r}: {why}" if v else why for c, v, why in p.issues})
    data = _clean(data)
    if not approval_required():
        return _board(actor, data, None, today, url)
    with UnitOfWork(url) as s:
        entry = ManualLoanEntry(data=data, maker_id=actor.user_id, maker_label=actor.label)
        s.add(entry)
        s.flush()
        audit.record(s, actor, "onboarding.manual_entered", "manual_loan_entry", entry.id,
                     None, audit.snapshot(entry), "awaiting a second person's approval")
        return {"status": "pending", "entry_id": entry.id, "loan_number": ""}


def pending(actor: Actor, url: str | None = None) -> list[ManualLoanEntry]:
    actor.require_permission("onboarding.board")
    with UnitOfWork(url) as s:
        return list(s.exec(select(ManualLoanEntry).where(ManualLoanEntry.status == "pending")
                           .order_by(ManualLoanEntry.id)))


def _entry(s, actor: Actor, entry_id: int) -> ManualLoanEntry:
    entry = s.get(ManualLoanEntry, entry_id)
    if entry is None or entry.status != "pending":
        raise NotFound(f"pending manual entry {entry_id}")
    if entry.maker_id == actor.user_id and entry.maker_label == actor.label:
        raise PermissionDenied("the person who entered a loan cannot approve or reject it")
    return entry


def approve(actor: Actor, entry_id: int, today: date | None = None,
            url: str | None = None) -> dict:
    """A second person boards the entry (validated again: the product may have changed)."""
    actor.require_permission("onboarding.board")
    with UnitOfWork(url) as s:
        data = dict(_entry(s, actor, entry_id).data)
    return _board(actor, data, entry_id, today, url)


def reject(actor: Actor, entry_id: int, reason: str, url: str | None = None) -> None:
    actor.require_permission("onboarding.board")
    if not (reason or "").strip():
        raise ValidationError({"reason": "is required to reject an entry"})
    with UnitOfWork(url) as s:
        entry = _entry(s, actor, entry_id)
        before = audit.snapshot(entry)
        entry.status, entry.reason = "rejected", reason.strip()[:300]
        entry.checker_id, entry.decided_at = actor.user_id, utcnow()
        s.add(entry)
        audit.record(s, actor, "onboarding.manual_rejected", "manual_loan_entry", entry.id,
                     before, audit.snapshot(entry), reason)


def _board(actor: Actor, data: dict, entry_id: int | None, today, url) -> dict:
    def record(s, report):  # inside the booking's transaction: both commit or neither
        if entry_id is None:
            return
        entry = s.get(ManualLoanEntry, entry_id)
        before = audit.snapshot(entry)
        entry.status, entry.checker_id, entry.decided_at = "booked", actor.user_id, utcnow()
        entry.batch_id = report.batch_id
        entry.loan_number = report.loans[0][2] if report.loans else ""
        s.add(entry)
        audit.record(s, actor, "onboarding.manual_approved", "manual_loan_entry", entry.id,
                     before, audit.snapshot(entry), "second person approved")
    report = onboarding.board(_rows(data), source=SOURCE, method="manual", actor=actor,
                              url=url, today=today, within=record)
    if report.status != "booked":
        raise ValidationError({i.column: i.reason for i in report.issues} or
                              {"entry": f"not booked ({report.status})"})
    return {"status": "booked", "entry_id": entry_id, "loan_number": report.loans[0][2],
            "batch_id": report.batch_id}

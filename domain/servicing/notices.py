"""Notices to a borrower (autopay stopped after a return, a payment returned): what is unread,
and marking one read. Only the person a notice is addressed to reads or marks it; marking it
is audited, since the notice is the record that the borrower was told.

The servicer queue is the other audience: what a person on the servicing side must handle
and the borrower is not told by Lendbook (a deceased account holder's return goes to estate
handling; a return no rule settles; a dishonored return that could not be applied). An item
is opened once per cause (`source_key`), listed on the servicing console and by `lendbook
servicer-queue`, and resolved with a note; both are audited.
"""
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import or_
from sqlmodel import Session, select

from domain.db.payment_tables import Notice, ServicerQueueItem
from domain.db.tables import Loan
from domain.db.uow import UnitOfWork
from domain.kernel.errors import NotFound, ValidationError
from domain.audit import trail as audit
from domain.kernel.actor import Actor


@dataclass(frozen=True)
class NoticeView:
    id: int
    kind: str  # autopay_disabled, payment_returned, ...
    subject: str
    body: str
    created_at: datetime
    loan_number: str = ""


def unread(actor: Actor, loan_number: str | None = None,
           url: str | None = None) -> list[NoticeView]:
    """The actor's own unread notices, newest first: those about `loan_number` (and those
    about no loan) when given, else all."""
    with UnitOfWork(url) as s:
        q = (select(Notice, Loan.loan_number).outerjoin(Loan, Loan.id == Notice.loan_id)
             .where(Notice.user_id == actor.user_id, Notice.read_at.is_(None))
             .order_by(Notice.created_at.desc(), Notice.id.desc()))
        if loan_number:
            q = q.where(or_(Loan.loan_number == loan_number, Notice.loan_id.is_(None)))
        return [NoticeView(n.id, n.kind, n.subject, n.body, n.created_at, number or "")
                for n, number in s.exec(q)]


def mark_read(actor: Actor, notice_id: int, url: str | None = None) -> bool:
    """Mark one of the actor's own notices read; False if it already was. Someone else's
    notice is the same NotFound as a missing one."""
    with UnitOfWork(url) as s:
        notice = s.get(Notice, notice_id) if notice_id else None
        if notice is None or notice.user_id != actor.user_id:
            raise NotFound("this notice does not exist or is not yours")
        if notice.read_at is not None:
            return False
        before = audit.snapshot(notice)
        notice.read_at = datetime.now(timezone.utc)
        s.add(notice)
        audit.record(s, actor, "notice.read", "notice", notice.id, before,
                     audit.snapshot(notice), "marked read in the portal")
        return True


QUEUE_KINDS = {"estate": "Estate handling", "review": "Return to review",
               "ach_exception": "Bank file exception"}


@dataclass(frozen=True)
class QueueItemView:
    id: int
    kind: str  # estate, review, ach_exception
    loan_number: str
    subject: str
    body: str
    status: str  # open, resolved
    created_at: datetime
    resolution: str = ""

    @property
    def kind_label(self) -> str:
        return QUEUE_KINDS.get(self.kind, self.kind)


def open_item(s: Session, actor: Actor, kind: str, loan_id: int | None, subject: str,
              body: str, source_key: str, attempt_id: int | None = None) -> int:
    """Put one item on the servicer queue inside the caller's transaction; the same cause
    (`source_key`) again returns the item already there."""
    prior = s.exec(select(ServicerQueueItem.id).where(
        ServicerQueueItem.source_key == source_key[:100])).first()
    if prior is not None:
        return prior
    item = ServicerQueueItem(kind=kind, loan_id=loan_id, attempt_id=attempt_id,
                             subject=subject[:200], body=body, source_key=source_key[:100])
    s.add(item)
    s.flush()
    audit.record(s, actor, "servicer_queue.opened", "servicer_queue_item", item.id, None,
                 audit.snapshot(item), subject[:300])
    return item.id


def servicer_queue(actor: Actor, status: str = "open", limit: int = 200,
                   url: str | None = None) -> list[QueueItemView]:
    """Items on the servicer queue (open ones by default, oldest first; "all": every item,
    newest first)."""
    actor.require_permission("loan.view")
    if status not in ("open", "resolved", "all"):
        raise ValidationError({"status": "must be open, resolved or all"})
    with UnitOfWork(url) as s:
        q = (select(ServicerQueueItem, Loan.loan_number)
             .outerjoin(Loan, Loan.id == ServicerQueueItem.loan_id).limit(limit))
        if status == "all":
            q = q.order_by(ServicerQueueItem.id.desc())
        else:
            q = q.where(ServicerQueueItem.status == status).order_by(ServicerQueueItem.id)
        return [QueueItemView(i.id, i.kind, number or "", i.subject, i.body, i.status,
                              i.created_at, i.resolution) for i, number in s.exec(q)]


def resolve(actor: Actor, item_id: int, resolution: str, url: str | None = None) -> bool:
    """Close an item with what was done; False if it was resolved before."""
    actor.require_permission("loan.modify", "bank_files.manage")
    if not (resolution or "").strip():
        raise ValidationError({"resolution": "say what was done"})
    with UnitOfWork(url) as s:
        item = s.get(ServicerQueueItem, item_id) if item_id else None
        if item is None:
            raise NotFound(f"servicer queue item {item_id}")
        if item.status == "resolved":
            return False
        before = audit.snapshot(item)
        item.status, item.resolution = "resolved", resolution.strip()[:300]
        item.resolved_at, item.resolved_by = datetime.now(timezone.utc), actor.user_id
        s.add(item)
        audit.record(s, actor, "servicer_queue.resolved", "servicer_queue_item", item.id,
                     before, audit.snapshot(item), item.resolution)
        return True

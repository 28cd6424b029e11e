"""Notices to a borrower (autopay stopped after a return, a payment returned): what is unread,
and marking one read. Only the person a notice is addressed to reads or marks it; marking it
is audited, since the notice is the record that the borrower was told."""
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import or_
from sqlmodel import select

from domain.db.payment_tables import Notice
from domain.db.tables import Loan
from domain.db.uow import UnitOfWork
from domain.kernel.errors import NotFound
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

"""Audit trail: who, what, when, why, and before/after for every state change."""
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Session, select

from domain.db.tables import AuditLog
from domain.services.actor import Actor


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "password_hash"}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (date, datetime, Decimal)):
        return str(value)
    return value


def snapshot(obj) -> dict:
    return _plain(obj.model_dump())


def entry(actor: Actor, action: str, entity: str, entity_id, before: dict | None = None,
          after: dict | None = None, reason: str = "", at: datetime | None = None) -> dict:
    """One audit row's values: what `record` adds, and what bulk paths insert many of."""
    row = dict(actor_id=actor.user_id, actor_label=actor.label, action=action, entity=entity,
               entity_id=str(entity_id), before=_plain(before), after=_plain(after),
               reason=(reason or "")[:300])
    if at is not None:
        row["at"] = at
    return row


def record(session: Session, actor: Actor, action: str, entity: str, entity_id,
           before: dict | None = None, after: dict | None = None, reason: str = "") -> None:
    session.add(AuditLog(**entry(actor, action, entity, entity_id, before, after, reason)))


def trail(session: Session, entity: str | None = None, entity_id=None, limit: int = 200):
    q = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    if entity:
        q = q.where(AuditLog.entity == entity)
    if entity_id is not None:
        q = q.where(AuditLog.entity_id == str(entity_id))
    return list(session.exec(q))

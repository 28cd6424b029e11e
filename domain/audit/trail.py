"""Audit trail: who, what, when, why, and before/after for every state change."""
import json
from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import insert
from sqlmodel import Session, select

from domain.db.tables import AuditLog, utcnow
from domain.audit import chain as audit_chain
from domain.kernel.actor import Actor
from domain.db.bulk_write import Json


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


_SCALARS = (str, int, float, bool, type(None))


def _json_plain(value):
    """`_plain`, or None when the value is not already what the JSON column hands back."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                return None
            if k != "password_hash":
                out[k] = p = _json_plain(v)
                if p is None and v is not None:
                    return None
        return out
    if isinstance(value, (list, tuple)):
        out = [_json_plain(v) for v in value]
        return None if any(p is None and v is not None for p, v in zip(out, value)) else out
    if isinstance(value, (date, datetime, Decimal)):
        return str(value)
    return value if isinstance(value, _SCALARS) else None


def _stored(value):
    """As the JSON column hands it back (keys as strings, tuples as lists), so the content
    hash taken now is the one `lendbook audit verify` recomputes from the stored row. Plain
    values skip the JSON round trip (bulk paths build thousands)."""
    if value is None:
        return None
    plain = _json_plain(value)
    return plain if plain is not None else json.loads(json.dumps(_plain(value), default=str))


def entry(actor: Actor, action: str, entity: str, entity_id, before: dict | None = None,
          after: dict | None = None, reason: str = "", at: datetime | None = None) -> dict:
    """One audit row's values: what `record` adds, and what bulk paths insert many of (with
    its content hash; the row is linked into the chain when its transaction commits)."""
    at = at or utcnow()
    at = at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)
    row = dict(at=at, actor_id=actor.user_id,
               actor_label=actor.label[:254], action=action, entity=entity,
               entity_id=str(entity_id), before=_stored(before), after=_stored(after),
               reason=(reason or "")[:300])
    row["content_sha"] = audit_chain.content_sha(row)
    return row


def bulk_entries(actor: Actor, rows, reason: str = "", at: datetime | None = None) -> list[dict]:
    """Audit rows for a BulkWriter (domain.db.bulk_write), as `entry` gives them but
    built for thousands at once. rows: (action, entity, entity_id, after) with `after` of
    plain JSON values (str, int, None, bool, lists and dicts of them: a date or Decimal
    raises TypeError) and no `before`. `after` is handed on as its canonical JSON text
    (a bulk_write.Json) and the content hash is the same SHA-256 of the same canonical
    document, assembled from parts encoded once per call; the writer stores the text as is,
    and `lendbook audit verify` recomputes the hash from the stored row."""
    import hashlib

    enc = audit_chain._CANONICAL.encode
    at = at or utcnow()
    at = at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)
    label, reason = actor.label[:254], (reason or "")[:300]
    middle = (f',"actor_id":{enc(actor.user_id)},"actor_label":{enc(label)},"after":')
    tail = f',"at":{enc(audit_chain.utc_iso(at))},"before":null,"entity":'
    end = f',"reason":{enc(reason)}}}'
    out, encode = [], audit_chain.canonical_text
    for action, entity, entity_id, after in rows:
        entity_id = str(entity_id)
        text = encode(after)
        doc = (f'{{"action":{enc(action)}{middle}{text}{tail}{enc(entity)},"entity_id":'
               f'{enc(entity_id)}{end}')
        out.append(dict(at=at, actor_id=actor.user_id, actor_label=label, action=action,
                        entity=entity, entity_id=entity_id, before=None, after=Json(text),
                        reason=reason,
                        content_sha=hashlib.sha256(doc.encode("utf-8")).hexdigest()))
    return out


def insert_many(session: Session, rows: list[dict], insert_rows=None) -> None:
    """Bulk audit rows (built with `entry`) in the session's transaction, sealed at commit.
    insert_rows(session, table, rows) overrides the executemany (e.g. COPY)."""
    if not rows:
        return
    if insert_rows is None:
        session.connection().execute(insert(AuditLog), rows)
    else:
        insert_rows(session, AuditLog.__table__, rows)
    audit_chain.mark(session)


def unsealed(session: Session) -> None:
    """A bulk path inserted audit rows its own way: link them into the chain at commit."""
    audit_chain.mark(session)


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

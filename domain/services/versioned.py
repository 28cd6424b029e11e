"""Definitions kept as versioned data (rule sets, workflows, the GL mapping): a save is a new
draft version; publishing a draft retires the published one. One mechanism, so they all
behave alike and are audited the same way."""
from sqlalchemy import func
from sqlmodel import select

from domain.db.tables import utcnow
from domain.errors import Conflict, NotFound
from domain.services import audit
from domain.services.actor import Actor


def next_version(s, model, code: str) -> int:
    return (s.exec(select(func.max(model.version)).where(model.code == code)).one() or 0) + 1


def add_draft(s, model, entity: str, actor: Actor, code: str, version: int,
              definition: dict, column: str = "definition") -> int:
    """`column`: the model's JSON column holding the definition."""
    row = model(code=code, version=version, created_by=actor.user_id, **{column: definition})
    s.add(row)
    s.flush()
    audit.record(s, actor, f"{entity}.drafted", entity, f"{code} v{version}", None, definition)
    return version


def get(s, model, entity: str, code: str, version: int):
    row = s.exec(select(model).where(model.code == code, model.version == version)).first()
    if row is None:
        raise NotFound(f"{entity} {code} version {version}")
    return row


def publish(s, model, entity: str, actor: Actor, code: str, version: int,
            reason: str = "") -> None:
    row = get(s, model, entity, code, version)
    if row.status != "draft":
        raise Conflict(f"version {version} is {row.status}; only a draft can be published")
    for old in s.exec(select(model).where(model.code == code, model.status == "published")):
        old.status = "retired"
        s.add(old)
    row.status, row.published_at = "published", utcnow()
    if hasattr(model, "published_by"):  # the GL mapping has no such column: see the audit
        row.published_by = actor.user_id
    s.add(row)
    audit.record(s, actor, f"{entity}.published", entity, f"{code} v{version}",
                 {"status": "draft"}, {"status": "published"}, reason)

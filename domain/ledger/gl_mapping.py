"""The GL chart-of-accounts mapping as versioned data (draft, publish retiring the previous
one, audited; `domain.configuration.versioned`). Exports use the published version, or the
built-in default (`domain.ledger.gl.DEFAULT_MAPPING`) while none is published."""
from sqlmodel import select

from domain.db.payment_tables import GlMappingVersion
from domain.db.uow import UnitOfWork
from domain.ledger.gl import DEFAULT, GlMapping
from domain.configuration import versioned
from domain.kernel.actor import Actor

CODE = "default"  # one mapping per installation
ENTITY = "gl_mapping"


def save_draft(actor: Actor, mapping: dict, url: str | None = None) -> int:
    """A new draft version, validated whole (errors named by JSON path); its version."""
    actor.require_permission("gl.manage")
    parsed = GlMapping.from_dict(mapping)
    with UnitOfWork(url) as s:
        version = versioned.next_version(s, GlMappingVersion, CODE)
        return versioned.add_draft(s, GlMappingVersion, ENTITY, actor, CODE, version,
                                   parsed.to_dict(), column="mapping")


def publish(actor: Actor, version: int, reason: str = "", url: str | None = None) -> int | None:
    actor.require_permission("gl.manage")
    with UnitOfWork(url) as s:
        return versioned.publish(s, GlMappingVersion, ENTITY, actor, CODE, version, reason)


def versions(actor: Actor, url: str | None = None) -> list[dict]:
    actor.require_permission("gl.manage")
    with UnitOfWork(url) as s:
        rows = s.exec(select(GlMappingVersion).where(GlMappingVersion.code == CODE)
                      .order_by(GlMappingVersion.version.desc()))
        return [{"version": r.version, "status": r.status, "mapping": r.mapping,
                 "created_at": r.created_at, "published_at": r.published_at} for r in rows]


def current(actor: Actor, url: str | None = None) -> tuple[int | None, GlMapping]:
    """The published version and its mapping; (None, the default) while none is published."""
    actor.require_permission("gl.manage")
    with UnitOfWork(url) as s:
        row, mapping = published(s)
        return (row.version if row else None), mapping


def published(s) -> tuple[GlMappingVersion | None, GlMapping]:
    row = s.exec(select(GlMappingVersion).where(GlMappingVersion.code == CODE,
                                                GlMappingVersion.status == "published")).first()
    return row, (GlMapping.from_dict(row.mapping) if row else DEFAULT)


def by_id(s, version_id: int | None) -> GlMapping:
    """The mapping an export used (None: the built-in default)."""
    return GlMapping.from_dict(s.get(GlMappingVersion, version_id).mapping) \
        if version_id is not None else DEFAULT

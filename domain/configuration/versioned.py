"""Definitions kept as versioned data (rule sets, workflows, the GL mapping, branding): a save
is a new draft version; publishing a draft retires the published one. One mechanism, so they
all behave alike and are audited the same way, and maker-checker (domain/access/approvals.py)
applies to every kind here: where the kind's approval setting is on, `publish` records a
change request instead, and a second admin's approval publishes through `publish_now`."""
from sqlalchemy import func
from sqlmodel import select

from domain.access import approvals
from domain.audit import trail as audit
from domain.db.branding_tables import BrandingVersion
from domain.db.origination_tables import RuleSetVersion
from domain.db.payment_tables import GlMappingVersion
from domain.db.tables import ProductVersion, utcnow
from domain.db.workflow_tables import WorkflowVersion
from domain.kernel.actor import Actor
from domain.kernel.errors import Conflict, NotFound

MODELS: dict[str, type] = {"product": ProductVersion, "ruleset": RuleSetVersion,
                           "workflow": WorkflowVersion, "branding": BrandingVersion,
                           "gl_mapping": GlMappingVersion}
"""entity -> its version table (a new versioned kind adds its line here)."""


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


def model_of(entity: str):
    return MODELS[entity]


def publish(s, model, entity: str, actor: Actor, code: str, version: int,
            reason: str = "") -> int | None:
    """Publish a draft now, or, where `entity` needs a second admin's approval, record a
    change request and return its id (the draft stays a draft until approved)."""
    row = get(s, model, entity, code, version)
    if row.status != "draft":
        raise Conflict(f"version {version} is {row.status}; only a draft can be published")
    if approvals.required(s, entity):
        return approvals.request(s, actor, entity, code, version, {"table": model.__tablename__},
                                 f"publish {entity} {code} version {version}", reason)
    publish_now(s, model, entity, actor, code, version, reason)
    return None


def publish_now(s, model, entity: str, actor: Actor, code: str, version: int,
                reason: str = "") -> None:
    row = get(s, model, entity, code, version)
    if row.status != "draft":
        raise Conflict(f"version {version} is {row.status}; only a draft can be published")
    for old in s.exec(select(model).where(model.code == code, model.status == "published")):
        old.status = "retired"
        s.add(old)
    row.status, row.published_at, row.published_by = "published", utcnow(), actor.user_id
    s.add(row)
    audit.record(s, actor, f"{entity}.published", entity, f"{code} v{version}",
                 {"status": "draft"}, {"status": "published"}, reason)


def _apply_approved(s, actor: Actor, row) -> None:
    """An approved change request of a versioned kind publishes its draft."""
    publish_now(s, model_of(row.kind), row.kind, actor, row.code, row.version, row.reason)


for _kind in ("ruleset", "workflow", "branding", "gl_mapping"):
    approvals.register(_kind, _apply_approved)

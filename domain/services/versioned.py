"""Definitions kept as versioned data (rule sets, workflows, the GL mapping, branding): a save
is a new draft version; publishing a draft retires the published one. One mechanism, so they
all behave alike and are audited the same way, and maker-checker (domain/services/approvals.py)
applies to every kind here: where the kind's approval setting is on, `publish` records a
change request instead, and a second admin's approval publishes through `publish_now`."""
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


def _models() -> dict[str, type]:
    """entity -> its version table, to publish an approved request. A new versioned kind
    (products, when they move onto this helper) adds its line here."""
    from domain.db.branding_tables import BrandingVersion
    from domain.db.origination_tables import RuleSetVersion
    from domain.db.payment_tables import GlMappingVersion
    from domain.db.tables import ProductVersion
    from domain.db.workflow_tables import WorkflowVersion
    return {"product": ProductVersion, "ruleset": RuleSetVersion, "workflow": WorkflowVersion,
            "branding": BrandingVersion, "gl_mapping": GlMappingVersion}


def model_of(entity: str):
    return _models()[entity]


def publish(s, model, entity: str, actor: Actor, code: str, version: int,
            reason: str = "") -> int | None:
    """Publish a draft now, or, where `entity` needs a second admin's approval, record a
    change request and return its id (the draft stays a draft until approved)."""
    from domain.services import approvals
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
    row.status, row.published_at = "published", utcnow()
    if hasattr(model, "published_by"):  # the GL mapping has no such column: see the audit
        row.published_by = actor.user_id
    s.add(row)
    audit.record(s, actor, f"{entity}.published", entity, f"{code} v{version}",
                 {"status": "draft"}, {"status": "published"}, reason)

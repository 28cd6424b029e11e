"""Workflows as versioned data: admins save drafts (validated whole), publish (one published
version per code, the rest retired; maker-checker where required), and `current` says which
version new applications follow (a stored one wins over a built-in of the same code)."""
from sqlmodel import select

from domain.configuration import versioned
from domain.configuration.workflow import BUILT_IN, Workflow, built_in
from domain.db.access_tables import Role
from domain.db.uow import UnitOfWork
from domain.db.workflow_tables import WorkflowVersion
from domain.kernel.actor import Actor
from domain.kernel.errors import NotFound, ValidationError


def save_draft(actor: Actor, code: str, definition: dict, url: str | None = None) -> int:
    """A new draft version, validated whole (errors by JSON path)."""
    actor.require_permission("workflow.edit")
    with UnitOfWork(url) as s:
        version = versioned.next_version(s, WorkflowVersion, code)
        wf = Workflow.from_dict(code, version, definition)
        _check_roles(s, wf)
        return versioned.add_draft(s, WorkflowVersion, "workflow", actor, code, version,
                                   wf.to_dict())


def _check_roles(s, wf: Workflow) -> None:
    """Every stage's actors name a role that exists (built in or created at /admin/roles)."""
    known = set(s.exec(select(Role.code)))
    errors = {f"stages[{i}].actors": f"no role {a} (create it under Roles first)"
              for i, st in enumerate(wf.stages) for a in st.actors if a not in known}
    if errors:
        raise ValidationError(errors)


def publish(actor: Actor, code: str, version: int, reason: str = "",
            url: str | None = None) -> int | None:
    """Applications already in flight keep the version they started with."""
    actor.require_permission("workflow.edit")
    with UnitOfWork(url) as s:
        return versioned.publish(s, WorkflowVersion, "workflow", actor, code, version, reason)


def current(s, code: str | None) -> Workflow:
    """The published version of `code` (a stored one wins over a built-in of that name)."""
    code = code or "standard"
    row = s.exec(select(WorkflowVersion).where(WorkflowVersion.code == code,
                                               WorkflowVersion.status == "published")).first()
    if row is not None:
        return Workflow.from_dict(code, row.version, row.definition)
    if code in BUILT_IN:
        return built_in(code)
    raise NotFound(f"workflow {code} has no published version")


def versions(actor: Actor, url: str | None = None) -> list[dict]:
    """Stored versions, newest first, beside the built-in workflows (version 0)."""
    actor.require_permission("rules.view", "workflow.edit")
    with UnitOfWork(url) as s:
        rows = [{"code": r.code, "version": r.version, "status": r.status,
                 "definition": r.definition, "created_at": r.created_at.strftime(
                     "%Y-%m-%d %H:%M")}
                for r in s.exec(select(WorkflowVersion).order_by(
                    WorkflowVersion.code, WorkflowVersion.version.desc()))]
    return rows + [{"code": code, "version": 0, "status": "built-in", "definition": d,
                    "created_at": ""} for code, d in BUILT_IN.items()]

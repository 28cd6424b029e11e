"""Maker-checker for configuration: per kind, a setting (approval_policy, data) that turns
publishing into a change request a second admin must approve. The maker needs the kind's edit
permission; the checker needs config.approve and must be someone else (self-approval is
refused). Changing the setting needs config.approve too, and is audited.

The shared publish path (domain/configuration/versioned.py) asks `required()` for every versioned
kind; role edits (domain/access/roles.py) ask too. Each kind's module registers how an
approved request is applied (`register`).
"""
from sqlmodel import select

from domain.db.access_tables import ApprovalPolicy, ChangeRequest
from domain.db.tables import utcnow
from domain.db.uow import UnitOfWork
from domain.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from domain.audit import trail as audit
from domain.kernel.actor import Actor

KINDS = {"product": "Products", "ruleset": "Rule sets", "workflow": "Workflows",
         "branding": "Branding", "gl_mapping": "GL mapping", "role": "Roles"}


def required(s, kind: str) -> bool:
    row = s.get(ApprovalPolicy, kind)
    return bool(row and row.required)


def policies(actor: Actor, url: str | None = None) -> dict[str, bool]:
    actor.require_permission("config.approve", "roles.manage")
    with UnitOfWork(url) as s:
        return {k: required(s, k) for k in KINDS}


def set_policy(actor: Actor, kind: str, on: bool, url: str | None = None) -> None:
    actor.require_permission("config.approve")
    if kind not in KINDS:
        raise ValidationError({"kind": f"must be one of {', '.join(KINDS)}"})
    with UnitOfWork(url) as s:
        row = s.get(ApprovalPolicy, kind) or ApprovalPolicy(kind=kind)
        before = {"required": bool(row.required)}
        row.required, row.updated_by, row.updated_at = bool(on), actor.user_id, utcnow()
        s.add(row)
        audit.record(s, actor, "approval_policy.changed", "approval_policy", kind, before,
                     {"required": bool(on)})


def request(s, actor: Actor, kind: str, code: str, version: int | None, payload: dict,
            summary: str, reason: str = "") -> int:
    """Record a change request in the caller's unit of work; returns its id."""
    row = ChangeRequest(kind=kind, code=code, version=version, payload=payload,
                        summary=summary[:300], reason=(reason or "")[:500],
                        requested_by=actor.user_id)
    s.add(row)
    s.flush()
    audit.record(s, actor, "change.requested", "change_request", row.id, None,
                 {"kind": kind, "code": code, "version": version, "summary": row.summary},
                 reason)
    return row.id


def pending(actor: Actor, url: str | None = None) -> list[dict]:
    actor.require_permission("config.approve")
    with UnitOfWork(url) as s:
        rows = s.exec(select(ChangeRequest).where(ChangeRequest.status == "pending")
                      .order_by(ChangeRequest.id)).all()
        return [_view(r) for r in rows]


def _view(r: ChangeRequest) -> dict:
    return {"id": r.id, "kind": r.kind, "kind_label": KINDS.get(r.kind, r.kind),
            "code": r.code, "version": r.version, "summary": r.summary, "reason": r.reason,
            "status": r.status, "requested_by": r.requested_by,
            "requested_at": r.requested_at.isoformat(timespec="minutes")}


def _decidable(s, actor: Actor, request_id: int) -> ChangeRequest:
    actor.require_permission("config.approve")
    row = s.get(ChangeRequest, request_id)
    if row is None:
        raise NotFound(f"change request {request_id}")
    if row.status != "pending":
        raise Conflict(f"change request {request_id} is already {row.status}")
    if row.requested_by is not None and row.requested_by == actor.user_id:
        raise PermissionDenied("you cannot approve or reject your own change request: "
                               "a second admin must")
    return row


def approve(actor: Actor, request_id: int, reason: str = "", url: str | None = None) -> None:
    """Apply the change as requested (the checker is recorded as who approved it)."""
    with UnitOfWork(url) as s:
        row = _decidable(s, actor, request_id)
        _applier(row.kind)(s, actor, row)
        _decide(s, actor, row, "approved", reason)


def reject(actor: Actor, request_id: int, reason: str, url: str | None = None) -> None:
    if not (reason or "").strip():
        raise ValidationError({"reason": "is required to reject a change"})
    with UnitOfWork(url) as s:
        _decide(s, actor, _decidable(s, actor, request_id), "rejected", reason)


def _decide(s, actor: Actor, row: ChangeRequest, status: str, reason: str) -> None:
    row.status, row.decided_by, row.decided_at = status, actor.user_id, utcnow()
    row.decision_reason = (reason or "").strip()[:500]
    s.add(row)
    audit.record(s, actor, f"change.{status}", "change_request", row.id,
                 {"status": "pending"}, {"status": status}, row.decision_reason)


_appliers: dict = {}


def register(kind: str, apply) -> None:
    """A kind's module registers how an approved request of that kind is applied:
    `apply(s, actor, request_row)` inside the approving unit of work. Registration keeps this
    module free of the modules it serves (they import it to ask `required()`)."""
    if kind not in KINDS:
        raise ValueError(f"unknown approval kind {kind!r}")
    _appliers[kind] = apply


def _applier(kind: str):
    try:
        return _appliers[kind]
    except KeyError:
        raise Conflict(f"change requests of kind {kind!r} cannot be applied: its module "
                       "is not loaded") from None

"""Roles as data: an admin creates roles and edits their permission sets (each edit audited
with before/after and a revision counter). Two rules hold everywhere: an admin cannot grant a
permission they do not hold (not by editing a role, not by assigning one: accounts /
users.py), and built-in roles cannot be deleted. Where the "role" kind needs approval
(approvals.py), a save is a change request a second admin approves."""
import re

from sqlmodel import select

from domain.kernel import permissions as catalogue
from domain.db.access_tables import Role, RolePermission
from domain.db.tables import AppUser, utcnow
from domain.db.uow import UnitOfWork
from domain.kernel.errors import Conflict, NotFound, ValidationError
from domain.access import approvals
from domain.audit import trail as audit
from domain.access.accounts import role_permissions
from domain.kernel.actor import Actor

CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


def listing(actor: Actor, url: str | None = None) -> list[dict]:
    """Every role with its permissions and the users who hold it."""
    actor.require_permission("roles.manage", "users.manage")
    with UnitOfWork(url) as s:
        users: dict[str, list[str]] = {}
        for email, role in s.exec(select(AppUser.email, AppUser.role).where(AppUser.active)
                                  .order_by(AppUser.email)):
            users.setdefault(role, []).append(email)
        return [{"code": r.code, "name": r.name, "description": r.description,
                 "built_in": r.built_in, "portal": r.portal, "revision": r.revision,
                 "permissions": sorted(role_permissions(s, r.code)),
                 "users": users.get(r.code, [])}
                for r in s.exec(select(Role).order_by(Role.built_in.desc(), Role.code))]


def _validate(s, actor: Actor, change: dict) -> dict:
    code = (change.get("code") or "").strip()
    name = (change.get("name") or "").strip()
    perms = change.get("permissions") or []
    errors = {}
    if not CODE.match(code):
        errors["code"] = "must be 2-32 lower-case letters, digits or _ and start with a letter"
    if not name or len(name) > 80:
        errors["name"] = "is required (at most 80 characters)"
    if len(change.get("description") or "") > 300:
        errors["description"] = "must be at most 300 characters"
    if change.get("portal") not in catalogue.PORTALS:
        errors["portal"] = f"must be one of {', '.join(catalogue.PORTALS)}"
    if not isinstance(perms, list) or not all(isinstance(p, str) for p in perms):
        errors["permissions"] = "must be a list of permission codes"
    elif catalogue.unknown(perms):
        errors["permissions"] = "unknown: " + ", ".join(catalogue.unknown(perms))
    elif actor.user_id is not None:
        existing = role_permissions(s, code) if CODE.match(code) else frozenset()
        # Granting is adding: a permission the role already has is not granted again.
        lacking = catalogue.ungrantable(actor.permissions, set(perms) - existing)
        if lacking:
            errors["permissions"] = ("you cannot grant permissions you do not hold yourself: "
                                     + ", ".join(lacking))
    if errors:
        raise ValidationError(errors)
    return {"code": code, "name": name, "description": (change.get("description") or "").strip(),
            "portal": change["portal"], "permissions": sorted(set(perms)),
            "create": bool(change.get("create"))}


def save(actor: Actor, change: dict, reason: str = "", url: str | None = None) -> int | None:
    """Create (`change["create"]`) or edit a role. Returns None when applied, or the change
    request id where role changes need a second admin's approval."""
    actor.require_permission("roles.manage")
    with UnitOfWork(url) as s:
        change = _validate(s, actor, change)
        _check_exists(s, change)
        if approvals.required(s, "role"):
            verb = "create" if change["create"] else "edit"
            return approvals.request(s, actor, "role", change["code"], None, change,
                                     f"{verb} role {change['code']}: "
                                     f"{len(change['permissions'])} permissions", reason)
        apply_change(s, actor, change, reason)
        return None


def _check_exists(s, change: dict) -> None:
    row = s.get(Role, change["code"])
    if change["create"] and row is not None:
        raise ValidationError({"code": "a role with this code already exists"})
    if not change["create"] and row is None:
        raise NotFound(f"role {change['code']}")


def apply_change(s, actor: Actor, change: dict, reason: str = "") -> None:
    """Write a validated change (now, or when a second admin approves it: the approver must
    hold every permission granted too)."""
    change = _validate(s, actor, change)
    _check_exists(s, change)
    row = s.get(Role, change["code"])
    before = None
    if row is None:
        row = Role(code=change["code"], name=change["name"], built_in=False, revision=0)
    else:
        before = {"name": row.name, "description": row.description, "portal": row.portal,
                  "revision": row.revision, "permissions": sorted(role_permissions(s, row.code))}
    row.name, row.description, row.portal = change["name"], change["description"], change["portal"]
    row.revision, row.updated_at = row.revision + 1, utcnow()
    s.add(row)
    s.flush()
    for old in s.exec(select(RolePermission).where(RolePermission.role_code == row.code)):
        s.delete(old)
    s.flush()
    for p in change["permissions"]:
        s.add(RolePermission(role_code=row.code, permission=p))
    after = {"name": row.name, "description": row.description, "portal": row.portal,
             "revision": row.revision, "permissions": change["permissions"]}
    audit.record(s, actor, "role.created" if before is None else "role.changed", "role",
                 row.code, before, after, reason)


def delete(actor: Actor, code: str, reason: str = "", url: str | None = None) -> None:
    actor.require_permission("roles.manage")
    with UnitOfWork(url) as s:
        row = s.get(Role, code)
        if row is None:
            raise NotFound(f"role {code}")
        if row.built_in:
            raise Conflict(f"{code} is a built-in role and cannot be deleted")
        if s.exec(select(AppUser.id).where(AppUser.role == code)).first() is not None:
            raise Conflict(f"users still hold the {code} role: assign them another first")
        before = {"name": row.name, "permissions": sorted(role_permissions(s, code))}
        for p in s.exec(select(RolePermission).where(RolePermission.role_code == code)):
            s.delete(p)
        s.flush()
        s.delete(row)
        audit.record(s, actor, "role.deleted", "role", code, before, None, reason)


def _apply_approved(s, actor: Actor, row) -> None:
    """An approved role change request applies the change as it was requested."""
    apply_change(s, actor, row.payload, row.reason)


approvals.register("role", _apply_approved)

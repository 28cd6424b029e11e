"""The roles section of configuration-as-data (issue 7 item 5): roles with their permissions,
organisations, and the maker-checker settings, as one plain document.

    snapshot() -> dict                  the current section
    validate(doc) -> [(path, reason)]   every error with its JSON path; [] when valid
    diff(doc) -> [(path, before, after)]  what apply would change (a dry run)
    apply(doc, actor)                   apply all of it in one unit of work, or nothing

Applying never deletes (a role or organisation missing from the document stays); it creates
and updates, through the same rules as the admin pages (the grant rule included).
"""
from sqlmodel import select

from domain.kernel import permissions as catalogue
from domain.db.access_tables import ApprovalPolicy, Organisation, Role
from domain.db.tables import utcnow
from domain.db.uow import UnitOfWork
from domain.kernel.errors import ValidationError
from domain.access import approvals
from domain.audit import trail as audit
from domain.access import organisations, roles
from domain.access.accounts import role_permissions
from domain.kernel.actor import Actor

SECTION = "roles"


def snapshot(url: str | None = None) -> dict:
    with UnitOfWork(url) as s:
        return snapshot_in(s)


def snapshot_in(s) -> dict:
    """The section as read in the caller's unit of work (the config import's one transaction)."""
    if True:
        return {
            "roles": [{"code": r.code, "name": r.name, "description": r.description,
                       "portal": r.portal, "permissions": sorted(role_permissions(s, r.code))}
                      for r in s.exec(select(Role).order_by(Role.code))],
            "organisations": [{"name": o.name, "kind": o.kind}
                              for o in s.exec(select(Organisation).order_by(Organisation.name))],
            "approvals": {k: approvals.required(s, k) for k in approvals.KINDS},
        }


def validate(doc) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    if not isinstance(doc, dict):
        return [("", "must be an object with roles, organisations and approvals")]
    for key in set(doc) - {"roles", "organisations", "approvals"}:
        errors.append((key, "is not a known key"))
    seen = set()
    for i, r in enumerate(doc.get("roles") or []):
        at = f"roles[{i}]"
        if not isinstance(r, dict):
            errors.append((at, "must be an object"))
            continue
        code = r.get("code")
        if not isinstance(code, str) or not roles.CODE.match(code):
            errors.append((f"{at}.code", "must be 2-32 lower-case letters, digits or _"))
        elif code in seen:
            errors.append((f"{at}.code", f"{code} appears twice"))
        seen.add(code)
        if not isinstance(r.get("name"), str) or not r["name"].strip() or len(r["name"]) > 80:
            errors.append((f"{at}.name", "is required (at most 80 characters)"))
        if r.get("portal") not in catalogue.PORTALS:
            errors.append((f"{at}.portal", f"must be one of {', '.join(catalogue.PORTALS)}"))
        perms = r.get("permissions")
        if not isinstance(perms, list) or not all(isinstance(p, str) for p in perms):
            errors.append((f"{at}.permissions", "must be a list of permission codes"))
        else:
            for j, p in enumerate(perms):
                if p not in catalogue.CODES:
                    errors.append((f"{at}.permissions[{j}]", f"unknown permission {p}"))
    names = set()
    for i, o in enumerate(doc.get("organisations") or []):
        at = f"organisations[{i}]"
        if not isinstance(o, dict) or not isinstance(o.get("name"), str) or not o["name"].strip():
            errors.append((f"{at}.name", "is required"))
            continue
        if o["name"] in names:
            errors.append((f"{at}.name", f"{o['name']} appears twice"))
        names.add(o["name"])
        if o.get("kind") not in organisations.KINDS:
            errors.append((f"{at}.kind", f"must be one of {', '.join(organisations.KINDS)}"))
    appr = doc.get("approvals") or {}
    if not isinstance(appr, dict):
        errors.append(("approvals", "must be an object of kind: true/false"))
    else:
        for k, v in appr.items():
            if k not in approvals.KINDS:
                errors.append((f"approvals.{k}", "is not a configuration kind"))
            elif not isinstance(v, bool):
                errors.append((f"approvals.{k}", "must be true or false"))
    return errors


def diff(doc: dict, url: str | None = None) -> list[tuple[str, object, object]]:
    """(path, before, after) for every value apply would change."""
    errors = validate(doc)
    if errors:
        raise ValidationError({p or "document": r for p, r in errors})
    return diff_from(snapshot(url), doc)


def diff_from(now: dict, doc: dict) -> list[tuple[str, object, object]]:
    out: list[tuple[str, object, object]] = []
    have = {r["code"]: r for r in now["roles"]}
    for r in doc.get("roles") or []:
        old = have.get(r["code"])
        for key in ("name", "description", "portal", "permissions"):
            new = sorted(set(r[key])) if key == "permissions" else r.get(key, "")
            before = old[key] if old else None
            if before != new:
                out.append((f"roles.{r['code']}.{key}", before, new))
    orgs = {o["name"]: o for o in now["organisations"]}
    for o in doc.get("organisations") or []:
        before = orgs.get(o["name"], {}).get("kind")
        if before != o["kind"]:
            out.append((f"organisations.{o['name']}.kind", before, o["kind"]))
    for k, v in (doc.get("approvals") or {}).items():
        if now["approvals"][k] != v:
            out.append((f"approvals.{k}", now["approvals"][k], v))
    return out


def apply(doc: dict, actor: Actor, url: str | None = None) -> int:
    """Apply the section; returns how many values changed. Invalid: nothing changes."""
    changes = diff(doc, url)
    with UnitOfWork(url) as s:
        apply_in(s, actor, doc, changes)
    return len(changes)


def apply_in(s, actor: Actor, doc: dict, changes) -> None:
    """Apply in the caller's unit of work; `changes` as diff() gives them."""
    actor.require_permission("roles.manage")
    if True:
        for r in doc.get("roles") or []:
            if any(p.startswith(f"roles.{r['code']}.") for p, _, _ in changes):
                roles.apply_change(s, actor, {**r, "create": s.get(Role, r["code"]) is None},
                                   "configuration import")
        for o in doc.get("organisations") or []:
            row = s.exec(select(Organisation).where(Organisation.name == o["name"])).first()
            if row is None or row.kind != o["kind"]:
                row = row or Organisation(name=o["name"], kind=o["kind"])
                row.kind = o["kind"]
                s.add(row)
                s.flush()
                audit.record(s, actor, "organisation.imported", "organisation", row.id, None,
                             {"name": row.name, "kind": row.kind}, "configuration import")
        for k, v in (doc.get("approvals") or {}).items():
            row = s.get(ApprovalPolicy, k) or ApprovalPolicy(kind=k)
            if bool(row.required) != v:
                actor.require_permission("config.approve")
                row.required, row.updated_by, row.updated_at = v, actor.user_id, utcnow()
                s.add(row)
                audit.record(s, actor, "approval_policy.changed", "approval_policy", k,
                             None, {"required": v}, "configuration import")

"""Admin user management: list users, create staff/dealer/agent users, assign a role and an
organisation, deactivate. Assigning a role is granting its permissions, so the same rule
holds as for editing roles: an admin cannot give what they do not hold."""
from sqlmodel import select

from domain.db.access_tables import Organisation, Role, RolePermission
from domain.db.tables import AppUser, UserSession, utcnow
from domain.db.uow import UnitOfWork
from domain.kernel.errors import Conflict, NotFound, ValidationError
from domain.access import accounts
from domain.audit import trail as audit
from domain.kernel.actor import Actor


def listing(actor: Actor, url: str | None = None) -> list[dict]:
    actor.require_permission("users.manage")
    with UnitOfWork(url) as s:
        orgs = {o.id: o.name for o in s.exec(select(Organisation))}
        names = {r.code: r.name for r in s.exec(select(Role))}
        return [{"id": u.id, "email": u.email, "name": u.name, "role": u.role,
                 "role_name": names.get(u.role, u.role), "organisation_id": u.organisation_id,
                 "organisation": orgs.get(u.organisation_id, ""), "active": u.active}
                for u in s.exec(select(AppUser).order_by(AppUser.id))]


def create(actor: Actor, email: str, password: str, name: str, role: str,
           organisation_id: int | None = None, url: str | None = None) -> int:
    return accounts.create_user(actor, email, password, name, role, url, organisation_id)


def assign(actor: Actor, user_id: int, role: str, organisation_id: int | None,
           reason: str = "", url: str | None = None) -> None:
    """Give a user a role (and organisation); takes effect on their next request."""
    actor.require_permission("users.manage")
    with UnitOfWork(url) as s:
        user = s.get(AppUser, user_id)
        if user is None:
            raise NotFound(f"user {user_id}")
        if user.id == actor.user_id and role != user.role:
            raise Conflict("you cannot change your own role")
        errors = accounts.check_assignable(s, actor, role, organisation_id)
        if errors:
            raise ValidationError(errors)
        before = {"role": user.role, "organisation_id": user.organisation_id}
        user.role, user.organisation_id = role, organisation_id
        s.add(user)
        audit.record(s, actor, "user.role_assigned", "user", user.id, before,
                     {"role": role, "organisation_id": organisation_id}, reason)


def deactivate(actor: Actor, user_id: int, reason: str = "", url: str | None = None) -> None:
    """The user can no longer sign in; their open sessions end at once."""
    actor.require_permission("users.manage")
    with UnitOfWork(url) as s:
        user = s.get(AppUser, user_id)
        if user is None:
            raise NotFound(f"user {user_id}")
        if user.id == actor.user_id:
            raise Conflict("you cannot deactivate yourself")
        held = frozenset(s.exec(select(RolePermission.permission)
                                .where(RolePermission.role_code == user.role)).all())
        if held - actor.permissions:  # taking away is as strong as giving
            raise ValidationError({"user": "holds permissions you do not hold yourself"})
        user.active = False
        s.add(user)
        for sess in s.exec(select(UserSession).where(UserSession.user_id == user.id,
                                                     UserSession.revoked_at.is_(None))):
            sess.revoked_at = utcnow()
            s.add(sess)
        audit.record(s, actor, "user.deactivated", "user", user.id, {"active": True},
                     {"active": False}, reason)

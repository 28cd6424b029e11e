"""Accounts: borrower sign-up, sign-in for every role, server-side sessions."""
import hashlib
import re
import secrets
from functools import lru_cache
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from domain.kernel import permissions as catalogue, settings
from domain.db.access_tables import Organisation, Role, RolePermission
from domain.db.tables import AppUser, UserSession, utcnow
from domain.db.uow import UnitOfWork
from domain.kernel.errors import PermissionDenied, ValidationError
from domain.audit import trail as audit
from domain.kernel.actor import Actor

@lru_cache(maxsize=4)
def _hasher_for(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def _hasher() -> PasswordHasher:
    """argon2id with the configured cost (default RFC 9106's low-memory profile: t=3, 64 MiB,
    p=4; the test suite lowers it, since it creates hundreds of accounts)."""
    c = settings.load()
    return _hasher_for(c.argon2_time_cost, c.argon2_memory_kib, c.argon2_parallelism)


SESSION_DAYS = 7
UNUSABLE_PASSWORD = "!"  # an account opened for an applicant or a boarded loan: no sign-in until claimed
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def hash_password(password: str) -> str:
    """argon2id hash for a password chosen by its owner (sign-up, account claim)."""
    return _hasher().hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _validate(email: str, password: str, name: str) -> dict[str, str]:
    errors = {}
    if not EMAIL.match(email):
        errors["email"] = "is not a valid e-mail address"
    if len(password) < 10:
        errors["password"] = "must be at least 10 characters"
    if not name.strip():
        errors["name"] = "is required"
    return errors


def role_permissions(s, role: str) -> frozenset[str]:
    return frozenset(s.exec(select(RolePermission.permission)
                            .where(RolePermission.role_code == role)).all())


def check_assignable(s, actor: Actor, role: str, organisation_id: int | None) -> dict[str, str]:
    """The role exists, the actor holds every permission it grants (a real user; the system
    and the demo loader are trusted), and the organisation exists."""
    errors = {}
    row = s.get(Role, role) if role else None
    if row is None:
        codes = s.exec(select(Role.code).order_by(Role.code)).all()
        errors["role"] = f"must be one of {', '.join(codes)}"
    elif actor.user_id is not None:
        lacking = catalogue.ungrantable(actor.permissions, role_permissions(s, role))
        if lacking:
            errors["role"] = ("grants permissions you do not hold yourself: "
                              + ", ".join(lacking))
    if organisation_id is not None and s.get(Organisation, organisation_id) is None:
        errors["organisation_id"] = "no such organisation"
    return errors


def create_user(actor: Actor, email: str, password: str, name: str, role: str,
                url: str | None = None, organisation_id: int | None = None) -> int:
    """Create a user of any role (admins and the demo loader); sign_up is the borrower path.
    An admin can only give a role whose permissions they hold themselves."""
    if role != "borrower" or actor.user_id is not None:
        actor.require_permission("users.manage")
    email = (email or "").strip().lower()
    errors = _validate(email, password or "", name or "")
    try:
        with UnitOfWork(url) as s:
            errors.update(check_assignable(s, actor, role, organisation_id))
            if errors:
                raise ValidationError(errors)
            if s.exec(select(AppUser).where(AppUser.email == email)).first():
                raise ValidationError({"email": "an account with this e-mail already exists"})
            user = AppUser(email=email, name=name.strip(), role=role,
                           organisation_id=organisation_id,
                           password_hash=_hasher().hash(password))
            s.add(user)
            s.flush()
            who = actor if actor.user_id is not None else Actor(user.id, role, email)
            audit.record(s, who, "user.created", "user", user.id, None, audit.snapshot(user))
            return user.id
    except IntegrityError:
        raise ValidationError({"email": "an account with this e-mail already exists"}) from None


def sign_up(email: str, password: str, name: str, url: str | None = None) -> int:
    return create_user(Actor(None, "borrower", "self-sign-up"), email, password, name,
                       "borrower", url)


def sign_in(email: str, password: str, url: str | None = None) -> str:
    """Return a fresh session token; the same vague error for unknown e-mail or bad password."""
    email = (email or "").strip().lower()
    with UnitOfWork(url) as s:
        user = s.exec(select(AppUser).where(AppUser.email == email)).first()
        try:
            if user is None or not user.active:
                raise VerificationError()
            _hasher().verify(user.password_hash, password or "")
        except (VerificationError, InvalidHashError):
            raise PermissionDenied("e-mail or password is not correct") from None
        token = secrets.token_urlsafe(32)
        s.add(UserSession(token_hash=_token_hash(token), user_id=user.id,
                          expires_at=utcnow() + timedelta(days=SESSION_DAYS)))
        audit.record(s, Actor(user.id, user.role, user.email), "user.signed_in", "user", user.id)
        return token


def resolve(token: str | None, url: str | None = None) -> Actor | None:
    """The actor behind a session token, or None if absent, expired or revoked."""
    if not token:
        return None
    with UnitOfWork(url) as s:
        row = s.get(UserSession, _token_hash(token))
        if row is None or row.revoked_at is not None:
            return None
        expires = row.expires_at
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=timezone.utc)
        if expires < datetime.now(timezone.utc):
            return None
        user = s.get(AppUser, row.user_id)
        if user is None or not user.active:
            return None
        return actor_for(s, user)


def actor_for(s, user: AppUser) -> Actor:
    """The user as an Actor with their role's permissions (read once here, per request or
    event: every check after this is a set lookup)."""
    role = s.get(Role, user.role)
    return Actor(user.id, user.role, user.email, role_permissions(s, user.role),
                 user.organisation_id, role.portal if role else "staff",
                 role.name if role else user.role)


def display_name(user_id: int, url: str | None = None) -> str:
    with UnitOfWork(url) as s:
        user = s.get(AppUser, user_id)
        return user.name if user else ""


def sign_out(token: str | None, url: str | None = None) -> None:
    if not token:
        return
    with UnitOfWork(url) as s:
        row = s.get(UserSession, _token_hash(token))
        if row and row.revoked_at is None:
            row.revoked_at = utcnow()
            s.add(row)


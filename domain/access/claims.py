"""Claiming an account opened for an applicant (by a dealer, field agent or partner): the
account has no usable password, so the applicant cannot sign in to accept the offer. Whoever
submitted the application (or staff) issues a one-time code; the applicant enters their
e-mail, the code and a new password of their own, and is signed in.

Safety: the code is 20 random characters from a 32-letter alphabet (100 bits), shown once and
kept only as a SHA-256; it opens only the account it was issued for (e-mail and code must
both match), only while that account has never had a password, within 72 hours, once; five
wrong codes for an account void its code; a new code voids the previous one. Every refusal
reads the same (no telling which part was wrong, or whether the e-mail has an account). The
issuer never learns the password, and nothing is mailed from here: the code is handed over
at the counter (or sent by the issuer's own channel).
"""
import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import select

from domain.db.origination_tables import AccountClaim
from domain.db.tables import AppUser, Application, utcnow
from domain.db.uow import UnitOfWork
from domain.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from domain.access import accounts
from domain.audit import trail as audit
from domain.kernel.actor import Actor
from domain.access.accounts import UNUSABLE_PASSWORD

VALID_FOR = timedelta(hours=72)
MAX_FAILURES = 5
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out at a counter
REFUSED = "this e-mail and code do not open an account (the code may be used or expired)"


def _hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def normalise(code: str) -> str:
    return "".join(c for c in str(code or "").upper() if c in ALPHABET)


def claimable(s, user: AppUser | None) -> bool:
    return user is not None and user.role == "borrower" and user.active \
        and user.password_hash == UNUSABLE_PASSWORD


def awaits_claim(actor: Actor, application_id: int, url: str | None = None) -> bool:
    """Whether this actor may issue a code for the application's applicant now."""
    with UnitOfWork(url) as s:
        app = s.get(Application, application_id)
        return app is not None and (actor.can("application.view") or (
            actor.user_id is not None and actor.user_id == app.submitted_by)) \
            and claimable(s, s.get(AppUser, app.borrower_id))


def issue(actor: Actor, application_id: int, url: str | None = None,
          now: datetime | None = None) -> str:
    """A new code for the applicant of `application_id` (returned once, formatted XXXXX-…);
    for whoever submitted the application, or staff."""
    now = now or utcnow()
    with UnitOfWork(url) as s:
        app = s.get(Application, application_id)
        if app is None or not (actor.can("application.view") or (
                actor.user_id is not None and actor.user_id == app.submitted_by)):
            raise NotFound("this application does not exist or is not yours")
        user = s.get(AppUser, app.borrower_id)
        if not claimable(s, user):
            raise Conflict("the applicant's account is already claimed: they sign in with "
                           "their own password")
        for old in s.exec(select(AccountClaim).where(AccountClaim.user_id == user.id,
                                                     AccountClaim.used_at.is_(None))):
            old.expires_at = min(_aware(old.expires_at), now)
            s.add(old)
        code = "".join(secrets.choice(ALPHABET) for _ in range(20))
        claim = AccountClaim(user_id=user.id, application_id=app.id, code_hash=_hash(code),
                             created_by=actor.user_id, created_at=now, expires_at=now + VALID_FOR)
        s.add(claim)
        s.flush()
        audit.record(s, actor, "account.claim_issued", "user", user.id, None,
                     {"claim_id": claim.id, "application_id": app.id,
                      "expires_at": claim.expires_at.isoformat()})
    return "-".join(code[i:i + 5] for i in range(0, 20, 5))


def claim(email: str, code: str, password: str, url: str | None = None,
          now: datetime | None = None) -> tuple[str, int | None]:
    """Set the applicant's own password with the code; returns (session token, the
    application the code was issued for)."""
    now = now or utcnow()
    if len(password or "") < 10:
        raise ValidationError({"password": "must be at least 10 characters"})
    email = (email or "").strip().lower()
    with UnitOfWork(url) as s:
        user = s.exec(select(AppUser).where(AppUser.email == email)).first()
        open_claim = None if not claimable(s, user) else s.exec(
            select(AccountClaim).where(AccountClaim.user_id == user.id,
                                       AccountClaim.used_at.is_(None))
            .order_by(AccountClaim.id.desc())).first()
        if open_claim is None or _aware(open_claim.expires_at) <= now \
                or open_claim.failed_attempts >= MAX_FAILURES:
            raise PermissionDenied(REFUSED)
        if not secrets.compare_digest(open_claim.code_hash, _hash(code)):
            open_claim.failed_attempts += 1
            s.add(open_claim)
            audit.record(s, Actor(None, "borrower", email), "account.claim_refused", "user",
                         user.id, None, {"failed_attempts": open_claim.failed_attempts})
            failed = True
        else:
            failed = False
            open_claim.used_at = now
            user.password_hash = accounts.hash_password(password)
            s.add_all([open_claim, user])
            audit.record(s, Actor(user.id, "borrower", email), "user.claimed", "user", user.id,
                         {"claimed": False}, {"claimed": True, "claim_id": open_claim.id})
            application_id = open_claim.application_id
    if failed:  # the failure is counted (committed above) before the refusal
        raise PermissionDenied(REFUSED)
    return accounts.sign_in(email, password, url), application_id


def _aware(ts: datetime) -> datetime:
    """SQLite returns naive UTC timestamps; PostgreSQL aware ones."""
    from datetime import timezone
    return ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)

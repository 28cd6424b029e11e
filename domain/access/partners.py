"""API partners: third-party apps that submit applications with a key of their own.

A key looks like `lbk_<prefix>_<secret>`; only the prefix (to find the partner) and a SHA-256 of
the whole key are stored, so a database leak does not leak usable keys. The key is shown once.
"""
import hashlib
import hmac
import secrets

from sqlmodel import select

from domain.db.origination_tables import ApiPartner
from domain.db.uow import UnitOfWork
from domain.kernel.errors import ValidationError
from domain.audit import trail as audit
from domain.kernel.actor import Actor


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_partner(actor: Actor, name: str, url: str | None = None) -> tuple[int, str]:
    """Returns (partner id, the key: shown only now)."""
    actor.require_permission("partners.manage")
    name = (name or "").strip()
    if not 2 <= len(name) <= 120:
        raise ValidationError({"name": "must be 2 to 120 characters"})
    prefix = secrets.token_hex(6)
    key = f"lbk_{prefix}_{secrets.token_urlsafe(32)}"
    with UnitOfWork(url) as s:
        partner = ApiPartner(name=name, key_prefix=prefix, key_hash=_digest(key))
        s.add(partner)
        s.flush()
        audit.record(s, actor, "partner.created", "api_partner", partner.id, None,
                     {"name": name, "key_prefix": prefix})
        return partner.id, key


def authenticate(key: str | None, url: str | None = None) -> ApiPartner | None:
    """The active partner holding this key, or None (compared in constant time)."""
    parts = (key or "").split("_")
    if len(parts) < 3 or parts[0] != "lbk":
        return None
    with UnitOfWork(url) as s:
        partner = s.exec(select(ApiPartner).where(ApiPartner.key_prefix == parts[1])).first()
        if partner is None or not partner.active:
            return None
        if not hmac.compare_digest(partner.key_hash, _digest(key)):
            return None
        s.expunge(partner)
        return partner


def partner_actor(partner: ApiPartner) -> Actor:
    """Partners act as themselves in the audit trail, with no staff role beyond intake."""
    return Actor(None, "api_partner", f"partner:{partner.id}:{partner.name}")

"""Portal branding as versioned data (the rules/workflow mechanism, versioned.py): an admin
saves a draft (validated whole), previews it, publishes it; the previous published version is
retired and kept. Every portal reads `current()` on each page load: one indexed query for the
published version number, the full row only when that number changed (so several workers all
see a publish on their next request, without a redeploy)."""
import threading

from sqlmodel import select

from domain.configuration import branding as rules
from domain.db.branding_tables import BrandingVersion
from domain.db.uow import UnitOfWork
from domain.audit import trail as audit
from domain.configuration import versioned
from domain.kernel.actor import Actor

CODE = "default"  # one lender today (domain.db.tables.Lender)
ENTITY = "branding"
_cache: dict[str, tuple[int, dict]] = {}  # database url -> (published version, view)
_lock = threading.Lock()


def _view(row: BrandingVersion | None) -> dict:
    b = rules.parse(row.definition) if row else rules.DEFAULT
    logo = row.logo_sha256 if row else None
    return {**b.to_dict(), "version": row.version if row else 0,
            "status": row.status if row else "default",
            "logo_sha256": logo or "", "logo_url": f"/brand/logo/{logo}" if logo else ""}


DEFAULT_VIEW = _view(None)


def save_draft(actor: Actor, data: dict, logo: bytes | None = None,
               clear_logo: bool = False, url: str | None = None) -> int:
    """A new draft version. Without a new logo the draft keeps the latest version's logo
    (unless `clear_logo`)."""
    actor.require_permission("branding.edit")
    brand = rules.parse(data)
    checked = rules.validate_logo(logo) if logo is not None else None
    with UnitOfWork(url) as s:
        version = versioned.next_version(s, BrandingVersion, CODE)
        prev = s.exec(select(BrandingVersion).where(BrandingVersion.code == CODE)
                      .order_by(BrandingVersion.version.desc())).first()
        versioned.add_draft(s, BrandingVersion, ENTITY, actor, CODE, version, brand.to_dict())
        row = versioned.get(s, BrandingVersion, ENTITY, CODE, version)
        if checked is not None:
            row.logo, row.logo_sha256, row.logo_mime = checked.content, checked.sha256, checked.mime
        elif prev is not None and not clear_logo:
            row.logo, row.logo_sha256, row.logo_mime = prev.logo, prev.logo_sha256, prev.logo_mime
        s.add(row)
        if row.logo_sha256 != (prev.logo_sha256 if prev else None):
            audit.record(s, actor, "branding.logo", ENTITY, f"{CODE} v{version}",
                         {"logo_sha256": prev.logo_sha256 if prev else None},
                         {"logo_sha256": row.logo_sha256, "mime": row.logo_mime})
        return version


def publish(actor: Actor, version: int, reason: str = "", url: str | None = None) -> int | None:
    """Publish a draft; the before/after of the audit record are the two definitions. Returns
    a change request id instead where branding changes need approval."""
    actor.require_permission("branding.edit")
    with UnitOfWork(url) as s:
        old = _published_row(s)
        new = versioned.get(s, BrandingVersion, ENTITY, CODE, version)
        before = {**(old.definition if old else rules.DEFAULT.to_dict()),
                  "version": old.version if old else 0,
                  "logo_sha256": old.logo_sha256 if old else None}
        after = {**new.definition, "version": version, "logo_sha256": new.logo_sha256}
        pending = versioned.publish(s, BrandingVersion, ENTITY, actor, CODE, version, reason)
        if pending is not None:  # maker-checker: a second admin publishes it (approvals.py)
            return pending
        audit.record(s, actor, "branding.changed", ENTITY, CODE, before, after, reason)
    with _lock:
        _cache.pop(url or "", None)
    return None


def preview(actor: Actor, version: int, url: str | None = None) -> dict:
    """A draft (or any version) as the portals would show it."""
    actor.require_permission("branding.edit")
    with UnitOfWork(url) as s:
        return _view(versioned.get(s, BrandingVersion, ENTITY, CODE, version))


def versions(actor: Actor, url: str | None = None) -> list[dict]:
    actor.require_permission("branding.edit")
    with UnitOfWork(url) as s:
        q = (select(BrandingVersion.version, BrandingVersion.status, BrandingVersion.definition,
                    BrandingVersion.logo_sha256, BrandingVersion.created_at,
                    BrandingVersion.published_at)
             .where(BrandingVersion.code == CODE).order_by(BrandingVersion.version.desc()))
        return [{"version": v, "status": st, "definition": d, "logo_sha256": h,
                 "created_at": c, "published_at": p} for v, st, d, h, c, p in s.exec(q)]


def _published_row(s) -> BrandingVersion | None:
    return s.exec(select(BrandingVersion).where(BrandingVersion.code == CODE,
                                                BrandingVersion.status == "published")).first()


def disclosure(s, key: str) -> str:
    """The published disclosure text `key` (rules.DISCLOSURE_KEYS), read in the caller's unit
    of work so the text a borrower accepts is the one stored with the acceptance."""
    row = _published_row(s)
    return (rules.parse(row.definition).disclosures.get(key, "") if row else "").strip()


def current(url: str | None = None) -> dict:
    """The published branding as the portals show it (the defaults before any publish).
    One indexed query per call; the row is read again only when the version changed."""
    with UnitOfWork(url) as s:
        version = s.exec(select(BrandingVersion.version).where(
            BrandingVersion.code == CODE, BrandingVersion.status == "published")).first() or 0
        key = url or ""
        hit = _cache.get(key)
        if hit and hit[0] == version:
            return hit[1]
        view = _view(_published_row(s) if version else None)
    with _lock:
        _cache[key] = (version, view)
    return view


def logo(sha256: str, url: str | None = None) -> tuple[str, bytes] | None:
    """(mime, bytes) of a logo by its hash, from any version (drafts too, for the preview)."""
    with UnitOfWork(url) as s:
        row = s.exec(select(BrandingVersion.logo_mime, BrandingVersion.logo).where(
            BrandingVersion.logo_sha256 == sha256).limit(1)).first()
        return (row[0], bytes(row[1])) if row else None

"""Portal branding on SQLite and PostgreSQL: a published draft becomes current(), the previous
version is kept (retired), drafts do not show, non-admins are refused, the publish is audited."""
import pytest
from sqlmodel import select

from domain.db.tables import AuditLog
from domain.db.uow import UnitOfWork
from domain.kernel.errors import Conflict, PermissionDenied, ValidationError
from domain.configuration import branding_versions as branding
from tests.images import png
from tests.integration.helpers import make_user

BRAND = {"name": "Acme Lending", "primary": "#1d3557", "accent": "#e63946",
         "support_email": "help@acme.test", "legal": "Acme Lending LLC."}


def test_publish_changes_current_and_keeps_the_previous_version(db_url, uniq):
    admin = make_user(db_url, uniq, "admin")
    logo = png(20, 10, (1, 2, 3))
    v1 = branding.save_draft(admin, {**BRAND, "name": f"First {uniq}"}, logo, url=db_url)
    branding.publish(admin, v1, "first", url=db_url)
    first = branding.current(db_url)
    assert first["name"] == f"First {uniq}" and first["version"] == v1
    assert first["logo_url"].startswith("/brand/logo/") and first["logo_sha256"]
    assert branding.logo(first["logo_sha256"], db_url) == ("image/png", logo)

    v2 = branding.save_draft(admin, {**BRAND, "name": f"Second {uniq}", "primary": "#6a040f"},
                             url=db_url)
    assert branding.current(db_url)["name"] == f"First {uniq}"  # a draft is not shown
    preview = branding.preview(admin, v2, db_url)
    assert preview["primary"] == "#6a040f" and preview["logo_sha256"] == first["logo_sha256"]
    branding.publish(admin, v2, "second", url=db_url)
    now = branding.current(db_url)
    assert (now["name"], now["primary"], now["version"]) == (f"Second {uniq}", "#6a040f", v2)
    statuses = {v["version"]: v["status"] for v in branding.versions(admin, db_url)}
    assert statuses[v1] == "retired" and statuses[v2] == "published"
    with pytest.raises(Conflict):
        branding.publish(admin, v1, url=db_url)
    with UnitOfWork(db_url) as s:
        change = s.exec(select(AuditLog).where(AuditLog.action == "branding.changed")
                        .order_by(AuditLog.id.desc())).first()
    assert change.before["name"] == f"First {uniq}" and change.after["name"] == f"Second {uniq}"
    assert change.actor_id == admin.user_id and change.reason == "second"


def test_another_worker_sees_the_publish(db_url, uniq):
    """The cache is per process; another worker's publish shows on the next read."""
    admin = make_user(db_url, uniq, "admin")
    branding.current(db_url)
    v = branding.save_draft(admin, {**BRAND, "name": f"Other {uniq}"}, url=db_url)
    with UnitOfWork(db_url) as s:
        branding.versioned.publish(s, branding.BrandingVersion, "branding", admin,
                                   branding.CODE, v)
    assert branding.current(db_url)["name"] == f"Other {uniq}"


@pytest.mark.parametrize("role", ["borrower", "servicer", "underwriter", "dealer"])
def test_non_admins_are_refused(db_url, uniq, role):
    admin = make_user(db_url, uniq, "admin", tag=f"a{role}")
    other = make_user(db_url, uniq, role)
    v = branding.save_draft(admin, BRAND, url=db_url)
    with pytest.raises(PermissionDenied):
        branding.save_draft(other, BRAND, url=db_url)
    with pytest.raises(PermissionDenied):
        branding.publish(other, v, url=db_url)
    with pytest.raises(PermissionDenied):
        branding.versions(other, db_url)


def test_an_invalid_draft_or_logo_saves_nothing(db_url, uniq):
    admin = make_user(db_url, uniq, "admin")
    before = len(branding.versions(admin, db_url))
    with pytest.raises(ValidationError) as e:
        branding.save_draft(admin, {**BRAND, "primary": "#ffff00"}, url=db_url)
    assert "contrast ratio" in e.value.errors["primary"]
    with pytest.raises(ValidationError):
        branding.save_draft(admin, BRAND, b"<svg/>", url=db_url)
    assert len(branding.versions(admin, db_url)) == before

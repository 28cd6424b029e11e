"""Roles as data on SQLite and PostgreSQL: a custom role's user holds exactly its permissions
(service layer and direct HTTP requests with the session cookie), edits are audited with a
revision, built-in roles cannot be deleted, and an admin cannot grant what they do not hold
(by editing a role, by assigning one, by creating a user)."""
import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from domain.db.tables import AuditLog
from domain.db.uow import UnitOfWork
from domain.kernel.errors import Conflict, PermissionDenied, ValidationError
from domain.access import accounts, roles, users
from domain.payments import ach_files
from domain.ledger import gl_export
from domain.servicing import payments, queries
from domain.kernel.actor import SYSTEM
from portal.api import api_app

PASSWORD = "correct-horse-battery"
CLERK = ["loan.view", "payment.post"]


def role(code, perms, name="Clerk", portal="staff", create=True):
    return {"code": code, "name": name, "description": "", "portal": portal,
            "permissions": perms, "create": create}


def signed_in(url, uniq, tag, role_code, org=None):
    email = f"{tag}-{uniq}@example.test"
    users.create(SYSTEM, email, PASSWORD, f"{tag} {uniq}", role_code, org, url)
    token = accounts.sign_in(email, PASSWORD, url)
    return token, accounts.resolve(token, url)


@pytest.fixture
def clerk(db_url, uniq, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)  # the HTTP routes resolve the cookie there
    code = f"clerk_{uniq}"
    roles.save(SYSTEM, role(code, CLERK), "payments desk", url=db_url)
    token, actor = signed_in(db_url, uniq, "clerk", code)
    return dict(url=db_url, uniq=uniq, code=code, token=token, actor=actor)


def test_a_custom_role_user_holds_exactly_its_permissions(clerk):
    a, url = clerk["actor"], clerk["url"]
    assert a.permissions == frozenset(CLERK) and a.role == clerk["code"] and a.portal == "staff"
    queries.list_loans(a, url)  # loan.view: allowed
    for refused in (lambda: gl_export.exports(a, url=url),
                    lambda: ach_files.list_files(a, url=url),
                    lambda: payments.reverse_payment(a, 1, "x", url=url),
                    lambda: roles.listing(a, url)):
        with pytest.raises(PermissionDenied) as e:
            refused()
        assert "Clerk role may not do this" in str(e.value)


def test_direct_requests_with_the_session_cookie_are_refused_by_the_backend(clerk):
    client = TestClient(api_app(), raise_server_exceptions=False)
    client.cookies.set("lb_session", clerk["token"])
    for path, needed in (("/api/v1/gl-exports/1.csv", "export.data"),
                         ("/api/v1/ach-files/1", "bank_files.manage")):
        r = client.get(path)
        assert r.status_code == 403, (path, r.text)
        assert needed in r.json()["errors"][0]["reason"]
    assert client.get("/api/v1/agent/me").status_code == 403


def test_a_role_edit_is_audited_with_before_after_and_a_revision(clerk):
    url, code = clerk["url"], clerk["code"]
    roles.save(SYSTEM, role(code, CLERK + ["payment.reverse"], create=False), "reversals too",
               url=url)
    row = next(r for r in roles.listing(SYSTEM, url) if r["code"] == code)
    assert row["revision"] == 2 and "payment.reverse" in row["permissions"]
    assert row["users"] == [f"clerk-{clerk['uniq']}@example.test"]
    with UnitOfWork(url) as s:
        rec = s.exec(select(AuditLog).where(AuditLog.entity == "role", AuditLog.entity_id == code,
                                            AuditLog.action == "role.changed")).one()
        assert rec.before["permissions"] == CLERK and rec.before["revision"] == 1
        assert rec.after["permissions"] == sorted(CLERK + ["payment.reverse"])
        assert rec.reason == "reversals too"
    # the next request of the signed-in clerk sees the new set (read with the session)
    assert accounts.resolve(clerk["token"], url).can("payment.reverse")


def test_an_admin_cannot_grant_a_permission_they_do_not_hold(db_url, uniq):
    limited = f"useradm_{uniq}"
    roles.save(SYSTEM, role(limited, ["roles.manage", "users.manage", "loan.view"]), url=db_url)
    _, adm = signed_in(db_url, uniq, "limited-admin", limited)
    with pytest.raises(ValidationError) as e:  # creating a role with more than they hold
        roles.save(adm, role(f"big_{uniq}", ["loan.view", "export.data"]), url=db_url)
    assert "export.data" in e.value.errors["permissions"]
    roles.save(adm, role(f"viewer_{uniq}", ["loan.view"]), url=db_url)  # within their set: ok
    with pytest.raises(ValidationError):  # editing a role to add what they lack
        roles.save(adm, role(f"viewer_{uniq}", ["loan.view", "audit.view"], create=False),
                   url=db_url)
    with pytest.raises(ValidationError) as e:  # assigning a role that has it
        users.create(adm, f"new-{uniq}@example.test", PASSWORD, "New", "admin", url=db_url)
    assert "do not hold" in e.value.errors["role"]
    _, someone = signed_in(db_url, uniq, "someone", f"viewer_{uniq}")
    with pytest.raises(ValidationError):
        users.assign(adm, someone.user_id, "servicer", None, url=db_url)
    users.assign(adm, someone.user_id, f"viewer_{uniq}", None, url=db_url)  # allowed
    assert "audit.view" not in next(r for r in roles.listing(SYSTEM, db_url)
                                    if r["code"] == f"viewer_{uniq}")["permissions"]


def test_built_in_roles_cannot_be_deleted_and_unknown_codes_are_refused(db_url, uniq):
    with pytest.raises(Conflict):
        roles.delete(SYSTEM, "servicer", url=db_url)
    with pytest.raises(ValidationError) as e:
        roles.save(SYSTEM, role(f"odd_{uniq}", ["loan.fly"]), url=db_url)
    assert "loan.fly" in e.value.errors["permissions"]
    roles.save(SYSTEM, role(f"temp_{uniq}", ["loan.view"]), url=db_url)
    roles.delete(SYSTEM, f"temp_{uniq}", url=db_url)
    assert f"temp_{uniq}" not in [r["code"] for r in roles.listing(SYSTEM, db_url)]


def test_deactivating_a_user_ends_their_sessions(clerk):
    users.deactivate(SYSTEM, clerk["actor"].user_id, "left", clerk["url"])
    assert accounts.resolve(clerk["token"], clerk["url"]) is None

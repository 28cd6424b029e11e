"""`GET /api/v1/documents/{id}`: the session cookie decides who gets the bytes. The applicant
and staff do; another borrower gets the same 404 as a missing document; no cookie (or a
revoked session) gets 401; every download is in the audit trail (SQLite and PostgreSQL)."""
import copy

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from domain.origination import application_request as intake
from domain.db.tables import AuditLog
from domain.db.uow import UnitOfWork
from domain.access import accounts
from domain.documents import store as document_store
from domain.origination import intake as intake_service
from integrations.bureau.local import LocalBureau
from portal.api import api_app
from tests.integration.helpers import make_product, make_user
from tests.integration.test_intake_api import VALID
from tests.unit.test_documents import REAL_PDF

PASSWORD = "correct-horse-battery"


@pytest.fixture
def world(db_url, uniq, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("LENDBOOK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LENDBOOK_DOCUMENT_KEY", "a-test-document-key-of-some-length")
    admin = make_user(db_url, uniq, "admin")
    code = f"DL{uniq}".upper()
    make_product(db_url, admin, uniq, code=code, workflow="standard")
    owner = make_user(db_url, uniq, "borrower", tag="owner")
    body = copy.deepcopy(VALID)
    body["product_code"] = code
    body["applicant"]["email"] = owner.label
    result, _ = intake_service.submit(intake.parse(body), "portal", owner, LocalBureau(),
                                      url=db_url)
    doc_id = document_store.store(owner, result.application_id, "proof_of_income",
                                  "pay stub (M\u00e4rz).pdf", "application/pdf", REAL_PDF,
                                  db_url)
    return dict(url=db_url, uniq=uniq, owner=owner, doc_id=doc_id,
                client=TestClient(api_app(), raise_server_exceptions=False))


def token_for(w, role, tag):
    """A signed-in session of a (new, unless it exists) user of this role."""
    if tag != "owner":
        make_user(w["url"], w["uniq"], role, tag=tag)
    return accounts.sign_in(f"{tag}-{role}-{w['uniq']}@example.test", PASSWORD, w["url"])


def get(w, token, doc_id=None):
    client = w["client"]
    client.cookies.clear()
    if token:
        client.cookies.set("lb_session", token)
    return client.get(f"/api/v1/documents/{doc_id or w['doc_id']}")


def downloads(w, doc_id):
    with UnitOfWork(w["url"]) as s:
        return [(a.actor_id, a.actor_label) for a in s.exec(select(AuditLog).where(
            AuditLog.entity == "document", AuditLog.entity_id == str(doc_id),
            AuditLog.action == "document.downloaded").order_by(AuditLog.id))]


def test_owner_and_staff_get_the_bytes_and_each_download_is_audited(world):
    w = world
    r = get(w, token_for(w, "borrower", "owner"))
    assert r.status_code == 200, r.text
    assert r.content == REAL_PDF
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''pay%20stub%20%28M%C3%A4rz%29.pdf" in r.headers["content-disposition"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "no-store" in r.headers["cache-control"]
    underwriter = token_for(w, "underwriter", "dl")
    r = get(w, underwriter)
    assert r.status_code == 200 and r.content == REAL_PDF
    who = downloads(w, w["doc_id"])
    assert len(who) == 2 and who[0][0] == w["owner"].user_id
    assert who[1][1] == f"dl-underwriter-{w['uniq']}@example.test"


def test_another_borrower_gets_404_like_a_missing_document_and_nothing_is_audited(world):
    w = world
    other = token_for(w, "borrower", "nosy")
    r = get(w, other)
    assert r.status_code == 404
    assert r.json()["errors"][0]["field"] == "document_id"
    assert REAL_PDF[:20] not in r.content
    missing = get(w, other, doc_id=w["doc_id"] + 10_000)
    assert missing.status_code == 404 and missing.json() == r.json()
    assert downloads(w, w["doc_id"]) == []


def test_no_cookie_a_bad_one_or_a_revoked_session_gets_401(world):
    w = world
    assert get(w, None).status_code == 401
    assert get(w, "not-a-session").status_code == 401
    token = token_for(w, "servicer", "gone")
    assert get(w, token).status_code == 200
    accounts.sign_out(token, w["url"])
    r = get(w, token)
    assert r.status_code == 401 and r.json()["errors"][0]["field"] == "lb_session"
    assert len(downloads(w, w["doc_id"])) == 1  # only the download made while signed in


def test_documents_go_through_the_installed_storage(world, monkeypatch):
    """The store writes sealed blobs through the storage port; a download reads them back."""
    from domain.documents import storage
    staff = make_user(world["url"], world["uniq"], "admin", tag="store")
    memory = storage.InMemory()
    storage.install(memory)
    try:
        doc_id = document_store.store(staff, None, "other", "note.pdf", "application/pdf",
                                      REAL_PDF, world["url"])
        assert list(memory.blobs) == [f"{doc_id}.bin"]
        assert REAL_PDF not in memory.blobs[f"{doc_id}.bin"]  # encrypted at rest
        _, content = document_store.read(staff, doc_id, world["url"])
        assert content == REAL_PDF
    finally:
        storage.install(None)

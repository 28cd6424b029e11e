"""Field agents' document uploads over HTTP (the app's own routes), on SQLite and PostgreSQL:
one upload per device key (a replay stores nothing), the server's sniffing refuses what the
device let through, and only the agent who submitted the application may attach to it."""
import pytest
from sqlmodel import select

from domain.db.origination_tables import Document, IdempotencyRecord
from domain.db.tables import AuditLog
from domain.db.uow import UnitOfWork
from domain.access import accounts
from domain.documents import store as document_store
from portal.api import api_app
from starlette.testclient import TestClient
from tests.integration.helpers import count, make_user
from tests.integration.test_agent_api import PASSWORD, agent, post  # noqa: F401
from tests.unit.test_documents import REAL_PDF

FAKE_PDF = b"%PDF-1.4\nthis is a text file with a PDF header, no trailer\n"


@pytest.fixture
def filed(agent, monkeypatch, tmp_path):
    monkeypatch.setenv("LENDBOOK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LENDBOOK_DOCUMENT_KEY", "a-test-document-key-of-some-length")
    r = post(agent, agent["body"], key="capture-1")
    assert r.status_code == 201, r.text
    return {**agent, "app_id": r.json()["application_id"]}


def upload(a, content, key="doc-1", kind="id", filename="licence.pdf",
           ctype="application/pdf", client=None, app_id=None):
    return (client or a["client"]).post(
        f"/api/v1/agent/applications/{app_id or a['app_id']}/documents",
        params={"kind": kind, "filename": filename}, content=content,
        headers={"Content-Type": ctype, "Idempotency-Key": f"{a['uniq']}-{key}"})


def docs(a) -> list[Document]:
    with UnitOfWork(a["url"]) as s:
        return list(s.exec(select(Document).where(Document.application_id == a["app_id"])))


def test_an_upload_is_stored_once_and_a_replay_answers_the_same(filed):
    first = upload(filed, REAL_PDF)
    assert first.status_code == 201, first.text
    assert first.headers["Idempotent-Replayed"] == "false"
    again = upload(filed, REAL_PDF)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    [doc] = docs(filed)
    assert (doc.id, doc.kind, doc.filename, doc.mime, doc.uploaded_by) == (
        first.json()["document_id"], "id", "licence.pdf", "application/pdf",
        filed["actor"].user_id)
    _, content = document_store.read(filed["actor"], doc.id, filed["url"])
    assert content == REAL_PDF  # the bytes round-trip through encryption at rest
    assert count(filed["url"], AuditLog, AuditLog.action == "document.stored",
                 AuditLog.entity_id == str(doc.id)) == 1
    # the same key with another file is a conflict, and stores nothing
    other = upload(filed, REAL_PDF + b"\n", filename="other.pdf")
    assert other.status_code == 409 and "different document" in other.text
    assert len(docs(filed)) == 1


@pytest.mark.parametrize("content,filename,ctype,reason", [
    (FAKE_PDF, "payslip.pdf", "application/pdf", "is not a valid PDF file"),
    (b"plain words", "payslip.pdf", "application/pdf", "is not a PDF, JPEG or PNG file"),
    (REAL_PDF, "payslip.png", "image/png", "looks like a PDF but is named .png"),
    (b"", "payslip.pdf", "application/pdf", "is empty"),
])
def test_the_servers_sniffing_refuses_and_stores_nothing(filed, content, filename, ctype, reason):
    before = count(filed["url"], IdempotencyRecord)
    r = upload(filed, content, filename=filename, ctype=ctype, kind="proof_of_income")
    assert r.status_code == 422
    assert r.json() == {"errors": [{"field": "file", "reason": r.json()["errors"][0]["reason"]}]}
    assert reason in r.json()["errors"][0]["reason"]
    assert docs(filed) == [] and count(filed["url"], IdempotencyRecord) == before


def test_too_large_a_bad_kind_and_a_missing_key_are_refused(filed):
    big = upload(filed, b"%PDF-" + b"0" * (10 * 1024 * 1024))
    assert big.status_code == 413 and "10 MiB" in big.text
    assert upload(filed, REAL_PDF, kind="agreement").status_code == 422
    r = filed["client"].post(f"/api/v1/agent/applications/{filed['app_id']}/documents",
                             params={"kind": "id"}, content=REAL_PDF,
                             headers={"Content-Type": "application/pdf"})
    assert r.status_code == 400 and "Idempotency-Key" in r.text
    assert docs(filed) == []


def test_only_the_agent_who_submitted_may_attach(filed):
    other = make_user(filed["url"], filed["uniq"], "field_agent", tag="other")
    client = TestClient(api_app(), raise_server_exceptions=False)
    client.cookies.set("lb_session", accounts.sign_in(other.label, PASSWORD, filed["url"]))
    assert upload(filed, REAL_PDF, client=client).status_code == 404
    assert upload(filed, REAL_PDF, app_id=10**8).status_code == 404
    dealer = make_user(filed["url"], filed["uniq"], "dealer", tag="d")
    client.cookies.set("lb_session", accounts.sign_in(dealer.label, PASSWORD, filed["url"]))
    assert upload(filed, REAL_PDF, client=client).status_code == 403
    assert docs(filed) == []

"""A field agent attaches documents to a capture with the network cut for real (NetCut, and
the context offline), then syncs: the application is created, then its documents, each once.

The device refuses a plainly wrong file at once; a file that passes the device's check but not
the server's sniffing (a text file with a PDF header) is refused by the server and the agent
sees why. What waits on the device is encrypted (AES-GCM, non-extractable key): the test
reads IndexedDB raw and finds no name and no PDF bytes. The underwriter then sees the
uploaded document on the application, and a second sync uploads nothing.
"""
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.netcut import NetCut
from tests.browser.pages import DEMO_PASSWORD, sign_in
from domain.access import accounts
from domain.kernel.actor import SYSTEM
from tests.browser.test_agent_offline import capture, net, phone  # noqa: F401
from tests.unit.test_documents import REAL_PDF

pytestmark = pytest.mark.browser
DORA = {"First name": "Dora", "Last name": "Quill", "SSN, last 4 digits": "8888",
        "E-mail": "dora.quill@field.example", "Amount": "4500"}
TEXT = b"Pay period: March. Net pay 4,210.00\n"
FAKE_PDF = b"%PDF-1.4\n" + TEXT  # passes the device's magic-byte check; the server refuses it

RAW_DUMP = """async () => {
  const db = await new Promise((ok, no) => {
    const r = indexedDB.open("lendbook-agent"); r.onsuccess = () => ok(r.result);
    r.onerror = () => no(r.error); });
  const all = (name) => new Promise((ok) => {
    const r = db.transaction(name).objectStore(name).getAll(); r.onsuccess = () => ok(r.result); });
  const text = (v) => v instanceof ArrayBuffer || ArrayBuffer.isView(v)
    ? new TextDecoder("latin1").decode(v) : JSON.stringify(v);
  const flat = (row) => Object.values(row).map((v) => v && typeof v === "object" && !(v instanceof
    ArrayBuffer) && !ArrayBuffer.isView(v) ? Object.values(v).map(text).join("|") : text(v)).join("|");
  const captures = await all("captures"), documents = await all("documents");
  const [key] = await all("keys");
  let exported = "refused";
  try { await crypto.subtle.exportKey("raw", key); exported = "exported"; } catch (e) {}
  db.close();
  return {captures: captures.map(flat), documents: documents.map(flat),
          plain_keys: captures.map((c) => Object.keys(c).sort().join(",")),
          key: {type: key.type, extractable: key.extractable, algorithm: key.algorithm.name},
          exported};
}"""


def own_agent(app_url, name: str) -> str:
    """A field agent of the test's own (the demo's agent's applications belong to
    test_agent_offline, which counts them)."""
    email = f"{name.split()[0].lower()}@agents.example"
    accounts.create_user(SYSTEM, email, DEMO_PASSWORD, name, "field_agent", app_url.database_url)
    return email


def attach(page: Page, label: str, name: str, content: bytes, mime="application/pdf"):
    page.get_by_label(label, exact=True).set_input_files(
        {"name": name, "mimeType": mime, "buffer": content})


def test_documents_attached_offline_upload_once_after_the_application(
        phone, net: NetCut, app_url: str, browser, artifacts):  # noqa: F811
    agent = own_agent(app_url, "Gus Field-Agent")
    page = phone.new_page()
    base = net.url()
    page.goto(base + "/login?next=/agent/")
    page.get_by_label("E-mail").fill(agent)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + "/agent/")
    expect(page.locator("#who")).to_have_text(re.compile("Signed in as Gus Field-Agent"))
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    expect(page.get_by_label("Product").locator("option", has_text="PERSONAL")).to_have_count(1)

    net.cut()
    phone.set_offline(True)
    forwarded = net.forwarded
    response = page.reload()
    assert response is not None and response.from_service_worker
    expect(page.locator("#net")).to_have_text("Offline")

    # The device refuses a text file named .pdf before anything is saved.
    attach(page, "ID document", "licence.pdf", TEXT)
    page.get_by_role("button", name="Save on this device").click()  # nothing else filled in
    expect(page.locator("#e-doc-id")).to_have_text("licence.pdf is not a PDF, JPEG or PNG file")
    expect(page.locator("#form-errors")).to_contain_text(
        "ID document: licence.pdf is not a PDF, JPEG or PNG file")
    expect(page.locator("#queue li")).to_have_count(0)

    attach(page, "ID document", "licence.pdf", REAL_PDF)
    attach(page, "Proof of income", "payslip.pdf", FAKE_PDF)
    capture(page, DORA)
    expect(page.locator("#saved-msg")).to_contain_text("with 2 documents")
    dora = page.locator("#queue li").filter(has_text="Dora Quill")
    expect(dora.locator(".badge")).to_have_text("Queued")
    expect(dora.locator("li.doc")).to_have_text([
        "ID document: licence.pdf: Waiting to upload",
        "Proof of income: payslip.pdf: Waiting to upload"])
    page.screenshot(path=str(artifacts / "agent-documents-offline.png"), full_page=True)

    # At rest on the device: sealed. No name, no e-mail, no PDF bytes in any raw record, and
    # the key cannot be exported.
    raw = page.evaluate(RAW_DUMP)
    assert raw["key"] == {"type": "secret", "extractable": False, "algorithm": "AES-GCM"}
    assert raw["exported"] == "refused"
    assert len(raw["captures"]) == 1 and len(raw["documents"]) == 2
    assert "body" not in raw["plain_keys"][0] and "sealed" in raw["plain_keys"][0]
    for row in raw["captures"] + raw["documents"]:
        for secret in ("Dora", "Quill", "dora.quill", "%PDF", "Net pay", "licence", "payslip"):
            assert secret not in row, f"{secret!r} is readable at rest"
    page.reload()  # the sealed queue opens again (the same key, from IndexedDB)
    expect(dora).to_contain_text("licence.pdf")
    assert net.forwarded == forwarded, "a connection reached the app while the network was cut"

    # Back online: the application is created, then the documents go, each once.
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    net.restore()
    phone.set_offline(False)
    expect(dora.locator(".badge")).to_have_text("Synced: approved")
    expect(dora.locator("li.doc.uploaded")).to_have_text(
        re.compile(r"ID document: licence\.pdf: Uploaded \(document #\d+\)"))
    refused = dora.locator("li.doc.refused")
    expect(refused).to_contain_text("Proof of income: payslip.pdf: Refused by the server")
    expect(refused).to_contain_text("is not a valid PDF file (it may be damaged, cut short or "
                                    "renamed)")
    expect(page.locator("#sync-status")).to_contain_text("Uploaded 1 document.")
    expect(page.locator("#sync-status")).to_contain_text("1 document was refused.")
    page.screenshot(path=str(artifacts / "agent-documents-synced.png"), full_page=True)
    doc_posts = [u for u in posts if "/documents" in u]
    assert len([u for u in posts if u.endswith("/api/v1/agent/applications")]) == 1
    assert len(doc_posts) == 2
    app_id = re.search(r"/applications/(\d+)/documents", doc_posts[0]).group(1)
    doc_id = re.search(r"document #(\d+)", dora.locator("li.doc.uploaded").inner_text()).group(1)
    statuses = page.evaluate("""async () => { const r = indexedDB.open("lendbook-agent");
      const db = await new Promise((ok) => { r.onsuccess = () => ok(r.result); });
      const rows = await new Promise((ok) => { const q = db.transaction("documents")
        .objectStore("documents").getAll(); q.onsuccess = () => ok(q.result); });
      db.close(); return rows.map((x) => [x.status, x.blob === null]).sort(); }""")
    assert statuses == [["refused", True], ["uploaded", True]]  # the bytes left the device

    # A second sync (opening the page again syncs) sends nothing more.
    page.reload()
    expect(page.locator("html[data-ready=true]")).to_be_attached()
    page.wait_for_timeout(1500)
    assert [u for u in posts if "/documents" in u] == doc_posts
    expect(dora.locator("li.doc.uploaded")).to_contain_text(f"document #{doc_id}")

    # The underwriter sees the document on the application.
    staff = browser.new_page()
    sign_in(staff, app_url, "underwriter@demo.lendbook.dev")
    staff.goto(f"{app_url}/underwriting/{app_id}")
    expect(staff.locator("#application-title")).to_contain_text("Dora Quill")
    docs = staff.locator("#documents")
    expect(docs.get_by_role("link", name="licence.pdf")).to_have_attribute(
        "href", f"/api/v1/documents/{doc_id}")
    expect(docs).to_contain_text("ID document")
    expect(docs.get_by_text("payslip.pdf")).to_have_count(0)  # refused: never stored
    staff.screenshot(path=str(artifacts / "agent-documents-underwriter.png"), full_page=True)
    staff.close()

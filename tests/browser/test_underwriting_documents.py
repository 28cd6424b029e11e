"""An underwriter downloads a document from /underwriting/[id] with a real click: the file
arrives (the same bytes that were uploaded) and the page stays live: its websocket is never
closed, and the next event (opening the queue, whose rows load over the websocket) answers."""
import json
import re
import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.pages import sign_in
from tests.browser.test_agent_documents import own_agent
from tests.unit.test_documents import REAL_PDF

pytestmark = pytest.mark.browser


def agent_application_with_a_document(browser: Browser, app_url: str) -> str:
    """An agent's application with an ID document, through the agent API (the capture page
    itself is tested in test_agent_documents)."""
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, app_url, own_agent(app_url, "Ida Field-Agent"))
    body = {"product_code": "PERSONAL", "amount": "3500.00", "term": 12,
            "consent_credit_check": True,
            "applicant": {"first_name": "Ivo", "last_name": "Brandt",
                          "date_of_birth": "1980-01-15", "ssn_last4": "8888",
                          "email": f"ivo.{uuid.uuid4().hex[:8]}@field.example",
                          "phone": "+1 217 555 0199",
                          "address": {"line1": "3 Oak Ave", "city": "Springfield",
                                      "state": "IL", "postal_code": "62701"},
                          "employment": {"status": "employed", "months_employed": 40},
                          "monthly_income": "5800.00"}}
    r = page.request.post(app_url + "/api/v1/agent/applications", data=json.dumps(body),
                          headers={"Content-Type": "application/json",
                                   "Idempotency-Key": str(uuid.uuid4())})
    assert r.status == 201, r.text()
    app_id = r.json()["application_id"]
    d = page.request.post(f"{app_url}/api/v1/agent/applications/{app_id}/documents"
                          "?kind=id&filename=passport.pdf", data=REAL_PDF,
                          headers={"Content-Type": "application/pdf",
                                   "Idempotency-Key": str(uuid.uuid4())})
    assert d.status == 201, d.text()
    context.close()
    return str(app_id)


def test_a_document_link_downloads_and_the_page_stays_live(browser: Browser, page: Page,
                                                           app_url: str, tmp_path, artifacts):
    app_id = agent_application_with_a_document(browser, app_url)
    closed = []
    page.on("websocket", lambda ws: ws.on("close", lambda _: closed.append(ws.url)))
    sign_in(page, app_url, "underwriter@demo.lendbook.dev")
    page.goto(f"{app_url}/underwriting/{app_id}")
    expect(page.locator("#application-title")).to_contain_text("Ivo Brandt")
    closed.clear()  # sign-in's full page loads closed their sockets; from here none may close
    link = page.locator("#documents").get_by_role("link", name="Download passport.pdf")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "passport.pdf"
    saved = tmp_path / "passport.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == REAL_PDF
    expect(page).to_have_url(re.compile(rf"/underwriting/{app_id}/?$"))  # no navigation
    page.wait_for_timeout(1000)  # a dropped socket closes within this
    assert closed == [], f"the page's websocket closed: {closed}"
    page.screenshot(path=str(artifacts / "underwriting-document-downloaded.png"))
    # still live: a client-side navigation whose data arrives over the same websocket
    page.get_by_role("link", name="Back to the queue").click()
    # (the queue's count arrives over the websocket; which demo applications are still queued
    # depends on the browser tests before this one)
    expect(page.locator("#queue-count")).to_have_text(
        re.compile(r"\d+ of [1-9]\d* applications shown"))
    assert closed == []

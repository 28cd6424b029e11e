"""An underwriter works a referred application: signs in and lands on the queue, opens the
demo's thin-file API application, reads the bureau data and rule results, requests a document,
is refused an amount outside the product's range (the reason under the field), approves a
changed amount, and sees the application move to the offer stage. A borrower is refused."""
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.pages import sign_in

pytestmark = pytest.mark.browser


def test_underwriter_works_a_referred_application(page: Page, app_url: str, artifacts):
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, app_url, "underwriter@demo.lendbook.dev")
    expect(page).to_have_url(re.compile(r"/underwriting/?$"))
    expect(page.get_by_role("link", name="Underwriting")).to_be_visible()
    queue = page.locator("#queue table")
    row = queue.get_by_role("row").filter(has_text="Tom Reed")
    expect(row).to_contain_text("Underwriting review")
    expect(row).to_contain_text("Thin credit file: manual review")
    expect(row).to_contain_text("Partner API")
    expect(queue.get_by_role("row").filter(has_text="Lena Park")).to_contain_text("Dealer")
    page.screenshot(path=str(artifacts / "underwriting-queue-desktop.png"), full_page=True)

    # filter by stage: Tom Reed (in review) goes; whatever stays is at funding (the demo has
    # none there, but another test of the session may have left one)
    page.get_by_label("Stage").select_option("funding")
    expect(queue.get_by_role("row").filter(has_text="Tom Reed")).to_have_count(0)
    shown = page.locator("#queue table tbody tr")
    for i in range(shown.count()):
        expect(shown.nth(i)).to_contain_text("Funding")
    if shown.count() == 0:
        expect(page.locator("#queue-empty")).to_be_visible()
    page.get_by_label("Stage").select_option("")
    row.get_by_role("link", name="Tom Reed").click()
    expect(page).to_have_url(re.compile(r"/underwriting/\d+/?$"))
    expect(page.locator("#application-title")).to_contain_text("Tom Reed")
    current = page.locator("#stage-tracker [aria-current=step]")
    expect(current).to_contain_text("Underwriting review")

    bureau = page.locator("#bureau")
    expect(bureau).to_contain_text("Thin credit file")
    expect(bureau.get_by_text("No score", exact=True)).to_be_visible()
    expect(bureau).to_contain_text("925.00")  # monthly debt on file
    rules = page.locator("#rules table")
    thin = rules.get_by_role("row").filter(has_text="Thin file")
    expect(thin).to_contain_text("bureau.thin_file")
    expect(thin).to_contain_text("fired")
    expect(rules.get_by_role("row").filter(has_text="Score floor")).to_contain_text("not fired")
    expect(page.locator("#decision")).to_contain_text("credit v1")

    # request a document: the reason (note) is required first
    page.get_by_role("tab", name="Request documents").click()
    page.get_by_label("Proof of income").check()
    page.get_by_role("button", name="Request documents").click()
    expect(page.locator("#request-note-error")).to_contain_text("is required")
    page.get_by_label("Note to the borrower").press_sequentially("Latest pay stub, please")
    page.get_by_role("button", name="Request documents").click()
    expect(page.locator("#action-notice")).to_contain_text("Requested Proof of income")
    conditions = page.locator("#conditions")
    expect(conditions).to_contain_text("Proof of income")
    expect(conditions).to_contain_text("Latest pay stub, please")
    expect(conditions.get_by_text("open", exact=True)).to_be_visible()

    # approve: an amount outside the product's range is refused, the reason under the field
    page.get_by_role("tab", name="Approve").click()
    amount = page.get_by_label("New amount (optional)")
    amount.press_sequentially("90000")
    page.get_by_label("Reason for the approval").press_sequentially("Stable job, income covers it")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator("#approve-amount-error")).to_contain_text(
        "between 1,000.00 and 25,000.00")
    expect(page.locator("#action-error")).to_contain_text("Not approved")
    expect(current).to_contain_text("Underwriting review")
    amount.fill("")
    amount.press_sequentially("4000")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator("#action-notice")).to_contain_text("moved to Offer")
    expect(current).to_contain_text("Offer")
    expect(page.locator("#application-status")).to_have_text("approved")
    expect(page.locator("#terms")).to_contain_text("4,000.00 over 24 payments")
    expect(page.locator("#terms")).to_contain_text("changed by underwriting")
    history = page.locator("#history table")
    expect(history.get_by_role("row").filter(has_text="application.underwriter_approved")) \
        .to_contain_text("amount: 5,000.00 → 4,000.00")
    expect(history).to_contain_text("condition.opened")
    expect(page.get_by_role("tab", name="Approve")).to_have_count(0)  # done at this stage
    page.screenshot(path=str(artifacts / "underwriting-application-desktop.png"),
                    full_page=True)
    page.set_viewport_size({"width": 1024, "height": 768})
    page.reload()  # laid out afresh at tablet size
    expect(page.locator("#history table")).to_contain_text("application.underwriter_approved")
    expect(page.locator("#rules table")).to_contain_text("bureau.thin_file")
    page.screenshot(path=str(artifacts / "underwriting-application-tablet.png"),
                    full_page=True)

    # the queue no longer lists it (the borrower has the offer now)
    page.get_by_role("link", name="Back to the queue").click()
    expect(page.get_by_role("row").filter(has_text="Lena Park")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Tom Reed")).to_have_count(0)
    page.screenshot(path=str(artifacts / "underwriting-queue-tablet.png"), full_page=True)


def test_borrower_is_refused_the_underwriting_pages(browser: Browser, app_url: str):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, app_url, "borrower@demo.lendbook.dev")
    page.goto(app_url + "/underwriting")
    expect(page.locator("#access-denied")).to_contain_text("Borrower role may not do this")
    expect(page.get_by_role("table")).to_have_count(0)
    expect(page.get_by_role("link", name="Underwriting")).to_have_count(0)
    page.goto(app_url + "/underwriting/1")
    expect(page.locator("#access-denied")).to_contain_text("Borrower role may not do this")
    expect(page.locator("#actions")).to_have_count(0)
    context.close()

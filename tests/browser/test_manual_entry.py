"""Manual loan entry with maker-checker, in the browser: the servicer previews the schedule,
submits, cannot approve their own entry; an admin approves and the loan is booked."""
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import sign_in, sign_out

pytestmark = pytest.mark.browser
LOAN = {"External ref": "MAN-0001", "Product code": "PERSONAL", "Borrower name": "Hand Entered",
        "Borrower email": "hand.entered@example.com", "Borrower date of birth": "1979-03-03",
        "Address line1": "9 Elm St", "City": "Springfield", "State": "IL",
        "Postal code": "62701", "Funded amount": "3000.00", "Funding date": "2026-11-20",
        "Use product defaults": "yes", "Term": "12"}


def test_servicer_enters_a_loan_and_an_admin_approves_it(page: Page, app_url: str, artifacts):
    sign_in(page, app_url, "servicer@demo.lendbook.dev")
    page.goto(f"{app_url}/servicing/onboarding/manual")
    page.get_by_label("Postal code").fill("ABC")
    page.get_by_role("button", name="Preview schedule").click()
    expect(page.locator("#manual-message")).to_contain_text("Nothing was saved")
    for label, value in LOAN.items():
        page.get_by_label(re.compile(rf"^{label}( \*)?$")).fill(value)
    page.get_by_role("button", name="Preview schedule").click()
    expect(page.locator("#manual-message")).to_contain_text("12 installments")
    page.screenshot(path=str(artifacts / "manual-entry-preview.png"), full_page=True)
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("#manual-message")).to_contain_text("waits for a second person")
    row = page.get_by_role("row", name=re.compile("MAN-0001"))
    row.get_by_role("button", name="Approve").click()
    expect(page.locator("#manual-message")).to_contain_text("cannot approve")
    sign_out(page)
    sign_in(page, app_url, "admin@demo.lendbook.dev")
    page.goto(f"{app_url}/servicing/onboarding/manual")
    page.get_by_role("row", name=re.compile("MAN-0001")).get_by_role(
        "button", name="Approve").click()
    expect(page.locator("#manual-message")).to_contain_text(re.compile(r"booked as LN-\d{6}"))
    page.screenshot(path=str(artifacts / "manual-entry-approved.png"), full_page=True)

"""What the browser must refuse: duplicate sign-up, another borrower's loan, admin pages."""
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import fill, sign_in

pytestmark = pytest.mark.browser


def test_duplicate_sign_up_is_refused(page: Page, app_url: str):
    page.goto(app_url + "/signup")
    fill(page, {"Full name": "Someone Else", "E-mail": "borrower@demo.lendbook.dev",
                "Password": "a-long-password"})
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("an account with this e-mail already exists")
    expect(page).to_have_url(re.compile(r"/signup/?$"))


def test_borrower_cannot_open_others_loans_or_admin(page: Page, app_url: str, artifacts):
    page.goto(app_url + "/signup")
    fill(page, {"Full name": "Nosy Borrower", "E-mail": "nosy@example.test",
                "Password": "a-long-password"})
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/apply/?$"))
    page.goto(app_url + "/loans/LN-000001")  # the demo borrower's loan
    expect(page.locator("#access-denied")).to_contain_text("not yours to see")
    expect(page.locator("#principal-balance")).to_have_count(0)
    page.goto(app_url + "/admin/products")
    expect(page.locator("#access-denied")).to_contain_text("Borrower role may not do this")
    expect(page.get_by_role("button", name="Save draft")).to_have_count(0)
    expect(page.get_by_role("link", name="Products")).to_have_count(0)
    page.goto(app_url + "/servicing/LN-000001")
    expect(page.locator("#access-denied")).to_be_visible()
    page.screenshot(path=str(artifacts / "access-refused.png"))


def test_signed_out_visitor_is_sent_to_sign_in(page: Page, app_url: str):
    page.goto(app_url + "/loans")
    expect(page).to_have_url(re.compile(r"/login/?\?next=/loans/?$"))
    sign_in(page, app_url, "borrower@demo.lendbook.dev")
    expect(page).to_have_url(re.compile(r"/loans/?$"))
    expect(page.get_by_role("link", name="LN-000001", exact=True)).to_be_visible()

"""The product configurator with real clicks: the admin fills the form generated from the
product schema, watches the preview (schedule + APR), saves a draft, sees the diff, publishes;
a borrower applies at once and books the loan; the admin raises the rate and republishes
(the diff shows the rate), and the booked loan and its offer keep their numbers."""
import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import apply_for_loan, fill, guide_shot as shot, sign_in, sign_out

pytestmark = pytest.mark.browser


def test_admin_configures_publishes_and_republishes_a_product(page: Page, app_url: str,
                                                                artifacts):
    tag = uuid.uuid4().hex[:6].upper()
    code, product = f"CFG{tag}", f"Configured Loan {tag}"
    sign_in(page, app_url, "admin@demo.lendbook.dev")
    page.goto(app_url + "/admin/products")
    expect(page.get_by_role("heading", name="New product")).to_be_visible()
    fill(page, {"Product code": code, "Product name": product, "Minimum amount": "2000",
                "Maximum amount": "1500", "Minimum number of payments": "12",
                "Maximum number of payments": "60", "Annual interest rate (%)": "8.25",
                "Origination fee": "60"})
    # a cross-field error is shown beside its field, and the preview waits for a fix
    expect(page.locator("#setting-max_amount-error")).to_have_text(
        "must be at least the minimum amount")
    expect(page.locator("#preview")).to_have_count(0)
    fill(page, {"Maximum amount": "30000"})
    expect(page.locator("#setting-max_amount-error")).to_have_count(0)
    page.get_by_label("Workflow").select_option("instant")
    fill(page, {"Sample amount": "6000", "Sample number of payments": "12"})
    # the preview is the domain quote: 6,060 financed (fee) at 8.25% over 12 months
    expect(page.locator("#preview-installment")).to_have_text("527.85")
    expect(page.locator("#preview-apr")).to_have_text("10.13%")
    expect(page.locator("#preview-total")).to_have_text("6,334.20")
    expect(page.locator("#preview")).to_contain_text("Last installment (12")
    expect(page.locator("#preview .recharts-surface")).to_be_visible()
    fill(page, {"Sample number of payments": "6"})  # below the draft's minimum term
    expect(page.locator("#setting-sample_term-error")).to_contain_text("between 12 and 60")
    fill(page, {"Sample number of payments": "12"})
    expect(page.locator("#preview-apr")).to_have_text("10.13%")
    shot(page, artifacts, "admin-products.png")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: one column, no sideways
    expect(page.locator("#preview-apr")).to_have_text("10.13%")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(artifacts / "admin-products-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 720})

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text(f"Saved {code} version 1 as a draft.")).to_be_visible()
    diff = page.locator("#diff")
    expect(diff.get_by_role("row", name=re.compile(r"Annual interest rate \(%\) \(new\) 8\.25")))\
        .to_be_visible()
    page.get_by_label("Reason for the change").fill("Launch")
    page.get_by_role("button", name="Publish draft").click()
    expect(page.get_by_text(f"Published {code} version 1")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(f"{code} .* published"))).to_be_visible()
    sign_out(page)

    # a borrower applies for it at once and books the loan (the instant workflow)
    email = f"cfg-{tag.lower()}@example.test"
    page.goto(app_url + "/signup")
    fill(page, {"Full name": f"Config Borrower {tag}", "E-mail": email,
                "Password": "a-long-password"})
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/apply/?$"))
    apply_for_loan(page, product, "6000", "12")
    expect(page.locator("#application-status")).to_have_text("Approved")
    application_url = page.url
    offer = page.get_by_role("heading", name="Your offer").locator("..")
    expect(offer).to_contain_text("527.85")
    expect(offer).to_contain_text("10.13%")
    page.get_by_role("button", name="Accept offer").click()
    expect(page).to_have_url(re.compile(r"/loans/LN-\d{6}/?$"))
    loan_url = page.url
    expect(page.locator("#principal-balance")).to_have_text("6,060.00")
    expect(page.locator("#next-due-amount")).to_have_text("527.85")
    sign_out(page)

    # the admin raises the rate: the diff shows exactly the rate, then it is published
    sign_in(page, app_url, "admin@demo.lendbook.dev")
    page.goto(app_url + "/admin/products")
    page.get_by_role("button", name=f"Edit {code}").click()
    expect(page.get_by_role("heading", name=f"Edit {code}")).to_be_visible()
    expect(page.get_by_label("Annual interest rate (%)", exact=True)).to_have_value("8.25")
    fill(page, {"Annual interest rate (%)": "10.5", "Sample amount": "6000",
                "Sample number of payments": "12"})
    expect(page.locator("#preview-installment")).to_have_text("534.18")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text(f"Saved {code} version 2 as a draft.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(f"{code} .* 1 published v2 .*8.25%")))\
        .to_be_visible()  # version 1 stays in use until the draft is published
    expect(diff.locator("tbody tr")).to_have_count(1)
    expect(diff.locator("tbody tr")).to_have_text(re.compile(
        r"Annual interest rate \(%\)\s*8\.25\s*10\.5"))
    page.get_by_label("Reason for the change").fill("Funding costs up")
    page.locator("#diff").scroll_into_view_if_needed()
    shot(page, artifacts, "admin-product-diff.png")
    page.get_by_role("button", name="Publish draft").click()
    expect(page.get_by_text(f"Published {code} version 2")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(f"{code} .* 2 published .*10.5%")))\
        .to_be_visible()
    sign_out(page)

    # the booked loan and the earlier offer keep version 1's numbers
    sign_in(page, app_url, email, "a-long-password")
    page.goto(loan_url)
    expect(page.locator("#next-due-amount")).to_have_text("527.85")
    expect(page.locator("#principal-balance")).to_have_text("6,060.00")
    expect(page.locator("#schedule tbody tr")).to_have_count(12)
    page.goto(application_url)
    offer = page.get_by_role("heading", name="Your offer").locator("..")
    expect(offer).to_contain_text("527.85")
    expect(offer).to_contain_text("10.13%")

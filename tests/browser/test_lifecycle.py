"""One loan's whole life in the browser, as admin, borrower and servicer: product, application
in steps, offer, e-signature on the (fake) DocuSign page, funding, loan, payment."""
import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import (apply_for_loan, fill, fund_application, sign_in,
                                  sign_on_docusign, sign_out)

pytestmark = pytest.mark.browser


def test_thin_lifecycle(page: Page, app_url: str, artifacts):
    tag = uuid.uuid4().hex[:6].upper()
    product = f"Lifecycle Loan {tag}"

    # 1. The admin creates a loan product.
    sign_in(page, app_url, "admin@demo.lendbook.dev")
    page.goto(app_url + "/admin/products")
    fill(page, {"Product code": f"LC{tag}", "Product name": product, "Minimum amount": "1000",
                "Maximum amount": "20000", "Minimum number of payments": "6",
                "Maximum number of payments": "36", "Annual interest rate (%)": "9.5"})
    page.get_by_label("Repayment frequency").select_option("monthly")
    page.get_by_label("Amortization").select_option("equal_installments")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Publish draft").click()
    expect(page.get_by_text(f"Published LC{tag} version 1")).to_be_visible()
    expect(page.get_by_label("Loan products").get_by_role("cell", name=product)).to_be_visible()
    sign_out(page)

    # 2. A borrower signs up and applies; out-of-range first, then within the product.
    email = f"borrower-{tag.lower()}@example.test"
    page.goto(app_url + "/signup")
    fill(page, {"Full name": f"Test Borrower {tag}", "E-mail": email,
                "Password": "a-long-password"})
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/apply/?$"))
    page.get_by_label("Product").select_option(label=product)
    fill(page, {"Amount": "50000", "Number of payments": "12"})
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#amount-error")).to_contain_text("must be between 1,000.00 and 20,000.00")
    expect(page.get_by_label("First name")).to_have_count(0)  # still on the first step
    page.reload()  # what was saved is still there; nothing was stored for the bad amount
    apply_for_loan(page, product, "6000", "12")
    expect(page.locator("#application-status")).to_have_text("Approved")
    expect(page.locator("#decision-reasons")).to_contain_text("Payment is")
    expect(page.get_by_text("526.10")).to_be_visible()  # 6,000 at 9.5% over 12 months
    expect(page.get_by_text("9.50%")).to_be_visible()  # APR in the offer
    page.screenshot(path=str(artifacts / "borrower-offer.png"), full_page=True)
    pdf = artifacts / "pay-stub.pdf"  # a real (tiny) PDF, checked from its bytes on upload
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
                    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n"
                    b"<< /Root 1 0 R >>\n%%EOF\n")
    page.get_by_label("Document type").select_option("proof_of_income")
    page.locator("#doc-upload input[type=file]").set_input_files(str(pdf))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#documents")).to_contain_text("Proof of income: pay-stub.pdf")
    page.get_by_role("button", name="Accept offer and sign").click()
    sign_on_docusign(page, f"Test Borrower {tag}")
    expect(page.get_by_text("Your agreement is signed")).to_be_visible(timeout=15000)
    application_url = page.url.split("?")[0]
    sign_out(page)

    # 3. The admin approves the funding; the same record becomes the loan.
    sign_in(page, app_url, "admin@demo.lendbook.dev")
    fund_application(page, app_url, application_url.rstrip("/").rsplit("/", 1)[1])
    sign_out(page)
    sign_in(page, app_url, email, "a-long-password")
    page.goto(application_url)
    page.locator("#loan-link").click()

    # 3. The loan is booked: Loan ID, schedule, balance and next due date.
    expect(page).to_have_url(re.compile(r"/loans/LN-\d{6}/?$"))
    loan_number = re.search(r"LN-\d{6}", page.url).group(0)
    expect(page.locator("#principal-balance")).to_have_text("6,000.00")
    expect(page.locator("#next-due-amount")).to_have_text("526.10")
    expect(page.locator("#schedule tbody tr")).to_have_count(12)
    expect(page.locator("#payment-history")).to_contain_text("No payments yet.")
    sign_out(page)

    # 4. A servicer records a payment; bad amounts are refused first.
    sign_in(page, app_url, "servicer@demo.lendbook.dev")
    page.goto(app_url + "/servicing")
    page.get_by_role("link", name=loan_number).click()
    expect(page.locator("#loan-number")).to_contain_text(loan_number)
    for bad, message in (("0", "amount must be greater than zero"),
                         ("-20", "amount must be greater than zero"),
                         ("abc", "amount 'abc' is not a number")):
        page.get_by_label("Amount received").fill(bad)
        page.get_by_role("button", name="Record payment").click()
        expect(page.get_by_role("alert").first).to_contain_text(message)
    expect(page.locator("#payment-history")).to_contain_text("No payments yet.")
    page.get_by_label("Amount received").fill("526.10")
    page.get_by_label("Note").fill("Cheque 1042")
    page.get_by_role("button", name="Record payment").click()
    expect(page.get_by_text("Payment of 526.10 recorded")).to_be_visible()
    sign_out(page)

    # 5. The borrower sees the payment and the balances move.
    sign_in(page, app_url, email, "a-long-password")
    page.goto(app_url + f"/loans/{loan_number}")
    history = page.locator("#payment-history")
    expect(history).to_contain_text("526.10")
    expect(history).to_contain_text("Cheque 1042")
    expect(page.locator("#principal-balance")).to_have_text("5,521.40")  # 6,000 - (526.10 - 47.50 interest)
    expect(page.locator("#schedule tbody tr").first).to_contain_text("paid")
    page.screenshot(path=str(artifacts / "borrower-loan.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)  # let the layout settle at phone width
    page.screenshot(path=str(artifacts / "borrower-loan-phone.png"), full_page=True)

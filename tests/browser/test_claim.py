"""A dealer's customer, whose account the dealer's application opened, claims it with real
clicks: the dealer gives a one-time code on the application page, the customer enters it at
/claim with a password of their own and lands on the offer, ready to accept and sign."""
import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from domain.access import accounts
from domain.origination import dealer
from domain.kernel.actor import SYSTEM, Actor
from integrations.bureau.local import LocalBureau
from tests.browser.pages import DEMO_PASSWORD, fill, sign_in, sign_out

pytestmark = pytest.mark.browser
DEALER = "cody@dealers.example"  # a dealer of this test's own: test_dealer reads the demo
# dealer's last merchant


def dealer_application(database_url: str, email: str) -> int:
    """An approved point-of-sale application for a new customer (the dealer's form itself is
    tested in test_dealer)."""
    uid = accounts.create_user(SYSTEM, DEALER, DEMO_PASSWORD, "Cody Counter-Dealer", "dealer",
                               database_url)
    body = {"product_code": "PERSONAL", "amount": "4200.00", "term": 24,
            "consent_credit_check": True,
            "point_of_sale": {"merchant": "Main Street Bikes", "item": "Cargo bike",
                              "price": "4700.00", "down_payment": "500.00"},
            "applicant": {"first_name": "Cleo", "last_name": "Counter",
                          "date_of_birth": "1986-07-01", "ssn_last4": "8888", "email": email,
                          "phone": "+1 555 010 2200",
                          "address": {"line1": "9 Pine St", "city": "Austin", "state": "TX",
                                      "postal_code": "73301"},
                          "employment": {"status": "employed", "months_employed": 60},
                          "monthly_income": "6400.00"}}
    result, _ = dealer.submit(Actor(uid, "dealer", DEALER), body, uuid.uuid4().hex,
                              LocalBureau(), database_url)
    assert result.status == "approved"
    return result.application_id


def test_the_customer_claims_the_account_with_the_dealers_code(page: Page, app_url, artifacts):
    email = f"cleo-{uuid.uuid4().hex[:6]}@example.test"
    app_id = dealer_application(app_url.database_url, email)
    sign_in(page, app_url, DEALER)
    page.goto(f"{app_url}/dealer/applications/{app_id}")
    box = page.locator("#customer-claim")
    box.get_by_role("button", name="Give the customer a sign-in code").click()
    code = page.locator("#claim-code")
    expect(code).to_have_text(re.compile(r"^[A-Z2-9]{5}(-[A-Z2-9]{5}){3}$"))
    handed_over = code.inner_text()
    page.screenshot(path=str(artifacts / "dealer-claim-code.png"), full_page=True)
    sign_out(page)

    page.get_by_role("link", name="Claim your account").click()
    expect(page).to_have_url(re.compile(r"/claim/?$"))
    fill(page, {"E-mail": email, "Code": "AAAAA-AAAAA-AAAAA-AAAAA",
                "New password": "cleo-own-password", "Repeat the password": "cleo-own-password"})
    page.get_by_role("button", name="Claim account and sign in").click()
    expect(page.get_by_text(re.compile("do not open an account"))).to_be_visible()
    page.get_by_label("Code").fill(handed_over.lower())  # as typed at the counter
    page.get_by_role("button", name="Claim account and sign in").click()
    expect(page).to_have_url(re.compile(rf"/applications/{app_id}/?$"))
    expect(page.get_by_role("button", name="Accept offer and sign")).to_be_visible()
    page.screenshot(path=str(artifacts / "claimed-offer.png"), full_page=True)
    sign_out(page)
    sign_in(page, app_url, email, "cleo-own-password")  # their own password from now on

    sign_out(page)
    sign_in(page, app_url, DEALER)
    page.goto(f"{app_url}/dealer/applications/{app_id}")
    expect(page.locator("#application-status")).to_be_visible()
    expect(page.locator("#customer-claim")).to_have_count(0)  # claimed: nothing to give

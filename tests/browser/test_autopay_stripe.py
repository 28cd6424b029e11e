"""Autopay through Stripe, in the browser: a borrower saves a bank account on Stripe's hosted
page (the local fake's, reached by a real redirect), enrols it in autopay, the collection job
runs, and the loan's history shows the payment with its allocation, pending then posted once
Stripe's signed webhook arrives."""
import re
from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from playwright.sync_api import Page, expect
from sqlmodel import select

from domain.db.tables import Product
from domain.db.uow import UnitOfWork
from cli.demo import PASSWORD
from domain.access import accounts
from domain.origination import applications as origination
from domain.kernel.actor import SYSTEM, Actor
from devservices.stripe.control import FakeStripeControl
from tests.browser.pages import sign_in

pytestmark = pytest.mark.browser


def loan_due_today(database_url: str) -> tuple[str, str]:
    """A new borrower whose loan was funded a month ago: its first installment is due today
    (arranged through the domain: booking a month back is not something a page does)."""
    email = "stripe.borrower@demo.lendbook.dev"
    uid = accounts.create_user(SYSTEM, email, PASSWORD, "Stella Stripe", "borrower",
                               database_url)
    with UnitOfWork(database_url) as s:
        product = s.exec(select(Product).where(Product.code == "PERSONAL")).one().id
    app = origination.submit_application(Actor(uid, "borrower", email), product, "2400", "12",
                                         "6000", "Bike", url=database_url)
    number = origination.book_outside_workflow(
        app.id, "browser test: a loan due today", database_url,
        on=date.today() - relativedelta(months=1))
    return email, number


def test_borrower_enrols_through_stripe_and_the_collection_shows_in_history(
        page: Page, app_url: str, artifacts, monkeypatch):
    email, number = loan_due_today(app_url.database_url)
    sign_in(page, app_url, email)
    page.goto(f"{app_url}/loans/{number}/autopay")
    page.get_by_role("button", name="Add a card or bank account with Stripe").click()

    # Stripe's hosted page (the local fake, its own process on PORT+1): bank account, mandate
    expect(page).to_have_url(re.compile(rf"^{re.escape(app_url.stripe_url)}/checkout/cs_"))
    page.get_by_label("Bank account (ACH Direct Debit)").check()
    page.get_by_label("Account holder name").fill("Stella Stripe")
    page.get_by_label("Routing number").fill("110000000")
    page.get_by_label("Account number", exact=True).fill("000123456789")
    page.get_by_label("Confirm account number").fill("000123456789")
    page.get_by_label("I authorize these debits", exact=True).check()
    page.screenshot(path=str(artifacts / "stripe-hosted-setup.png"), full_page=True)
    page.get_by_role("button", name="Save").click()

    # back on our page with the new method chosen; enrol on the due date
    expect(page).to_have_url(re.compile(rf"/loans/{number}/autopay\?stripe_session=cs_"))
    method = page.get_by_label("Payment method")
    expect(method.locator("option:checked")).to_contain_text("6789")
    page.get_by_label("Draft day").select_option("0")
    expect(page.locator("#mandate-text")).to_contain_text("on the due date")
    page.get_by_label("I authorize these debits as described above").check()
    page.get_by_role("button", name="Accept and enrol").click()
    expect(page.locator("#confirmation")).to_contain_text("You are enrolled in autopay")
    expect(page.locator("#autopay-instrument")).to_contain_text("ending 6789")
    page.screenshot(path=str(artifacts / "stripe-autopay-enrolled.png"), full_page=True)

    # the collection job runs (the same function the app's job runs, on the app's database
    # and its Stripe): today's draft goes to Stripe as an off-session PaymentIntent
    from portal.jobs import collect_once
    monkeypatch.setenv("DATABASE_URL", app_url.database_url)
    for name, value in app_url.fakes_env.items():  # the app's Stripe settings
        monkeypatch.setenv(name, value)
    done = collect_once()
    assert done["drafted"] >= 1 and done["sent"] >= 1, done

    page.goto(f"{app_url}/loans/{number}")
    table = page.locator("#history-table")
    pending = table.locator("tr[data-status=pending]")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text("via Stripe")
    row_text = pending.inner_text()
    assert re.search(r"\d+\.\d\d", row_text), row_text  # the allocation's amounts
    page.screenshot(path=str(artifacts / "stripe-history-pending.png"), full_page=True)

    # the bank settles; Stripe's signed webhook reaches the app: posted
    with FakeStripeControl(app_url.stripe_url) as control:
        assert control.settle()
    posted = table.locator("tr[data-status=posted]")
    for _ in range(20):
        page.reload()
        if posted.filter(has_text="via Stripe").count():
            break
        page.wait_for_timeout(500)
    expect(posted.filter(has_text="via Stripe")).to_have_count(1)
    # allocated as the schedule says: installment 1 of 2,400.00 at 11.99% over 12 months
    expect(posted.filter(has_text="via Stripe")).to_contain_text("213.23")
    expect(posted.filter(has_text="via Stripe")).to_contain_text("189.25")
    expect(posted.filter(has_text="via Stripe")).to_contain_text("23.98")
    page.screenshot(path=str(artifacts / "stripe-history-posted.png"), full_page=True)

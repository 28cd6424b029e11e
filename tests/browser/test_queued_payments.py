"""Queued payments in the browser (issue 18 item 9): a demo borrower queues a bank-file
payment, is refused a second one that would take the queue past the payoff (the error names
the amounts), cancels the queued one on the loan page; the servicer cancels another on the
loan's servicing page (a reason required), writes the debit file with an entry its loan cannot
take and sees it held back with the reason on the Bank files page and the servicer queue."""
import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from domain.db.payment_tables import CollectionAttempt
from domain.db.tables import Loan
from domain.db.uow import UnitOfWork
from tests.browser.pages import sign_in, sign_out

pytestmark = pytest.mark.browser
EMAIL = "borrower4@demo.lendbook.dev"  # 15,000.00 over 24 months, behind on payments


def money(text: str) -> int:
    return int(text.replace(",", "").replace(".", ""))


def queue_unchecked(database_url: str, number: str, amount_minor: int, key: str) -> None:
    """A payment queued before the check existed: more than the loan can take."""
    with UnitOfWork(database_url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == number)).one()
        prior = s.exec(select(CollectionAttempt).where(
            CollectionAttempt.loan_id == loan.id, CollectionAttempt.rail == "nacha")).first()
        s.add(CollectionAttempt(loan_id=loan.id, instrument_id=prior.instrument_id,
                                purpose="one_time", idempotency_key=key, rail="nacha",
                                amount_minor=amount_minor, draft_date=date.today()))


def pay(page: Page, amount: str) -> None:
    page.get_by_label("Another amount").check()
    page.get_by_label("Amount to pay").fill(amount)
    page.get_by_role("button", name="Review payment").click()
    page.get_by_role("button", name="Confirm payment").click()


def test_queue_refuse_cancel_and_hold_back(page: Page, app_url: str, artifacts):
    sign_in(page, app_url, EMAIL)
    page.get_by_role("link", name=re.compile(r"^Pay now: LN-")).first.click()
    expect(page).to_have_url(re.compile(r"/loans/LN-\d{6}/pay/?$"))
    number = re.search(r"LN-\d{6}", page.url).group(0)
    payoff = money(page.locator("#pay-payoff").inner_text())
    page.get_by_label("Account holder's name").fill("Demo Borrower")
    page.get_by_label("Routing number").fill("110000000")
    page.get_by_label("Account number").fill("000555666777")
    pay(page, "100.00")
    expect(page.locator("#confirmation")).to_contain_text("Payment queued")

    # the payoff in one more payment: each fits alone, together they do not
    page.get_by_role("button", name="Make another payment").click()
    expect(page.get_by_label("Payment method")).to_have_value(re.compile(r"^\d+$"))
    room = f"{(payoff - 10000) / 100:,.2f}"
    pay(page, f"{payoff / 100:.2f}")
    refusal = page.locator("#form-error")
    expect(refusal).to_contain_text("Not paid: Amount with 100.00 already queued and not "
                                    "yet sent")
    expect(refusal).to_contain_text(f"at most {room} can be queued")
    page.screenshot(path=str(artifacts / "queued-refused.png"), full_page=True)

    # the borrower cancels the queued one on the loan page
    page.goto(f"{app_url}/loans/{number}")
    card = page.locator("#queued-payments")
    expect(card.locator("tr[data-status=scheduled]")).to_contain_text("100.00")
    page.screenshot(path=str(artifacts / "queued-loan-page.png"), full_page=True)
    card.get_by_role("button", name=re.compile(r"Cancel the payment of 100.00")).click()
    expect(page.locator("#queued-notice")).to_contain_text("Payment cancelled")
    expect(card.locator("tr[data-status=scheduled]")).to_have_count(0)
    cancelled = page.locator("#history-table tr[data-status=cancelled]")
    expect(cancelled).to_contain_text("cancelled by the borrower")

    page.get_by_role("link", name="Pay now").click()
    pay(page, "40.00")
    expect(page.locator("#confirmation")).to_contain_text("Payment queued")
    sign_out(page)

    # the servicer: a reason is required; then cancelled
    sign_in(page, app_url, "servicer@demo.lendbook.dev")
    page.goto(f"{app_url}/servicing/{number}")
    card = page.locator("#queued-payments")
    expect(card.locator("tr[data-status=scheduled]")).to_contain_text("40.00")
    card.get_by_role("button", name="Cancel queued payment").click()
    expect(page.locator("#queued-error")).to_contain_text("reason is required")
    card.get_by_label("Queued payment", exact=True).select_option(index=0)
    card.get_by_label("Reason for cancelling").fill("Borrower asked by phone")
    card.get_by_role("button", name="Cancel queued payment").click()
    expect(page.locator("#queued-notice")).to_contain_text("cancelled: it will not be sent")
    expect(card.locator("tr[data-status=scheduled]")).to_have_count(0)

    # an entry the loan cannot take is held back; the rest of the file is written
    queue_unchecked(app_url.database_url, number, payoff + 100000, f"pre-check-{number}")
    page.get_by_role("link", name="Bank files").click()
    page.get_by_role("button", name="Write today's debit file").click()
    expect(page.locator("#bank-file-result")).to_contain_text("1 held back (listed below)")
    held = page.locator("#held-back")
    expect(held).to_contain_text(number)
    expect(held).to_contain_text(f"{(payoff + 100000) / 100:,.2f} exceeds the payoff of")
    page.screenshot(path=str(artifacts / "bank-files-held-back.png"), full_page=True)
    page.get_by_role("link", name="Servicing").click()
    expect(page.locator("#servicer-queue")).to_contain_text(
        f"Held back from the debit file: {(payoff + 100000) / 100:,.2f} on loan {number}")
    page.goto(f"{app_url}/servicing/{number}")
    expect(page.locator("#queued-payments tr[data-status=held]")).to_contain_text(
        "exceeds the payoff")

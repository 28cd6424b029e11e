"""Autopay and pay now on the bank-file (NACHA) rail, in the browser: the demo borrower enrols
a new bank account (bad input refused first, the authorization accepted), pauses, resumes and
changes it, each confirmed; pays a custom amount after the allocation preview (a double click
pays once); the loan's history shows it queued for the bank file, pending once sent (with a
receipt), and returned R01 with a notice the borrower marks read; the servicer filters the
same history."""
import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from domain.db.payment_tables import CollectionAttempt
from domain.db.uow import UnitOfWork
from domain.payments import collections
from tests.browser.pages import sign_in, sign_out

pytestmark = pytest.mark.browser
LOAN = "LN-000001"  # the demo borrower's active loan, every installment paid on time
ACCOUNT = "Bank account checking ending 6789"


def bank_file(database_url: str, amount_minor: int, sent: bool = False, returned: str = ""):
    """What the bank-file job does (no page can): send the queued one-time debit, or read
    the bank's return of it."""
    with UnitOfWork(database_url) as s:
        attempt = s.exec(select(CollectionAttempt).where(
            CollectionAttempt.purpose == "one_time",
            CollectionAttempt.amount_minor == amount_minor)).one()
        if sent:
            collections.post_sent(s, attempt, date.today())
        if returned:
            collections.fail(s, attempt, returned, "Insufficient funds", date.today())


def test_borrower_enrols_in_autopay_and_pays_now_and_the_history_shows_it(
        page: Page, app_url: str, artifacts):
    sign_in(page, app_url, "borrower@demo.lendbook.dev")
    page.goto(f"{app_url}/loans/{LOAN}")
    expect(page.locator("#autopay-summary")).to_have_text("Autopay is off.")
    page.get_by_role("link", name="Autopay").click()
    expect(page).to_have_url(re.compile(rf"/loans/{LOAN}/autopay/?$"))

    # bad input: every field named, nothing saved
    expect(page.get_by_label("Payment method")).to_have_value("new")
    page.get_by_label("Account holder's name").fill("Bea Borrower")
    page.get_by_label("Routing number").fill("110000001")
    page.get_by_label("Account number").fill("12")
    page.get_by_role("button", name="Accept and enrol").click()
    expect(page.locator("#routing_number-error")).to_have_text(
        "Routing number must be a valid 9-digit ABA routing number")
    expect(page.locator("#account_number-error")).to_contain_text("4 to 17 digits")
    expect(page.locator("#mandate-error")).to_contain_text("check the box")
    expect(page.locator("#form-error")).to_contain_text("Nothing was changed")
    expect(page.get_by_label("Payment method").locator("option")).to_have_count(2)

    page.get_by_label("Routing number").fill("110000000")
    page.get_by_label("Account number").fill("000123456789")
    page.get_by_label("Draft day").select_option("-2")
    mandate = page.locator("#mandate-text")
    expect(mandate).to_contain_text("Demo Community Lending")
    expect(mandate).to_contain_text(f"loan {LOAN}: the installment due")
    expect(mandate).to_contain_text("2 days before the due date")
    page.get_by_label("I authorize these debits as described above").check()
    page.screenshot(path=str(artifacts / "autopay-enrol-form.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts / "autopay-enrol-form-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Accept and enrol").click()
    done = page.locator("#confirmation")
    expect(done).to_contain_text("You are enrolled in autopay")
    expect(page.locator("#confirmation-version")).to_have_text("1")
    expect(page.locator("#autopay-status")).to_have_text("Active")
    expect(page.locator("#autopay-instrument")).to_have_text(ACCOUNT)
    expect(page.locator("#autopay-draft_day")).to_have_text("2 days before the due date")
    page.screenshot(path=str(artifacts / "autopay-enrolled.png"), full_page=True)

    # pause indefinitely, resume, then change to a fixed amount (the new terms accepted again)
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Pause autopay").click()
    expect(done).to_contain_text("Autopay paused")
    expect(page.locator("#autopay-status")).to_have_text("Paused")
    page.get_by_role("button", name="Resume autopay").click()
    expect(done).to_contain_text("Autopay resumed")
    expect(page.locator("#confirmation-version")).to_have_text("3")
    page.get_by_role("button", name="Change").click()
    page.get_by_label("A fixed amount").check()
    page.get_by_label("Fixed amount each installment").fill("400.00")
    expect(mandate).to_contain_text("400.00 each installment")
    box = page.get_by_label("I authorize these debits as described above")
    expect(box).not_to_be_checked()
    box.check()
    page.get_by_role("button", name="Accept and save changes").click()
    expect(done).to_contain_text("Autopay changed")
    expect(page.locator("#confirmation-version")).to_have_text("4")
    expect(page.locator("#autopay-amount")).to_have_text("400.00 each installment")
    page.screenshot(path=str(artifacts / "autopay-changed.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts / "autopay-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # pay now: a custom amount, previewed, then confirmed with a double click: paid once
    page.get_by_role("link", name=re.compile("Back to loan")).click()
    expect(page.locator("#autopay-summary")).to_contain_text("Autopay on: 400.00 from")
    page.get_by_role("link", name="Pay now").click()
    expect(page).to_have_url(re.compile(rf"/loans/{LOAN}/pay/?$"))
    expect(page.get_by_label("Another amount")).to_be_checked()  # nothing is due today
    page.get_by_label("Amount to pay").fill("0")
    page.get_by_role("button", name="Review payment").click()
    expect(page.locator("#amount-error")).to_have_text("Amount must be greater than zero")
    expect(page.get_by_label("Payment method")).to_have_value(re.compile(r"^\d+$"))
    page.get_by_label("Amount to pay").fill("125.00")
    page.get_by_role("button", name="Review payment").click()
    preview = page.locator("#allocation-preview")
    expect(preview).to_contain_text("Total")
    expect(preview.get_by_role("row").last).to_contain_text("125.00")
    expect(page.locator("#pay-summary")).to_have_text(f"125.00 from {ACCOUNT}")
    page.screenshot(path=str(artifacts / "pay-preview.png"), full_page=True)
    page.get_by_role("button", name="Confirm payment").dblclick()
    expect(page.locator("#confirmation")).to_contain_text("Payment queued")
    expect(page.locator("#confirmation")).to_contain_text("next bank file")

    page.get_by_role("link", name="See the payment history").click()
    table = page.locator("#history-table")
    queued = table.locator("tr[data-status=scheduled]")  # in the next bank file
    expect(queued).to_have_count(1)
    expect(queued).to_contain_text("125.00")
    expect(queued).to_contain_text("Queued for the next bank file")
    expect(queued).to_contain_text(ACCOUNT)
    expect(table.locator("tr[data-status=posted]").first).to_be_visible()

    # the bank file goes out: pending, with a receipt
    bank_file(app_url.database_url, 12500, sent=True)
    page.reload()
    pending = table.locator("tr[data-status=pending]")
    expect(pending).to_contain_text("125.00")
    expect(pending).to_contain_text("Sent to your bank; not settled yet")
    href = pending.get_by_role("link", name=re.compile("Receipt")).get_attribute("href")
    receipt = page.request.get(app_url + href)
    assert receipt.status == 200 and receipt.headers["content-type"] == "application/pdf"
    assert receipt.body().startswith(b"%PDF-")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("#history-cards")).to_contain_text("Sent to your bank")
    page.screenshot(path=str(artifacts / "loan-payments-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # the bank returns it (R01): returned with the reason, a notice, the re-presentment queued
    bank_file(app_url.database_url, 12500, returned="R01")
    page.reload()
    returned = table.locator("tr[data-status=returned]")
    expect(returned).to_contain_text("returned R01")
    expect(returned).to_contain_text("R01 Insufficient funds")
    expect(table.locator("tr[data-status=scheduled]")).to_contain_text("re-presentment")
    notice = page.locator("#notices")
    expect(notice).to_contain_text(f"A payment on loan {LOAN} was returned")
    expect(notice).to_contain_text("We will try again on")
    page.screenshot(path=str(artifacts / "loan-payments.png"), full_page=True)
    notice.get_by_role("button", name=re.compile("Mark read")).click()
    expect(notice).to_have_count(0)
    page.reload()
    expect(table.locator("tr[data-status=returned]")).to_be_visible()
    expect(page.locator("#notices")).to_have_count(0)
    sign_out(page)

    # the servicer sees the same history and filters it
    sign_in(page, app_url, "servicer@demo.lendbook.dev")
    page.goto(f"{app_url}/servicing/{LOAN}")
    table = page.locator("#history-table")
    expect(table.locator("tr[data-status=scheduled]")).to_contain_text("125.00")
    page.get_by_label("Status").select_option("scheduled")
    page.get_by_role("button", name="Show").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    page.get_by_label("Status").select_option("")
    page.get_by_label("From date").fill("2026-12-31")
    page.get_by_label("To date").fill("2026-01-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#until-error")).to_contain_text("To date must not be before")
    expect(table.locator("tbody tr")).to_have_count(1)  # the last good filter stays
    page.get_by_role("button", name="Clear").click()
    expect(table.locator("tr[data-status=posted]").first).to_be_visible()
    page.screenshot(path=str(artifacts / "servicing-history.png"), full_page=True)


def test_cancel_needs_a_reason_staff_only_look_and_other_borrowers_are_refused(
        page: Page, app_url: str, artifacts):
    sign_in(page, app_url, "borrower1@demo.lendbook.dev")
    page.get_by_role("link", name="Autopay").first.click()
    expect(page).to_have_url(re.compile(r"/loans/LN-\d{6}/autopay/?$"))
    number = re.search(r"LN-\d{6}", page.url).group(0)
    page.get_by_label("Account holder's name").fill("Borrower One")
    page.get_by_label("Routing number").fill("110000000")
    page.get_by_label("Account number").fill("55554444")
    page.get_by_label("Account type").select_option("savings")
    page.get_by_label("I authorize these debits as described above").check()
    page.get_by_role("button", name="Accept and enrol").click()
    expect(page.locator("#confirmation")).to_contain_text("You are enrolled in autopay")
    expect(page.locator("#autopay-instrument")).to_have_text(
        "Bank account savings ending 4444")
    page.get_by_role("button", name="Cancel autopay").click()
    page.locator("#cancel-form").get_by_role("button", name="Cancel autopay").click()
    expect(page.locator("#reason-error")).to_contain_text("Reason is required")
    expect(page.locator("#autopay-status")).to_have_text("Active")  # nothing changed
    page.get_by_label("Reason").select_option("I am changing banks")
    page.locator("#cancel-form").get_by_role("button", name="Cancel autopay").click()
    expect(page.locator("#confirmation")).to_contain_text("Autopay cancelled")
    expect(page.locator("#confirmation-version")).to_have_text("2")
    expect(page.locator("#autopay-inactive")).to_contain_text("You can enrol again")
    # enrolling again offers the saved account
    expect(page.get_by_label("Payment method")).to_have_value(re.compile(r"^\d+$"))
    expect(page.get_by_role("button", name="Accept and enrol")).to_be_visible()
    page.screenshot(path=str(artifacts / "autopay-cancelled.png"), full_page=True)
    sign_out(page)

    sign_in(page, app_url, "borrower@demo.lendbook.dev")  # not their loan
    for path in ("autopay", "pay"):
        page.goto(f"{app_url}/loans/{number}/{path}")
        expect(page.locator("#access-denied")).to_contain_text("Access refused")
    sign_out(page)

    sign_in(page, app_url, "servicer@demo.lendbook.dev")  # staff look, the borrower acts
    page.goto(f"{app_url}/loans/{number}/autopay")
    expect(page.locator("#autopay-inactive")).to_contain_text("cancelled")
    expect(page.get_by_text("Only the borrower can enrol or change autopay.")).to_be_visible()
    expect(page.get_by_role("button", name="Accept and enrol")).to_have_count(0)

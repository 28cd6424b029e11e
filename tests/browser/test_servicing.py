"""Servicing in the browser: the book by bucket, a loan's balances and journal, reversing a
payment (NSF fee), a payment holiday, and the admin's trial balance."""
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from domain.kernel.money import fmt, to_minor
from tests.browser.pages import sign_in, sign_out

pytestmark = pytest.mark.browser


def test_servicer_reverses_and_modifies_and_admin_sees_a_balanced_ledger(
        page: Page, app_url: str, artifacts):
    sign_in(page, app_url, "servicer@demo.lendbook.dev")
    page.goto(app_url + "/servicing")
    buckets = page.locator("#bucket-table")
    expect(buckets).to_contain_text("31-60")  # the demo book has loans behind on payments
    expect(buckets).to_contain_text("91+")
    page.screenshot(path=str(artifacts / "servicing-book.png"), full_page=True)

    page.goto(app_url + "/servicing/LN-000003")  # a demo loan 33 days past due
    expect(page.locator("#delinquency")).to_contain_text("days past due")
    expect(page.locator("#payoff-quote")).to_contain_text("Payoff on")
    ledger = page.locator("#loan-ledger")
    expect(ledger).to_contain_text("disbursement")
    expect(ledger).to_contain_text("accrual")

    # reverse the latest payment as an R01 return: the NSF fee follows
    history = page.locator("#history-table")
    posted = history.locator("tr[data-status=posted]")
    before = posted.count()
    page.get_by_label("Return code").select_option("R01")
    page.get_by_label("Reason for the reversal").fill("Returned by the bank")
    page.get_by_role("button", name="Reverse payment").click()
    expect(page.get_by_text(re.compile(r"Payment \d+ reversed\."))).to_be_visible()
    expect(history.locator("tr[data-status=returned]")).to_contain_text(
        "returned R01")  # a reversal with a bank return code
    expect(history).to_contain_text("R01 Insufficient funds")
    expect(posted).to_have_count(before - 1)
    expect(page.locator("#fees-outstanding")).not_to_have_text("0.00")
    expect(ledger).to_contain_text("Returned payment fee")

    # a refused modification (no reason) changes nothing; then a payment holiday
    page.get_by_label("Modification").select_option("holiday")
    page.get_by_label("Installments to skip").fill("2")
    page.get_by_role("button", name="Apply modification").click()
    expect(page.get_by_text("Not modified: reason is required")).to_be_visible()
    page.get_by_label("Reason for the change").fill("Hardship: two months' holiday")
    page.get_by_label("Modification").select_option("holiday")
    page.get_by_label("Installments to skip").fill("2")
    page.get_by_role("button", name="Apply modification").click()
    expect(page.get_by_text("Holiday applied: schedule version 2.")).to_be_visible()
    page.screenshot(path=str(artifacts / "servicing-loan.png"), full_page=True)

    # a payment 10.00 above the payoff closes the loan; the 10.00 is a credit balance to refund
    page.goto(app_url + "/servicing/LN-000007")
    expect(page.locator("#loan-number")).to_contain_text("LN-000007")  # not the last page's
    quote = page.locator("#payoff-quote")
    expect(quote).to_contain_text("Payoff on")
    payoff = Decimal(re.search(r": ([\d,]+\.\d\d)", quote.inner_text()).group(1)
                     .replace(",", ""))
    page.get_by_label("Amount received").fill(str(payoff + 10))
    page.get_by_role("button", name="Record payment").click()
    # the loan is paid off (the payment form goes with it); the payment is in the history
    expect(page.locator("#history-table")).to_contain_text(fmt(to_minor(payoff + 10)))
    refund = page.locator("#refund-form")
    expect(refund).to_contain_text("Held for the borrower: 10.00")
    expect(page.locator("#advance")).to_have_text("10.00")
    page.get_by_label("Amount to refund").fill("10.00")
    page.get_by_label("Reason for the refund").fill("Overpayment returned by cheque")
    page.get_by_role("button", name="Refund").click()
    expect(page.locator("#refund-form")).to_have_count(0)  # nothing left to refund
    expect(page.locator("#advance")).to_have_text("0.00")
    expect(page.locator("#history-table tr", has_text="Overpayment returned by cheque")
           ).to_contain_text("-10.00")  # the refund: 10.00 out of the advance
    page.screenshot(path=str(artifacts / "servicing-refund.png"), full_page=True)
    sign_out(page)

    sign_in(page, app_url, "admin@demo.lendbook.dev")
    page.goto(app_url + "/admin/ledger")
    expect(page.locator("#trial-balance-totals")).to_contain_text("Balanced: yes")
    expect(page.get_by_role("cell", name="1110-interest-receivable")).to_be_visible()
    page.screenshot(path=str(artifacts / "admin-ledger.png"), full_page=True)

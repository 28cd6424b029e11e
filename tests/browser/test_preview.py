"""The servicer previews a backdated payment on a demo loan (LN-000004: 12,000.00 over 24
months, installments 1-2 paid, 3 past its grace with a 15.00 late fee, 4 due three days ago):
a hint says the history will be replayed; Preview shows the balances before and after (fee
15.00 -> 0.00, days past due down to installment 4's), the late fee removed and the
journal entries, and records nothing; on a 390px phone the page does not scroll sideways;
"Record payment" then records exactly that."""
import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func
from sqlmodel import select

from domain.db.tables import AuditLog, Installment, JournalEntry, Loan, LoanCharge, Payment, \
    PaymentAllocation
from domain.db.uow import UnitOfWork
from domain.kernel.money import fmt
from tests.browser.pages import sign_in

pytestmark = pytest.mark.browser
LOAN = "LN-000004"  # no other browser test uses it


def _loan(url):
    """Installment 3 (due date, scheduled amount), its late fee's date, the days installment 4
    is past due, and the loan's rows."""
    with UnitOfWork(url) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == LOAN)).one()
        third, fourth = s.exec(select(Installment).where(
            Installment.loan_id == loan.id, Installment.schedule_version == loan.schedule_version,
            Installment.number.in_((3, 4))).order_by(Installment.number)).all()
        fee = s.exec(select(LoanCharge).where(LoanCharge.loan_id == loan.id,
                                              LoanCharge.kind == "late",
                                              LoanCharge.installment_number == 3)
                    .order_by(LoanCharge.id)).first()  # then its removal, once recorded

        def n(model, *where):
            return s.exec(select(func.count()).select_from(model).where(*where)).one()
        rows = (n(Payment, Payment.loan_id == loan.id),
                n(PaymentAllocation, PaymentAllocation.loan_id == loan.id),
                n(LoanCharge, LoanCharge.loan_id == loan.id),
                n(JournalEntry, JournalEntry.loan_id == loan.id),
                n(AuditLog, AuditLog.action == "charge.reversed"),
                loan.days_past_due, loan.status)
        return (third.due_date, third.principal_minor + third.interest_minor, fee.assessed_on,
                max((date.today() - fourth.due_date).days, 0), rows)


def _balance(table, label: str):
    return table.locator("tr", has=table.page.get_by_role("rowheader", name=label, exact=True))


def test_servicer_previews_a_backdated_payment(page: Page, app_url, artifacts):
    due, amount, fee_on, then, rows = _loan(app_url.database_url)
    days_late = (date.today() - due).days
    sign_in(page, app_url, "servicer@demo.lendbook.dev")
    page.goto(f"{app_url}/servicing/{LOAN}")
    expect(page.locator("#loan-number")).to_contain_text(LOAN)
    expect(page.locator("#delinquency")).to_contain_text(f"{days_late} days past due")
    expect(page.locator("#fees-outstanding")).to_have_text("15.00")

    form = page.locator("#payment-form")
    page.get_by_label("Amount received").fill(fmt(amount).replace(",", ""))
    page.get_by_label("Received on").fill(due.isoformat())
    expect(page.locator("#backdated-hint")).to_contain_text(
        f"the loan's history from {due} will be replayed")
    form.get_by_role("button", name="Preview").click()

    panel = page.locator("#payment-preview")
    expect(panel.get_by_role("heading", name="Preview of this payment")).to_be_visible()
    balances = panel.get_by_role("table", name="Balances before and after")
    expect(balances).to_be_visible()
    fees = _balance(balances, "Fees")
    expect(fees.locator("td").nth(0)).to_have_text("15.00")
    expect(fees.locator("td").nth(1)).to_have_text(re.compile(r"^0\.00\b"))
    expect(fees).to_have_attribute("data-changed", "yes")
    dpd = _balance(balances, "Days past due")
    expect(dpd.locator("td").nth(0)).to_have_text(str(days_late))
    expect(dpd.locator("td").nth(1)).to_have_text(re.compile(rf"^{then}\b"))  # inst. 4
    expect(_balance(balances, "Held in advance")).to_have_attribute("data-changed", "")
    expect(panel.locator("#payment-preview-fees")).to_contain_text(
        f"Removed: late fee 15.00, installment 3, charged {fee_on}")
    expect(panel).to_contain_text(f"history is replayed from {due}")
    entries = panel.get_by_role("table", name="Journal entries to be written")
    expect(entries.locator("tr", has_text="repayment")).to_contain_text(due.isoformat())
    expect(entries.locator("tr", has_text="reversal")).to_contain_text(fee_on.isoformat())
    expect(entries).to_contain_text(fmt(amount))  # cash in, the installment's amount
    installments = panel.get_by_role("table", name="Installments that change")
    expect(installments.locator("tr", has_text="overdue → paid")).to_contain_text(due.isoformat())
    page.screenshot(path=str(artifacts / "preview-payment.png"), full_page=True)

    # nothing was recorded: the loan's rows, the history and the balances are as they were
    assert _loan(app_url.database_url)[4] == rows
    expect(page.locator("#fees-outstanding")).to_have_text("15.00")
    expect(page.get_by_label("Amount received")).to_have_value(fmt(amount).replace(",", ""))

    # a phone: the page never scrolls sideways (the tables scroll in their own box)
    page.set_viewport_size({"width": 390, "height": 844})
    panel.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "preview-payment-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # the real button records what was previewed
    form.get_by_role("button", name="Record payment").click()
    expect(page.get_by_text(re.compile(rf"Payment of {re.escape(fmt(amount))} recorded"))
           ).to_be_visible()
    expect(page.locator("#payment-preview")).to_have_count(0)
    expect(page.get_by_label("Amount received")).to_have_value("")  # cleared for the next
    expect(page.locator("#fees-outstanding")).to_have_text("0.00")
    expect(page.locator("#delinquency")).to_contain_text(f"{then} days past due")
    after = _loan(app_url.database_url)[4]
    assert after[0] == rows[0] + 1 and after[2] == rows[2] + 1  # the payment, the fee's undo

    # the reversal of that payment previewed: the late fee would be charged again
    rows = _loan(app_url.database_url)[4]
    reverse = page.locator("#reverse-form")
    reverse.get_by_label("Payment").select_option(label=f"{due} · {fmt(amount)} (servicer)")
    reverse.get_by_label("Reason for the reversal").fill("Posted to the wrong loan")
    reverse.get_by_role("button", name="Preview").click()
    panel = page.locator("#reversal-preview")
    expect(panel.locator("#reversal-preview-fees")).to_contain_text(
        f"Charged: late fee 15.00, installment 3, effective {fee_on}")
    fees = _balance(panel.get_by_role("table", name="Balances before and after"), "Fees")
    expect(fees.locator("td").nth(1)).to_have_text(re.compile(r"^15\.00\b"))
    page.screenshot(path=str(artifacts / "preview-reversal.png"), full_page=True)

    # a payment holiday previewed: the schedule's change shown, no reason asked for yet
    modify = page.locator("#modify-form")
    modify.get_by_label("Modification").select_option("holiday")
    modify.get_by_label("Installments to skip").fill("1")
    modify.get_by_role("button", name="Preview").click()
    panel = page.locator("#modification-preview")
    expect(panel.get_by_role("heading", name="Preview of this modification")).to_be_visible()
    expect(panel.get_by_role("table", name="Installments that change")).to_be_visible()
    expect(page.locator("#reversal-preview")).to_have_count(0)  # one preview at a time
    assert _loan(app_url.database_url)[4] == rows  # neither recorded anything
    expect(page.locator("#history-table tr[data-status=posted]").first).to_contain_text(
        fmt(amount))

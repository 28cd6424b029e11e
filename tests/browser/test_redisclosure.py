"""Funding an agreement signed too long ago, in the browser: the funding panel shows the failed
"Disclosed terms still accurate" check with the APR it would be, "Approve funding" stays off,
staff send a new agreement, the borrower signs it on the (fake) DocuSign page, and funding
books the newly disclosed schedule.

The agreement is made stale by dating its disclosure ten days back in the app's database (as
if it had been sent then): the one step not done by clicks, since the app renders agreements
for today.
"""
import re
import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from domain.db.tables import Application
from domain.db.uow import UnitOfWork
from domain.origination.esign import agreement_and_disclosure
from tests.browser.pages import apply_for_loan, fill, sign_in, sign_on_docusign, sign_out

pytestmark = pytest.mark.browser


def backdate_disclosure(database_url: str, application_id: int, days: int) -> None:
    with UnitOfWork(database_url) as s:
        app = s.get(Application, application_id)
        _, disclosure = agreement_and_disclosure(s, app, date.today() - timedelta(days=days))
        app.decision = {**app.decision, "disclosure": disclosure.to_dict()}
        s.add(app)


def test_stale_disclosure_is_refused_then_re_signed_and_funded(page: Page, app_url, artifacts):
    tag = uuid.uuid4().hex[:6]
    email = f"late-{tag}@example.test"
    page.goto(app_url + "/signup")
    fill(page, {"Full name": f"Lea Late {tag}", "E-mail": email, "Password": "a-long-password"})
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/apply/?$"))
    apply_for_loan(page, "Personal Loan", "6000", "12")
    expect(page.locator("#application-status")).to_have_text("Approved")
    page.get_by_role("button", name="Accept offer and sign").click()
    sign_on_docusign(page, f"Lea Late {tag}")
    expect(page.get_by_text("Your agreement is signed")).to_be_visible()
    application_url = page.url.split("?")[0].rstrip("/")
    app_id = int(application_url.rsplit("/", 1)[1])
    sign_out(page)

    backdate_disclosure(app_url.database_url, app_id, 10)
    sign_in(page, app_url, "underwriter@demo.lendbook.dev")
    page.goto(f"{app_url}/underwriting/{app_id}")
    funding = page.locator("#funding")
    stale = funding.get_by_role("listitem").filter(has_text="Disclosed terms still accurate")
    expect(stale).to_contain_text(re.compile(r"disclosed an APR of 11\.99%; funded on "
                                             r"\d{4}-\d\d-\d\d the same payments are an APR of "
                                             r"1[2-9]\.\d\d%, more than 1/8 of a point off"))
    expect(funding.get_by_role("button", name="Approve funding")).to_be_disabled()
    page.screenshot(path=str(artifacts / "funding-stale-disclosure.png"), full_page=True)
    button = funding.get_by_role("button", name="Send a new agreement")
    button.click()
    expect(funding).to_contain_text("Reason is required (it goes into the audit trail)")
    page.get_by_label("Reason for the new agreement").press_sequentially("Funding moved")
    button.click()
    expect(page.locator("#stage-tracker [aria-current=step]")).to_contain_text("signature")
    sign_out(page)

    sign_in(page, app_url, email, "a-long-password")
    page.goto(application_url)
    page.get_by_role("button", name="Accept offer and sign").click()  # the new agreement
    sign_on_docusign(page, f"Lea Late {tag}")
    expect(page.get_by_text("Your agreement is signed")).to_be_visible()
    sign_out(page)

    sign_in(page, app_url, "underwriter@demo.lendbook.dev")
    page.goto(f"{app_url}/underwriting/{app_id}")
    expect(funding.get_by_role("listitem").filter(has_text="Disclosed terms still accurate")) \
        .to_contain_text("funded on the agreement date: APR 11.99% as disclosed")
    funding.get_by_role("button", name="Approve funding").click()
    expect(page.locator("#loan-link")).to_have_text(re.compile(r"LN-\d{6}"))
    page.screenshot(path=str(artifacts / "funding-re-disclosed-booked.png"), full_page=True)

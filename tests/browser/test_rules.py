"""An admin edits the credit rule set, tests the draft against saved applications (the demo's
applications from the dealer, agent and API channels), and publishes it; the next decision
uses the new version."""
import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import apply_for_loan, sign_in, sign_out

pytestmark = pytest.mark.browser


def test_admin_edits_tests_and_publishes_a_rule_set(page: Page, app_url: str, artifacts):
    sign_in(page, app_url, "admin@demo.lendbook.dev")
    page.goto(app_url + "/admin/rules")
    # The demo's credit v1 (other tests publish rule sets of their own: scope to credit's rows).
    credit = page.get_by_role("row").filter(has=page.get_by_role("cell", name="credit",
                                                                 exact=True))
    expect(credit.get_by_role("cell", name="published")).to_be_visible()
    editor = page.get_by_label("Rule set (JSON)")
    text = editor.input_value()
    editor.fill(text.replace('"bureau.scor', '"bureau.scoore'))  # a typo first
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("did you mean bureau.score")).to_be_visible()
    editor.fill(text.replace("bureau.score < 600", "bureau.score < 620"))
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Saved credit version 2 as a draft.")).to_be_visible()
    page.get_by_role("button", name="Test draft against saved applications").click()
    expect(page.get_by_text("would be decided differently")).to_be_visible()
    expect(page.get_by_role("cell", name="changed")).to_have_count(1)  # the 610 applicant
    page.screenshot(path=str(artifacts / "admin-rules-tested.png"), full_page=True)
    page.get_by_role("button", name="Publish draft").click()
    expect(page.get_by_text("Published credit version 2")).to_be_visible()
    expect(credit.get_by_role("cell", name="retired")).to_be_visible()

    # The next decision uses version 2: a 610 score passed the old floor (600), not the new.
    sign_out(page)
    sign_in(page, app_url, "borrower@demo.lendbook.dev")
    page.goto(app_url + "/apply")
    apply_for_loan(page, "Personal Loan", "5000", "24", ssn="2222", income="6000")
    expect(page.locator("#application-status")).to_have_text("Declined")
    expect(page.locator("#decision-reasons")).to_contain_text("Credit score below our minimum")

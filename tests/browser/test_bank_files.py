"""The servicing console's Bank files page: a malformed return file is refused with its line
and field and changes nothing; today's debit file is written (or nothing is due)."""
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import sign_in
from tests.conftest import SHARED

pytestmark = pytest.mark.browser
BAD = SHARED / "samples" / "ach" / "ppd-debit-invalid-entryDetail-checkDigit.ach"


def test_servicer_uploads_a_bad_return_file_and_writes_the_debit_file(
        page: Page, app_url: str, artifacts):
    if not BAD.exists():
        pytest.skip(f"{BAD} is absent (the shared folder is not beside the project)")
    sign_in(page, app_url, "servicer@demo.lendbook.dev")
    page.get_by_role("link", name="Bank files").click()
    expect(page).to_have_url(re.compile(r"/servicing/bank-files/?$"))
    page.locator("#return-upload input[type=file]").set_input_files(str(BAD))
    page.get_by_role("button", name="Process return file").click()
    errors = page.locator("#bank-file-errors")
    expect(errors).to_contain_text("Nothing was changed")
    expect(errors).to_contain_text("line 3, check_digit")
    expect(page.locator("#bank-files")).not_to_contain_text("Received")
    page.screenshot(path=str(artifacts / "bank-files-refused.png"), full_page=True)
    page.get_by_role("button", name="Write today's debit file").click()
    expect(page.locator("#bank-file-result")).to_contain_text(
        re.compile(r"nothing is due on the bank-file rail today|debits, "))
    page.screenshot(path=str(artifacts / "bank-files.png"), full_page=True)

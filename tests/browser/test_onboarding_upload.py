"""Bulk loan upload in the servicing console: a file with errors is refused with its
validation report (downloaded), the fixed file is booked, and the Bulk Loan Upload Report
lists every row with its Loan ID and the totals reconciled to the file."""
import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from domain.onboarding.rows import COLUMNS
from tests.browser.pages import sign_in

pytestmark = pytest.mark.browser


def loan_file(tmp_path, name: str, broken: bool) -> str:
    rows = []
    for n in range(1, 4):
        row = {"external_ref": f"UPL-{n:04d}", "product_code": "PERSONAL",
               "borrower_name": f"Upload Borrower {n}",
               "borrower_email": f"upload{n}@example.com",
               "borrower_date_of_birth": "1980-01-15", "address_line1": f"{n} Main St",
               "city": "Springfield", "state": "IL", "postal_code": "62701",
               "funded_amount": f"{2000 + 1000 * n}.00", "funding_date": "2026-11-01",
               "use_product_defaults": "yes", "term": "24"}
        rows.append(row)
    if broken:
        rows[0]["funded_amount"] = "9999999.00"  # above the product's maximum
        rows[1]["borrower_email"] = "not-an-email"
        rows[1]["term"] = "7x"
        rows[2]["product_code"] = "NOSUCH"
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path = tmp_path / name
    path.write_text(out.getvalue())
    return str(path)


def test_upload_with_errors_then_fixed_then_the_upload_report(page: Page, app_url: str,
                                                             artifacts, tmp_path):
    sign_in(page, app_url, "servicer@demo.lendbook.dev")
    page.get_by_role("link", name="Loan upload").click()
    expect(page).to_have_url(re.compile(r"/servicing/onboarding/?$"))
    page.locator("#loan-file input[type=file]").set_input_files(
        loan_file(tmp_path, "loans-broken.csv", broken=True))
    page.get_by_role("button", name="Validate file").click()
    report = page.locator("#validation-report")
    expect(page.locator("#validation-summary")).to_contain_text("3 rows: 0 valid")
    for text in ("funded_amount", "borrower_email", "term", "product_code"):
        expect(report).to_contain_text(text)
    expect(page.locator("#book-all")).to_have_count(0)
    page.screenshot(path=str(artifacts / "onboarding-errors.png"), full_page=True)
    with page.expect_download() as got:
        page.get_by_role("button", name="Download the validation report (CSV)").click()
    lines = list(csv.reader(open(got.value.path())))
    assert lines[0] == ["row", "column", "value", "reason"]
    assert {(r[0], r[1]) for r in lines[1:]} >= {("2", "funded_amount"),
                                                ("3", "borrower_email"), ("3", "term"),
                                                ("4", "product_code")}

    page.locator("#loan-file input[type=file]").set_input_files(
        loan_file(tmp_path, "loans-fixed.csv", broken=False))
    page.get_by_role("button", name="Validate file").click()
    expect(page.locator("#validation-summary")).to_contain_text("3 rows: 3 valid")
    page.get_by_role("button", name="Book every row").click()
    upload = page.locator("#upload-report")
    expect(upload).to_contain_text("Bulk Loan Upload Report")
    expect(page.locator("#reconciled")).to_have_text("yes")
    expect(upload.get_by_role("link", name=re.compile(r"^LN-\d{6}$"))).to_have_count(3)
    expect(upload).to_contain_text("12,000.00")  # 3,000 + 4,000 + 5,000 boarded
    page.screenshot(path=str(artifacts / "onboarding-upload-report.png"), full_page=True)
    with page.expect_download() as got:
        page.get_by_role("button", name="Download the upload report (CSV)").click()
    text = open(got.value.path()).read()
    assert "reconciled,yes" in text and text.count("booked") >= 3

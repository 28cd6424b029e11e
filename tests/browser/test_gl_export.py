"""An admin exports the demo book's journal for the GL: sees the totals balance and reconcile
with the trial balance, downloads the CSV (the same lines and totals), and a second export of
the range finds nothing new."""
import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import sign_in

pytestmark = pytest.mark.browser


def test_admin_exports_the_journal_and_downloads_the_csv(page: Page, app_url: str, artifacts):
    sign_in(page, app_url, "admin@demo.lendbook.dev")
    page.get_by_role("link", name="GL export").click()
    expect(page.get_by_role("heading", name="GL export")).to_be_visible()
    page.get_by_label("From", exact=True).fill("2000-01-01")
    page.get_by_label("To", exact=True).fill(date.today().isoformat())
    page.get_by_label("Format").select_option("csv")
    page.get_by_role("button", name="Export", exact=True).click()
    expect(page.get_by_text("Export 1 recorded")).to_be_visible()
    totals = page.locator("#gl-export-totals")
    expect(totals).to_contain_text("balanced yes")
    expect(totals).to_contain_text("already exported, skipped 0")
    recon = page.locator("#gl-reconciliation")
    expect(recon.get_by_role("cell", name="yes", exact=True)).to_have_count(8)  # every account
    expect(recon.get_by_role("cell", name="no", exact=True)).to_have_count(0)
    page.screenshot(path=str(artifacts / "admin-gl-export.png"), full_page=True)

    with page.expect_download() as info:
        page.locator("#gl-export-download").click()
    download = info.value
    assert download.suggested_filename == "gl-export-1.csv"
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    debit = sum(Decimal(r["debit"]) for r in rows)
    assert rows and debit == sum(Decimal(r["credit"]) for r in rows)
    expect(totals).to_contain_text(f"Lines {len(rows)}")
    expect(totals).to_contain_text(f"debit {debit:,.2f}")

    page.get_by_role("button", name="Export", exact=True).click()
    expect(page.get_by_text("Nothing new to export in this range")).to_be_visible()
    past = page.locator("#gl-exports")
    expect(past.get_by_role("row")).to_have_count(2)  # the header and export 1
    expect(past).to_contain_text("admin@demo.lendbook.dev")

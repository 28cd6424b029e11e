"""An admin opens the audit trail: verifies the hash chain, filters by action, opens a row's
before/after diff, and exports the filter; the downloaded CSV holds exactly the filtered rows
(as the database has them). Also on a phone-sized screen."""
import csv
import io

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from tests.browser.pages import guide_shot, sign_in

pytestmark = pytest.mark.browser


def _ids(app_url, action_prefix: str) -> list[int]:
    engine = create_engine(app_url.database_url)
    with engine.connect() as c:
        ids = [i for (i,) in c.execute(text(
            "SELECT id FROM audit_log WHERE action LIKE :p ORDER BY id DESC"),
            {"p": action_prefix + "%"})]
    engine.dispose()
    return ids


def test_admin_filters_opens_a_diff_and_exports(page: Page, app_url: str, artifacts):
    sign_in(page, app_url, "admin@demo.lendbook.dev")
    page.get_by_role("link", name="Audit").click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    page.get_by_role("button", name="Verify now").click()
    expect(page.locator("#chain-status")).to_contain_text("Intact, verified")
    expect(page.locator("#chain-status")).to_contain_text("audit rows verified (chain intact)")

    expected = _ids(app_url, "application.")
    assert len(expected) > 5, "the demo data records application changes"
    page.get_by_label("Action (starts with)").fill("application.")
    page.get_by_role("button", name="Search").click()
    rows = page.locator(".audit-row")
    expect(rows).to_have_count(min(len(expected), 50))
    expect(rows.first).to_have_attribute("data-audit-id", str(expected[0]))  # newest first
    for k in range(min(len(expected), 50)):
        expect(rows.nth(k)).to_contain_text("application.")

    rows.first.get_by_role("button", name="Show changes").click()
    diff = page.locator("#audit-diff")
    expect(diff).to_be_visible()
    expect(diff.locator(".diff-changed").first).to_be_visible()
    expect(diff).to_contain_text("stage (changed)")  # the demo's newest: a referral
    expect(rows.first.get_by_role("button", name="Hide changes")).to_have_attribute(
        "aria-expanded", "true")
    page.screenshot(path=str(artifacts / "admin-audit.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 1000})  # the guide's picture: diff open
    guide_shot(page, artifacts, "admin-audit.png", full_page=False)

    with page.expect_download() as info:
        page.locator("#audit-export-csv").click()
    download = info.value
    assert download.suggested_filename.startswith("audit-")
    assert download.suggested_filename.endswith(".csv")
    got = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert [int(r["id"]) for r in got] == expected
    assert all(r["action"].startswith("application.") for r in got)
    assert all(len(r["hash"]) == 64 for r in got)

    page.get_by_role("button", name="Clear").click()  # the export itself is in the trail
    page.get_by_label("Action (starts with)").fill("audit.exported")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("admin@demo.lendbook.dev")


def test_the_viewer_on_a_phone(page: Page, app_url: str, artifacts):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, app_url, "admin@demo.lendbook.dev")
    page.goto(app_url + "/admin/audit")
    rows = page.locator(".audit-row")
    expect(rows.first).to_be_visible()  # the page's load has run: it no longer resets the form
    # opened by URL, the header's links keep their colour and padding (assets/lendbook.css)
    link = page.locator("#brand-header a", has_text="Ledger").first
    assert link.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).paddingLeft]") \
        == ["rgb(255, 255, 255)", "8px"]
    field = page.get_by_label("Action (starts with)")
    field.fill("application.ref")
    expect(field).to_have_value("application.ref")
    page.get_by_role("button", name="Search").click()
    expect(rows.first).to_contain_text("application.referred")
    rows.first.get_by_role("button", name="Show changes").click()
    expect(page.locator("#audit-diff")).to_contain_text("stage (changed)")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    page.screenshot(path=str(artifacts / "admin-audit-phone.png"), full_page=True)

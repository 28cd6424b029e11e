"""An admin changes the brand colour and logo (after a refused low-contrast colour and a refused
SVG), previews and publishes; the borrower's next page load shows the new name, colour, logo
and footer (before/after screenshots differ)."""
import hashlib

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import guide_shot, sign_in, sign_out
from tests.images import png

pytestmark = pytest.mark.browser
NEW_PRIMARY, NEW_RGB = "#6a040f", "rgb(106, 4, 15)"


def test_admin_rebrands_and_the_borrower_sees_it_next_page_load(page: Page, app_url: str,
                                                                 artifacts):
    sign_in(page, app_url, "borrower@demo.lendbook.dev")
    page.goto(app_url + "/loans")
    header = page.locator("#brand-header")
    expect(page.locator("#brand-name")).to_have_text("Lendbook")
    before_bg = header.evaluate("e => getComputedStyle(e).backgroundColor")
    assert before_bg == "rgb(29, 53, 87)"
    expect(page.locator("#brand-logo")).to_have_count(0)
    before = artifacts / "branding-borrower-before.png"
    header.screenshot(path=str(before))
    page.goto(app_url + "/admin/branding")  # not for borrowers: refused by the backend
    expect(page.locator("#access-denied")).to_be_visible()
    expect(page.get_by_label("Lender name")).to_have_count(0)
    sign_out(page)

    sign_in(page, app_url, "admin@demo.lendbook.dev")
    page.goto(app_url + "/admin/branding")
    expect(page.get_by_label("Lender name")).to_have_value("Lendbook")
    page.get_by_label("Lender name").fill("Harbor Credit Union")
    primary = page.locator("#bf-primary")
    primary.fill("#ffd166")  # too light for white text
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#brand-errors")).to_contain_text("contrast ratio of 1.")
    svg = artifacts / "logo.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    primary.fill(NEW_PRIMARY)
    page.locator("#logo-upload input[type=file]").set_input_files(str(svg))
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#brand-errors")).to_contain_text("not a PNG or JPEG")
    expect(page.get_by_role("button", name="Publish draft")).to_be_disabled()

    logo_png = artifacts / "harbor-logo.png"
    logo_png.write_bytes(png(48, 48, (255, 209, 102)))
    sha = hashlib.sha256(logo_png.read_bytes()).hexdigest()
    page.get_by_label("Legal footer").fill("Harbor Credit Union, NMLS 424242. Equal Housing Lender.")
    page.get_by_label("Support e-mail").fill("help@harbor.test")
    page.locator("#logo-upload input[type=file]").set_input_files(str(logo_png))
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#brand-notice")).to_contain_text("as a draft")
    # The live preview shows the draft; the admin's own header still shows the published brand.
    preview = page.locator("#brand-preview-header")
    expect(preview).to_contain_text("Harbor Credit Union")
    assert preview.evaluate("e => getComputedStyle(e).backgroundColor") == NEW_RGB
    expect(page.locator("#brand-preview-footer")).to_contain_text("NMLS 424242")
    expect(page.locator("#brand-name")).to_have_text("Lendbook")
    guide_shot(page, artifacts, "admin-branding.png")
    page.get_by_role("button", name="Publish draft").click()
    expect(page.locator("#brand-notice")).to_contain_text("Published version")
    expect(page.get_by_role("cell", name="published")).to_have_count(1)
    sign_out(page)

    sign_in(page, app_url, "borrower@demo.lendbook.dev")
    page.goto(app_url + "/loans")
    expect(page.locator("#brand-name")).to_have_text("Harbor Credit Union")
    expect(page.locator("#brand-logo")).to_have_attribute("src", f"/brand/logo/{sha}")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == NEW_RGB
    assert page.locator("#brand-logo").evaluate("e => e.complete && e.naturalWidth") == 48
    expect(page.locator("#brand-footer")).to_contain_text("NMLS 424242")
    expect(page.locator("#brand-footer")).to_contain_text("help@harbor.test")
    after = artifacts / "branding-borrower-after.png"
    header.screenshot(path=str(after))
    assert before.read_bytes() != after.read_bytes()

    logo = httpx.get(f"{app_url}/brand/logo/{sha}")
    assert logo.status_code == 200 and logo.content == logo_png.read_bytes()
    assert "immutable" in logo.headers["cache-control"]
    assert httpx.get(app_url + "/api/v1/brand").json()["primary"] == NEW_PRIMARY

    # The dealer portal and the field agent's static capture page show it too.
    sign_out(page)
    sign_in(page, app_url, "dealer@demo.lendbook.dev")
    page.goto(app_url + "/dealer")
    expect(page.locator("#brand-name")).to_have_text("Harbor Credit Union")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == NEW_RGB
    page.goto(app_url + "/agent/")
    bar = page.locator("header.bar")
    expect(bar.locator(".brand")).to_have_text("Harbor Credit Union")
    assert bar.evaluate("e => getComputedStyle(e).backgroundColor") == NEW_RGB

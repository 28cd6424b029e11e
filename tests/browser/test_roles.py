"""An admin creates a role with limited permissions (view loans, post payments), assigns it
to a new user; that user signs in, sees only the allowed pages, is refused the rest (the page
says so), and direct requests to download routes are refused by the backend."""
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import fill, guide_shot, sign_in, sign_out

pytestmark = pytest.mark.browser


def test_admin_creates_a_limited_role_and_its_user_is_refused_the_rest(page: Page, app_url: str,
                                                                       artifacts):
    sign_in(page, app_url, "admin@demo.lendbook.dev")
    page.get_by_role("link", name="Roles").click()
    expect(page.get_by_role("heading", name="Roles and permissions")).to_be_visible()
    roles = page.locator("#roles-table")
    expect(roles.get_by_role("row")).to_have_count(7)  # the header and the six built-in roles
    fill(page, {"Code": "payments_clerk", "Name": "Payments clerk",
                "Description": "Posts payments on any loan"})
    page.get_by_label("Lands on").select_option("staff")
    page.get_by_role("checkbox", name=re.compile("^View any loan")).click()
    page.keyboard.press("Tab")
    page.get_by_role("checkbox", name=re.compile("^Post payments")).focus()
    page.keyboard.press("Space")  # keyboard works as well as the mouse
    expect(page.get_by_role("checkbox", name=re.compile("^Post payments"))).to_be_checked()
    page.get_by_label("Reason for the change").fill("payments desk")
    page.get_by_role("button", name="Save role").click()
    expect(page.locator("#roles-notice")).to_contain_text("Role payments_clerk saved.")
    row = roles.get_by_role("row").filter(has_text="payments_clerk")
    expect(row).to_contain_text("custom")
    expect(row.get_by_role("cell").nth(2)).to_have_text("2")  # permissions
    page.set_viewport_size({"width": 1280, "height": 900})
    guide_shot(page, artifacts, "admin-roles.png")

    page.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    fill(page, {"E-mail": "clerk@example.test", "Full name": "Cleo Clerk",
                "Password": "a-long-password"})
    page.get_by_label("Role", exact=True).select_option("payments_clerk")
    page.get_by_role("button", name="Create user").click()
    expect(page.locator("#users-notice")).to_contain_text("User clerk@example.test created.")
    expect(page.locator("#users-table").get_by_role("row").filter(
        has_text="clerk@example.test")).to_contain_text("Payments clerk")
    sign_out(page)

    sign_in(page, app_url, "clerk@example.test", "a-long-password")
    expect(page).to_have_url(re.compile(r"/servicing/?$"))  # staff, first allowed console
    expect(page.locator("#signed-in-as")).to_contain_text("Payments clerk")
    nav = page.get_by_role("banner")
    expect(nav.get_by_role("link", name="Servicing")).to_be_visible()
    for hidden in ("Underwriting", "Bank files", "Products", "GL export", "Roles", "Users",
                   "Audit"):
        expect(nav.get_by_role("link", name=hidden)).to_have_count(0)
    expect(page.get_by_role("link", name="LN-000001")).to_be_visible()  # loans: allowed
    for path in ("/admin/gl", "/admin/roles", "/underwriting", "/servicing/bank-files"):
        page.goto(app_url + path)  # the page's load event is refused by the backend
        expect(page.locator("#access-denied")).to_contain_text(
            "Payments clerk role may not do this")
    page.screenshot(path=str(artifacts / "roles-refused.png"), full_page=True)

    for path, needed in (("/api/v1/gl-exports/1.csv", "export.data"),
                         ("/api/v1/ach-files/1", "bank_files.manage")):
        r = page.request.get(app_url + path)  # the browser's own session cookie
        assert r.status == 403, (path, r.status)
        assert needed in r.json()["errors"][0]["reason"]

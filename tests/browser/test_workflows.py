"""An admin edits a workflow as data: a bad condition is refused with its path, a custom
review stage is saved as a draft with its stages shown, published, and offered to products."""
import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import sign_in

pytestmark = pytest.mark.browser


def test_admin_drafts_and_publishes_a_workflow(page: Page, app_url: str, artifacts):
    sign_in(page, app_url, "admin@demo.lendbook.dev")
    page.goto(app_url + "/admin/workflows")
    expect(page.get_by_role("cell", name="built-in").first).to_be_visible()
    editor = page.get_by_label("Workflow (JSON)")
    definition = json.loads(editor.input_value())
    definition["name"] = "Verified income"
    definition["stages"].insert(2, {"key": "verification", "name": "Income verification",
                                    "actors": ["underwriter"], "when": "amount > 1000O"})
    page.get_by_label("Workflow code").fill("verified")
    editor.fill(json.dumps(definition, indent=2))
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert")).to_contain_text("stages[2].when")
    definition["stages"][2]["when"] = "amount > 10000"
    editor.fill(json.dumps(definition, indent=2))
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Saved verified version 1 as a draft.")).to_be_visible()
    expect(page.get_by_role("cell", name="Income verification")).to_be_visible()
    expect(page.get_by_role("cell", name="amount > 10000")).to_be_visible()
    page.get_by_role("button", name="Publish draft").click()
    expect(page.get_by_text("Published verified version 1")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^verified 1 published"))).to_be_visible()
    page.screenshot(path=str(artifacts / "admin-workflows.png"), full_page=True)
    page.goto(app_url + "/admin/products")
    expect(page.get_by_label("Workflow").locator("option[value=verified]")).to_have_count(1)

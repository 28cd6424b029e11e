"""An admin downloads the configuration, uploads a changed copy, reads the dry-run diff (a
product's rate changed, a rule added), applies it and sees it live; an invalid copy is refused
with the JSON path of each error and changes no row."""
import re
import uuid

import pytest
import yaml
from playwright.sync_api import Page, expect
from sqlalchemy import func
from sqlmodel import select

from domain.db.origination_tables import RuleSetVersion
from domain.db.tables import AuditLog, ProductVersion
from domain.db.uow import UnitOfWork
from domain.origination import rulesets
from tests.browser.pages import guide_shot, sign_in, sign_out
from tests.integration.helpers import make_product, make_user
from tests.integration.test_rulesets import rules

pytestmark = pytest.mark.browser
NEW_RULE = {"id": "young", "name": "Young file", "when": "bureau.score < 640",
            "outcome": "refer", "reason": "Manual review", "tier": None,
            "adverse_action_code": None}


def rows(url: str) -> dict[str, int]:
    with UnitOfWork(url) as s:
        return {m.__name__: s.exec(select(func.count()).select_from(m)).one()
                for m in (ProductVersion, RuleSetVersion, AuditLog)}


def own_config(url: str) -> tuple[str, str]:
    """A product and a rule set of this test's own, so the demo's (which later browser tests
    read, e.g. the rules test editing credit) are left as they were."""
    uniq = uuid.uuid4().hex[:6]
    admin = make_user(url, uniq, "admin", tag="cfg")
    code, rule_set = f"CFG{uniq}".upper(), f"cfg{uniq}"
    make_product(url, admin, uniq, code=code)
    version = rulesets.save_draft(admin, rule_set, rules(600), url)
    rulesets.publish(admin, rule_set, version, "config test", url)
    return code, rule_set


def test_admin_exports_checks_applies_and_is_refused_an_invalid_document(
        page: Page, app_url, artifacts):
    code, rule_set = own_config(app_url.database_url)
    sign_in(page, app_url, "admin@demo.lendbook.dev")
    page.goto(app_url + "/admin/config")
    page.get_by_label("Format").select_option("yaml")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download export").click()
    download = info.value
    assert download.suggested_filename == "lendbook-config.yaml"
    exported = artifacts / "lendbook-config.yaml"
    download.save_as(exported)
    doc = yaml.safe_load(exported.read_text())
    assert doc["format"] == "lendbook-config" and doc["version"] == 1
    personal = next(p for p in doc["sections"]["products"] if p["code"] == code)
    assert personal["settings"]["annual_rate"] == "11.99"

    personal["settings"]["annual_rate"] = "13.49"
    credit = next(r for r in doc["sections"]["rule_sets"] if r["code"] == rule_set)
    group = credit["definition"]["groups"][1]
    group["rules"].append(NEW_RULE)
    new_index = len(group["rules"]) - 1
    changed = artifacts / "lendbook-config-changed.yaml"
    changed.write_text(yaml.safe_dump(doc, sort_keys=False))
    page.locator("#config-upload input[type=file]").set_input_files(str(changed))
    page.get_by_role("button", name="Check (dry run)").click()
    expect(page.locator("#config-notice")).to_contain_text("Dry run: nothing has changed yet")
    diff = page.locator("#config-diff")
    rate = diff.get_by_role("row").filter(has_text="settings.annual_rate")
    expect(rate).to_contain_text(code)
    expect(rate).to_contain_text("changed")
    expect(rate).to_contain_text("11.99")
    expect(rate).to_contain_text("13.49")
    added = diff.get_by_role("row").filter(
        has_text=f"definition.groups[1].rules[{new_index}].id")
    expect(added).to_contain_text("young")
    expect(page.locator("#config-summary")).to_contain_text(
        re.compile(r"products: 1 changed, \d+ unchanged"))
    expect(page.locator("#config-summary")).to_contain_text("rule_sets: 1 changed")
    guide_shot(page, artifacts, "admin-config.png")

    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#config-notice")).to_contain_text(
        re.compile(rf"Applied document sha256:[0-9a-f]{{12}}.*: rule set {rule_set} v2, "
                   rf"product {code} v2\."))
    expect(page.get_by_role("button", name="Apply")).to_be_disabled()
    page.goto(app_url + "/admin/products")  # live: the product list shows the new version
    row = page.get_by_role("row").filter(has_text=code)
    expect(row).to_contain_text("13.49%")
    with UnitOfWork(app_url.database_url) as s:  # the rule set's v2 is the one in use
        from domain.origination.rulesets import published
        live = published(s, rule_set)
        assert live.version == 2 and [r.id for g in live.groups for r in g.rules][-1] == "young"

    before = rows(app_url.database_url)
    personal["settings"]["annual_rate"] = "14.99"
    personal["settings"]["day_count"] = "30/361"
    personal["settings"]["colour"] = "red"
    doc["sections"]["branding"] = {"definition": {"name": "X", "primary": "#ffd166",
                                                  "accent": "#000000"}, "logo": None}
    broken = artifacts / "lendbook-config-broken.yaml"
    broken.write_text(yaml.safe_dump(doc, sort_keys=False))
    page.goto(app_url + "/admin/config")
    page.locator("#config-upload input[type=file]").set_input_files(str(broken))
    page.get_by_role("button", name="Check (dry run)").click()
    errors = page.locator("#config-errors")
    index = doc["sections"]["products"].index(personal)
    expect(errors).to_contain_text(f"sections.products[{index}].settings.day_count: must be "
                                   "one of 30/360")
    expect(errors).to_contain_text(f"sections.products[{index}].settings.colour: unknown key")
    expect(errors).to_contain_text("sections.branding.definition.primary: white text on")
    expect(page.get_by_role("button", name="Apply")).to_be_disabled()
    expect(page.locator("#config-diff")).to_have_count(0)
    page.screenshot(path=str(artifacts / "admin-config-refused.png"), full_page=True)
    assert rows(app_url.database_url) == before
    page.goto(app_url + "/admin/products")
    expect(page.get_by_role("row").filter(has_text=code)).to_contain_text("13.49%")

    # On a phone the page fits its width (the diff table scrolls inside its card).
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(app_url + "/admin/config")
    page.locator("#config-upload input[type=file]").set_input_files(str(exported))
    page.get_by_role("button", name="Check (dry run)").click()  # the original: 13.49 -> 11.99
    expect(page.locator("#config-notice")).to_contain_text("Dry run: nothing has changed yet")
    expect(page.locator("#config-diff")).to_contain_text("13.49")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts / "admin-config-phone.png"), full_page=True)

    # Not for other roles: the backend refuses the page and its actions.
    sign_out(page)
    sign_in(page, app_url, "borrower@demo.lendbook.dev")
    page.goto(app_url + "/admin/config")
    expect(page.locator("#access-denied")).to_be_visible()
    expect(page.get_by_role("button", name="Download export")).to_have_count(0)

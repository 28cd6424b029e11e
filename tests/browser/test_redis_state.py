"""With REDIS_URL set, Reflex keeps every page's state in Redis (the browser app runs that way
in these tests); here we check it really is so, and that a borrower's half-filled form
survives new connections."""
import pytest
import redis
from playwright.sync_api import Page, expect

from tests.browser.pages import fill, sign_in

pytestmark = pytest.mark.browser


def test_page_state_lives_in_redis(page: Page, app_url, artifacts):
    if not app_url.redis_url:
        pytest.skip("Redis is unreachable here (under CI that fails the run instead)")

    sign_in(page, app_url, "borrower@demo.lendbook.dev")
    page.goto(app_url + "/apply")
    fill(page, {"Amount": "4000", "Number of payments": "18"})
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_label("First name")).to_be_visible()
    client = redis.Redis.from_url(app_url.redis_url)
    keys = [k.decode() for k in client.scan_iter(count=1000)]
    assert any("apply_state" in k.lower() for k in keys), keys[:20]
    for _ in range(4):  # each reload opens a new websocket and reads the state again
        page.reload()
        expect(page.get_by_label("First name")).to_be_visible()
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_label("Amount")).to_have_value("4000")

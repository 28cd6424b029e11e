"""A dealer at the point of sale: applies for a customer with real typing and clicks, gets the
decision, finds it in its own list; a second dealer sees none of it and is refused the first
dealer's application by URL; a borrower is refused the dealer page. Screenshots at tablet
(1024x768) and phone (390x844) sizes."""
import re
import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.pages import sign_in, sign_out

pytestmark = pytest.mark.browser
TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}


def customer(tag: str) -> dict[str, str]:
    return {"Item": f"Oak bookcase {tag}", "Number of payments": "12", "First name": "Jo",
            "Last name": f"Kim{tag}", "SSN, last 4 digits": "8888", "E-mail": f"jo.kim.{tag.lower()}@example.test",
            "Phone": "+1 555 010 3000", "Street address": "9 Oak Rd", "City": "Dallas",
            "ZIP code": "75201", "Monthly income before tax": "5200"}


def type_into(page: Page, fields: dict[str, str]) -> None:
    for label, value in fields.items():
        page.get_by_label(label, exact=True).press_sequentially(value)


def _png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))


_PNG = _png()


def test_dealer_submits_for_a_customer_and_sees_only_its_own(browser: Browser, app_url: str,
                                                             artifacts):
    tag = uuid.uuid4().hex[:5].upper()
    page = browser.new_page(viewport=TABLET)
    sign_in(page, app_url, "dealer@demo.lendbook.dev")
    expect(page).to_have_url(re.compile(r"/dealer/?$"))  # a dealer lands on its page
    expect(page.get_by_role("link", name="Dealer", exact=True)).to_be_visible()
    merchant = page.get_by_label("Merchant")
    expect(merchant).to_have_value("Demo Furniture Co.")  # from its last application
    expect(page.locator("#dealer-applications")).to_contain_text("Carla Diaz")

    # Nothing filled in: every missing field says so, the first one gets the focus.
    page.get_by_role("button", name="Submit for a decision").click()
    expect(page.locator("#form-error")).to_contain_text("Please correct the")
    expect(page.locator("#item-error")).to_have_text("Required")
    expect(page.get_by_label("Item", exact=True)).to_be_focused()
    expect(page.locator("#consent-error")).to_contain_text("consent to a credit check")
    page.screenshot(path=str(artifacts / "dealer-errors-tablet.png"), full_page=True)

    # The sale: the amount financed follows the price and down payment as they are typed.
    merchant.fill("")
    merchant.press_sequentially(f"Oak & Iron {tag}")
    page.get_by_label("Price", exact=True).press_sequentially("2,400.00")
    page.get_by_label("Down payment (optional)").press_sequentially("2400")
    expect(page.locator("#amount-financed")).to_have_text("-")
    page.get_by_label("Down payment (optional)").fill("")
    page.get_by_label("Down payment (optional)").press_sequentially("400")
    expect(page.locator("#amount-financed")).to_have_text("2,000.00")
    page.get_by_label("Product").select_option(label="Personal Loan")
    type_into(page, customer(tag))
    page.get_by_label("Date of birth").fill("1980-05-06")  # a date input takes ISO text
    page.get_by_label("State").select_option("TX")
    page.get_by_label("Employment").select_option("employed")
    page.get_by_label("The customer consents to a credit check").check()
    for name in ("item", "price", "term", "ssn_last4", "monthly_income", "state", "consent"):
        expect(page.locator(f"#{name}-error")).to_have_count(0)  # filled in: error gone
    expect(page.locator("#form-error")).to_have_count(0)
    page.screenshot(path=str(artifacts / "dealer-form-tablet.png"), full_page=True)
    page.get_by_role("button", name="Submit for a decision").dblclick()  # submits once

    expect(page.locator("#decision-outcome")).to_have_text("Approved", timeout=10_000)
    expect(page.locator("#decision-reasons")).to_contain_text("Prime pricing")
    expect(page.locator("#decision-installment")).to_have_text("177.69")  # 2,000, 12, 11.99%
    table = page.locator("#dealer-applications table")
    mine = table.locator("tbody tr", has_text=f"Kim{tag}")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text(f"Oak & Iron {tag}")
    expect(mine).to_contain_text("2,000.00")
    expect(mine).to_contain_text("Approved")
    page.screenshot(path=str(artifacts / "dealer-decision-tablet.png"), full_page=True)

    # Its detail page shows status and stage.
    mine.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/dealer/applications/\d+/?$"))
    own_url = page.url
    expect(page.locator("#application-status")).to_contain_text("Approved")
    expect(page.locator("#app-stage")).to_have_text("offer")
    expect(page.locator("#app-customer")).to_have_text(f"Jo Kim{tag}")
    # The dealer uploads the customer's ID at the counter (a real PNG, checked from its bytes).
    png = artifacts / "customer-id.png"
    png.write_bytes(_PNG)
    page.get_by_label("Document type").select_option("id")
    page.locator("#doc-upload input[type=file]").set_input_files(str(png))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#documents")).to_contain_text("Photo ID: customer-id.png")
    page.screenshot(path=str(artifacts / "dealer-application-tablet.png"), full_page=True)

    # The next form starts with this dealer's latest merchant.
    page.get_by_role("link", name="Back to point of sale").click()
    expect(page.get_by_label("Merchant")).to_have_value(f"Oak & Iron {tag}")
    sign_out(page)

    # A second dealer sees none of it, and the first dealer's URL is refused.
    sign_in(page, app_url, "dealer2@demo.lendbook.dev")
    expect(page).to_have_url(re.compile(r"/dealer/?$"))
    expect(page.get_by_label("Merchant")).to_have_value("")
    expect(page.locator("#dealer-applications")).to_contain_text("No applications yet.")
    expect(page.locator("#dealer-applications")).not_to_contain_text(f"Kim{tag}")
    expect(page.locator("#dealer-applications")).not_to_contain_text("Carla Diaz")
    page.goto(own_url)
    expect(page.locator("#access-denied")).to_contain_text("not yours to see")
    expect(page.locator("#application-status")).to_have_count(0)
    expect(page.get_by_text(f"Kim{tag}")).to_have_count(0)
    page.screenshot(path=str(artifacts / "dealer-refused-tablet.png"))
    sign_out(page)

    # A borrower is refused the dealer page, and has no Dealer link.
    sign_in(page, app_url, "borrower@demo.lendbook.dev")
    page.goto(app_url + "/dealer")
    expect(page.locator("#access-denied")).to_contain_text("Borrower role may not do this")
    expect(page.get_by_role("button", name="Submit for a decision")).to_have_count(0)
    expect(page.get_by_role("link", name="Dealer", exact=True)).to_have_count(0)
    page.goto(own_url)
    expect(page.locator("#access-denied")).to_be_visible()
    page.close()

    # On a phone the list turns into cards and the form is one column.
    phone = browser.new_page(viewport=PHONE)
    sign_in(phone, app_url, "dealer@demo.lendbook.dev")
    expect(phone.locator("#dealer-cards li", has_text=f"Kim{tag}")).to_be_visible()
    expect(phone.locator("#dealer-applications table")).to_be_hidden()
    phone.screenshot(path=str(artifacts / "dealer-form-phone.png"), full_page=True)
    phone.locator("#dealer-cards li", has_text=f"Kim{tag}").get_by_role("link").click()
    expect(phone.locator("#application-status")).to_contain_text("Approved")
    phone.screenshot(path=str(artifacts / "dealer-application-phone.png"), full_page=True)
    phone.close()

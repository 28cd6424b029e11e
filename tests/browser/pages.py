"""Small page helpers: what a person does, in real clicks and typing."""
import os
import re
import shutil
from pathlib import Path

from playwright.sync_api import Page, expect

DEMO_PASSWORD = "lendbook-demo"


def hydrated(page: Page) -> None:
    """Wait until React has taken over the page's form (its DOM node carries React's
    props): a form submitted before that is the browser's own GET, which fails the sign-in
    and puts the typed password in the address."""
    page.wait_for_function("() => { const f = document.querySelector('form');"
                           " return !!f && Object.keys(f).some(k => k.startsWith('__react')); }")


def sign_in(page: Page, base: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(base + "/login")
    hydrated(page)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signed-in-as")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login/?$"))
    expect(page.get_by_role("link", name="Sign up")).to_be_visible()


def fill(page: Page, fields: dict[str, str]) -> None:
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)


def apply_for_loan(page: Page, product: str, amount: str, term: str, ssn: str = "8888",
                   income: str = "6000") -> None:
    """Walk the borrower's application steps with real typing; ends on the application page."""
    page.get_by_label("Product").select_option(label=product)
    fill(page, {"Amount": amount, "Number of payments": term})
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_label("First name")).to_be_visible()
    fill(page, {"First name": "Rita", "Last name": "Moreno", "Date of birth": "1985-03-14",
                "Last 4 digits of your SSN": ssn, "Mobile phone": "+1 415 555 0142"})
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_label("Street address")).to_be_visible()
    fill(page, {"Street address": "12 Market Street", "City": "San Francisco",
                "ZIP code": "94105"})
    page.get_by_label("State").select_option("CA")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_label("Monthly income before tax")).to_be_visible()
    page.get_by_label("Employment").select_option("employed")
    fill(page, {"Employer (optional)": "Acme", "Monthly income before tax": income})
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label(re.compile("I authorise the lender")).check()
    page.get_by_role("button", name="Submit application").click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/?$"))


def sign_on_docusign(page: Page, name: str) -> None:
    """On the (fake) DocuSign signing page: type the name, sign, come back."""
    page.get_by_label("Type your full name to sign").fill(name)
    page.get_by_role("button", name="Sign").click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/?\?event=signing_complete"))


def fund_application(page: Page, base: str, application_id: str, note: str = "Checks done"):
    """As staff: open the application in underwriting and release the funding."""
    page.goto(f"{base}/underwriting/{application_id}")
    page.get_by_role("button", name="Approve funding").click()
    expect(page.get_by_text(re.compile(r"LN-\d{6}")).first).to_be_visible()


GUIDE = Path(__file__).resolve().parents[2] / "docs" / "assets" / "guide"  # the docs' pictures


def guide_shot(page: Page, artifacts: Path, name: str, full_page: bool = True) -> None:
    """A screenshot kept with the test artifacts; with LENDBOOK_GUIDE_SHOTS=1 also copied
    over the docs' picture (docs/assets/guide/), so an ordinary run leaves the
    checkout as it was."""
    page.screenshot(path=str(artifacts / name), full_page=full_page)
    if os.environ.get("LENDBOOK_GUIDE_SHOTS") == "1":
        GUIDE.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(artifacts / name, GUIDE / name)

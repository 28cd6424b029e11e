"""The one rx.App: borrower portal, servicing console and configuration admin."""
import reflex as rx

# Pages register themselves with @rx.page when imported.
from admin.pages import audit, products  # noqa: F401
from portal.pages import apply, home, loan, login, my_loans, servicing, signup  # noqa: F401

app = rx.App()  # theme: RadixThemesPlugin in rxconfig.py

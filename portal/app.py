"""The one rx.App: borrower portal, servicing console and configuration admin."""
import reflex as rx

# Pages register themselves with @rx.page when imported.
from admin.pages import audit, ledger, products, rules, workflows  # noqa: F401
from integrations.docusign.fake_server import fake_docusign_lifespan
from portal.api import api_app
from portal.jobs import close_of_business_job
from portal.pages import (application, apply, autopay, dealer,  # noqa: F401
                          dealer_application, home, loan, login, my_loans, pay, servicing,
                          servicing_loan, signup, underwriting, underwriting_application)

app = rx.App(api_transformer=api_app())  # theme: RadixThemesPlugin in rxconfig.py
app.register_lifespan_task(close_of_business_job)
app.register_lifespan_task(fake_docusign_lifespan)  # only while DocuSign points at localhost

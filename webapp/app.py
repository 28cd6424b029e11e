"""The one rx.App: borrower portal, servicing console and configuration admin.

The only module that imports both `portal` and `admin` (they are independent of each other:
import-linter contract), so each side can change without touching the other."""
import logging

import reflex as rx

import composition
# Pages register themselves (@rx.page, ui.protected_page) when imported.
from admin.pages import (approvals, audit, branding, config, gl, ledger,  # noqa: F401
                         products, roles, rules, users, workflows)
from portal.api import api_app
from portal.jobs import close_of_business_job, collection_job
from portal.pages import (application, apply, autopay, bank_files, claim, dealer,  # noqa: F401
                          dealer_application, home, loan, login, manual_entry, my_loans,
                          onboarding, pay,
                          servicing,
                          servicing_loan, signup, underwriting, underwriting_application)


def _log_to_stderr() -> None:
    """Lendbook's own records from INFO up (the close-of-business and collection jobs) on the
    server's output, with the worker's pid. Reflex and granian keep
    their own logging; granian's per-worker logging set-up leaves these loggers alone."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(
        "%(asctime)s [pid %(process)d] %(levelname)s %(name)s: %(message)s"))
    for name in ("lendbook", "integrations"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
            logger.propagate = False


_log_to_stderr()
composition.start()  # the ports from the settings; the domain's document storage installed
app = rx.App(api_transformer=api_app(),  # theme: RadixThemesPlugin in rxconfig.py
             stylesheets=["/lendbook.css"])  # assets/lendbook.css: the header's links
app.register_lifespan_task(close_of_business_job)
app.register_lifespan_task(collection_job)

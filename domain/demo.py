"""Demo data for `make run`: a lender, two products, one user per role, loans in several states.

Loaded through the same commands the app uses, so the audit trail and ledger are real.
Running it twice changes nothing.
"""
from sqlmodel import select

from domain.db.tables import Lender
from domain.db.uow import UnitOfWork
from domain.money import from_minor
from domain.services import accounts, origination, payments, products
from domain.services.queries import loan_detail
from domain.services.actor import SYSTEM, Actor

PASSWORD = "lendbook-demo"
USERS = [
    ("admin@demo.lendbook.dev", "Ada Admin", "admin"),
    ("servicer@demo.lendbook.dev", "Sam Servicer", "servicer"),
    ("underwriter@demo.lendbook.dev", "Uma Underwriter", "underwriter"),
    ("dealer@demo.lendbook.dev", "Dan Dealer", "dealer"),
    ("agent@demo.lendbook.dev", "Fay Field-Agent", "field_agent"),
    ("borrower@demo.lendbook.dev", "Bea Borrower", "borrower"),
]


def load(url: str | None = None) -> bool:
    """Load once; returns False when the demo lender is already there."""
    with UnitOfWork(url) as s:
        if s.exec(select(Lender)).first():
            return False
        s.add(Lender(name="Demo Community Lending"))
    ids = {role: accounts.create_user(SYSTEM, email, PASSWORD, name, role, url)
           for email, name, role in USERS}
    admin = Actor(ids["admin"], "admin", USERS[0][0])
    personal = products.create_product(admin, products.ProductForm(
        "PERSONAL", "Personal Loan", "1000", "25000", "6", "60", "11.99"), url)
    products.create_product(admin, products.ProductForm(
        "HOMEIMP", "Home Improvement Loan", "2500", "50000", "26", "260", "8.5",
        frequency="biweekly", amortization="equal_principal", max_payment_to_income="35"), url)
    bea = Actor(ids["borrower"], "borrower", USERS[5][0])
    servicer = Actor(ids["servicer"], "servicer", USERS[1][0])
    active = origination.submit_application(bea, personal, "8000", "24", "5200", "Car repair",
                                            url=url)
    active_loan = origination.accept_offer(bea, active.id, url)
    payments.record_payment(servicer, active_loan, str(from_minor(active.installment_minor)), None,
                            "demo-payment-1", "Demo: first installment", url)
    small = origination.submit_application(bea, personal, "1200", "6", "5200", "Laptop", url=url)
    small_loan = origination.accept_offer(bea, small.id, url)
    owed = sum(i.principal_minor + i.interest_minor
               for i in loan_detail(servicer, small_loan, url).installments)
    payments.record_payment(servicer, small_loan, str(from_minor(owed)), None, "demo-payoff-1",
                            "Demo: paid in full", url)
    origination.submit_application(bea, personal, "25000", "6", "3000", "Debt consolidation",
                                   url=url)  # declined: payment too large for income
    origination.submit_application(bea, personal, "3000", "12", "5200", "Vacation", url=url)
    return True

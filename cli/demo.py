"""Demo data for `make run`: a lender, two products, one user per role, loans in several states.

Loaded through the same commands the app uses, so the audit trail and ledger are real.
Running it twice changes nothing.
"""
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlmodel import select

from domain.db.tables import Lender
from domain.db.uow import UnitOfWork
from domain.kernel.money import from_minor
from domain.access import accounts
from domain.servicing import cob, payments
from domain.origination import applications as origination
from domain.configuration import products
from domain.servicing.queries import loan_detail
from domain.kernel.actor import SYSTEM, Actor

PASSWORD = "lendbook-demo"
USERS = [
    ("admin@demo.lendbook.dev", "Ada Admin", "admin"),
    ("servicer@demo.lendbook.dev", "Sam Servicer", "servicer"),
    ("underwriter@demo.lendbook.dev", "Uma Underwriter", "underwriter"),
    ("dealer@demo.lendbook.dev", "Dan Dealer", "dealer"),
    ("dealer2@demo.lendbook.dev", "Dora Dealer", "dealer"),
    ("agent@demo.lendbook.dev", "Fay Field-Agent", "field_agent"),
    ("borrower@demo.lendbook.dev", "Bea Borrower", "borrower"),
]


def load(url: str | None = None) -> bool:
    """Load once; returns False when the demo lender is already there."""
    with UnitOfWork(url) as s:
        if s.exec(select(Lender)).first():
            return False
        s.add(Lender(name="Demo Community Lending"))
    ids = {email.split("@")[0]: accounts.create_user(SYSTEM, email, PASSWORD, name, role, url)
           for email, name, role in USERS}
    admin = Actor(ids["admin"], "admin", USERS[0][0])
    personal = products.create_product(admin, products.ProductForm(
        "PERSONAL", "Personal Loan", "1000", "25000", "6", "60", "11.99",
        settings=(("late_fee_minor", "15.00"), ("late_fee_grace_days", "10"),
                  ("nsf_fee_minor", "25.00"), ("rule_set", "credit"))), url)
    products.create_product(admin, products.ProductForm(
        "HOMEIMP", "Home Improvement Loan", "2500", "50000", "26", "260", "8.5",
        frequency="biweekly", amortization="equal_principal", max_payment_to_income="35"), url)
    bea = Actor(ids["borrower"], "borrower", USERS[6][0])
    servicer = Actor(ids["servicer"], "servicer", USERS[1][0])
    today = date.today()
    # LN-000001: four months old, every installment paid on its due date (current)
    current = _book(bea, personal, "8000", "24", "Car repair", today - timedelta(days=125), url)
    _pay_due(servicer, current, today, url)
    # LN-000002: two months old, paid off ten days ago
    small = _book(bea, personal, "1200", "6", "Laptop", today - timedelta(days=70), url)
    _pay_due(servicer, small, today - timedelta(days=10), url)
    payoff = loan_detail(servicer, small, url, today=today - timedelta(days=10)).payoff_minor
    payments.record_payment(servicer, small, str(from_minor(payoff)), today - timedelta(days=10),
                            "demo-payoff-LN-000002", "Demo: paid in full", url, payoff=True)
    # a few other borrowers' loans, some behind on their payments, for the bucket chart
    for n, (amount, months, paid) in enumerate([("5000", 5, 3), ("12000", 4, 2), ("3000", 2, 1),
                                                ("15000", 5, 1), ("7000", 3, 3)], start=1):
        email = f"borrower{n}@demo.lendbook.dev"
        uid = accounts.create_user(SYSTEM, email, PASSWORD, f"Demo Borrower {n}", "borrower", url)
        other = Actor(uid, "borrower", email)
        number = _book(other, personal, amount, "24", "Demo", today - relativedelta(
            months=months, days=3), url)
        _pay_due(servicer, number, today, url, limit=paid)
    origination.submit_application(bea, personal, "25000", "6", "3000", "Debt consolidation",
                                   url=url)  # declined: payment too large for income
    origination.submit_application(bea, personal, "3000", "12", "5200", "Vacation", url=url)
    _intake_demo("PERSONAL", Actor(ids["dealer"], "dealer", USERS[3][0]), url)
    _referred_pos_demo(Actor(ids["dealer"], "dealer", USERS[3][0]), "PERSONAL", url)
    cob.run_cob(today - timedelta(days=1), SYSTEM, url)  # close the books through yesterday
    return True


def _book(borrower: Actor, product: int, amount: str, term: str, purpose: str, on: date,
          url) -> str:
    app = origination.submit_application(borrower, product, amount, term, "5200", purpose,
                                         url=url)
    return origination.book_outside_workflow(app.id, "demo data: a loan with history", url,
                                             on=on)


def _pay_due(servicer: Actor, number: str, until: date, url, limit: int = 99) -> None:
    """Pay each installment in full on its due date, up to `until` (or `limit` of them)."""
    for i in loan_detail(servicer, number, url).installments[:limit]:
        if i.due_date > until:
            break
        payments.record_payment(servicer, number, str(from_minor(i.total_minor)), i.due_date,
                                f"demo-{number}-{i.number}", "Demo: installment", url)


DEMO_APPLICANTS = [("Carla", "Diaz", "8888", "CA", "dealer"), ("Tom", "Reed", "0000", "TX", "api"),
                   ("Ivy", "Chen", "2222", "NY", "agent"), ("Omar", "Hale", "6666", "IL", "api")]


DEMO_SALE = {"merchant": "Demo Furniture Co.", "item": "Sofa and dining set", "price": "5400.00",
             "down_payment": "400.00"}


def _intake_demo(personal_code: str, dan: Actor, url) -> None:
    """Applications from the other channels, with applicant data and bureau pulls, decided by
    the published demo rule set `credit` (so the admin can test a draft against them). The
    dealer-channel one is Dan Dealer's, at the point of sale."""
    from domain.origination import application_request as intake
    from domain.origination import intake as intake_service, rulesets
    from composition import ports
    from domain.rules.examples import EXAMPLE
    version = rulesets.save_draft(SYSTEM, "credit", EXAMPLE, url)
    rulesets.publish(SYSTEM, "credit", version, "demo rule set", url)
    for first, last, ssn, state, channel in DEMO_APPLICANTS:
        body = {"product_code": personal_code, "amount": "5000.00", "term": 24,
                "consent_credit_check": True, "purpose": "Demo",
                "applicant": {"first_name": first, "last_name": last,
                              "date_of_birth": "1985-06-15", "ssn_last4": ssn,
                              "email": f"{first.lower()}.{last.lower()}@demo.lendbook.dev",
                              "phone": "+1 555 010 0000",
                              "address": {"line1": "10 Demo Way", "city": "Springfield",
                                          "state": state, "postal_code": "62701"},
                              "employment": {"status": "employed", "months_employed": 40},
                              "monthly_income": "4800.00"}}
        if channel == "dealer":
            body["point_of_sale"] = DEMO_SALE
        intake_service.submit(intake.parse(body), channel, dan if channel == "dealer" else SYSTEM,
                              ports().bureau, url=url)


def _referred_pos_demo(dealer: Actor, personal_code: str, url) -> None:
    """A dealer's point-of-sale application with a thin credit file: referred, so the
    underwriting queue has a POS case beside the API one."""
    from domain.origination import application_request as intake
    from domain.origination import intake as intake_service
    from composition import ports
    body = {"product_code": personal_code, "amount": "2000.00", "term": 12,
            "consent_credit_check": True, "purpose": "Bookcase",
            "point_of_sale": {"merchant": DEMO_SALE["merchant"], "item": "Oak bookcase",
                              "price": "2400.00", "down_payment": "400.00"},
            "applicant": {"first_name": "Lena", "last_name": "Park",
                          "date_of_birth": "1996-02-29", "ssn_last4": "0000",
                          "email": "lena.park@demo.lendbook.dev", "phone": "+1 555 010 0199",
                          "address": {"line1": "5 Elm Street", "city": "Columbus",
                                      "state": "OH", "postal_code": "43004"},
                          "employment": {"status": "employed", "employer": "Columbus Transit",
                                         "months_employed": 14},
                          "monthly_income": "3600.00"}}
    intake_service.submit(intake.parse(body), "dealer", dealer, ports().bureau, url=url)

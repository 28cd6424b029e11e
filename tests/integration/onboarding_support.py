"""Builders for the onboarding tests: products of mixed frequency, and rows of a good file."""
import csv
from datetime import date, timedelta

from tests.integration.helpers import make_product, make_user


def world(url, uniq):
    admin = make_user(url, uniq, "admin", "onb")
    servicer = make_user(url, uniq, "servicer", "onb")
    monthly = f"M{uniq}".upper()
    biweekly = f"B{uniq}".upper()
    make_product(url, admin, uniq, code=monthly)
    make_product(url, admin, uniq + "b", code=biweekly, frequency="biweekly",
                 amortization="equal_principal")
    return dict(url=url, admin=admin, servicer=servicer, monthly=monthly, biweekly=biweekly,
                uniq=uniq)


def good_rows(w, n=6, today=None):
    today = today or date.today()
    rows = []
    for k in range(n):
        product = w["monthly"] if k % 2 == 0 else w["biweekly"]
        rows.append({
            "external_ref": f"EXT-{w['uniq']}-{k}", "product_code": product,
            "borrower_name": f"Boarded Borrower {k}",
            "borrower_email": f"boarded-{w['uniq']}-{k % 4}@example.test",
            "borrower_date_of_birth": "1980-05-17", "address_line1": f"{k} Main St",
            "address_line2": "", "city": "Springfield", "state": "IL", "postal_code": "62701",
            "funded_amount": f"{2000 + 500 * k}.00",
            "funding_date": (today - timedelta(days=3 * k)).isoformat(),
            "use_product_defaults": "yes" if k % 3 == 0 else "no",
            "annual_rate": "" if k % 3 == 0 else "9.5", "term": str(12 + k),
            "frequency": "", "payments_to_date": "", "current_principal": "",
            "days_past_due": ""})
    return rows


def numbered(rows):
    return lambda: ((i + 2, r) for i, r in enumerate(rows))  # row 1 is the header


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path

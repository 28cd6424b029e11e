"""The onboarding API over HTTP (Starlette's test client), on SQLite and PostgreSQL: a loan
boarded with its schedule, a replay with the same key answering the same Loan ID, a key
reused with another body refused, unknown fields refused by path, a batch all or nothing."""
import copy
import json

import pytest
from starlette.testclient import TestClient

from domain.db.onboarding_tables import OnboardedLoan
from domain.db.tables import Loan
from domain.access import partners
from portal.api import api_app
from portal.api.openapi import document
from tests.integration.helpers import count
from tests.integration.onboarding_support import world


def body(w, k=0):
    return {"external_ref": f"API-{w['uniq']}-{k}", "product_code": w["monthly"],
            "borrower": {"name": "Api Borrower", "email": f"api-{w['uniq']}@example.test",
                         "date_of_birth": "1979-03-01",
                         "address": {"line1": "2 Elm St", "city": "Springfield",
                                     "state": "IL", "postal_code": "62701"}},
            "funded_amount": "5000.00", "funding_date": "2026-01-15",
            "terms": {"use_product_defaults": True, "term": 24}}


@pytest.fixture
def api(db_url, uniq, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    w = world(db_url, uniq)
    _, key = partners.create_partner(w["admin"], f"LOS {uniq}", db_url)
    w["client"] = TestClient(api_app(), raise_server_exceptions=False)
    w["headers"] = lambda k: {"Authorization": f"Bearer {key}", "Idempotency-Key": k}
    return w


def post(api, path, payload, key):
    return api["client"].post(path, content=json.dumps(payload), headers=api["headers"](key))


def test_board_one_loan_and_replay_returns_the_same_loan(api):
    r = post(api, "/api/v1/loans", body(api), "k1-" + api["uniq"])
    assert r.status_code == 201, r.text
    loan = r.json()
    assert loan["loan_id"].startswith("LN-") and len(loan["schedule"]) == 24
    assert loan["schedule"][0]["due_date"] == "2026-02-15"
    assert sum(float(i["principal"]) for i in loan["schedule"]) == pytest.approx(5000.0)
    again = post(api, "/api/v1/loans", body(api), "k1-" + api["uniq"])
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == loan
    other = body(api)
    other["funded_amount"] = "5100.00"
    assert post(api, "/api/v1/loans", other, "k1-" + api["uniq"]).status_code == 409
    # a new key with the same reference: already boarded, named by field
    dup = post(api, "/api/v1/loans", body(api), "k2-" + api["uniq"])
    assert dup.status_code == 422
    assert dup.json()["errors"][0]["field"] == "external_ref"
    assert count(api["url"], OnboardedLoan,
                 OnboardedLoan.external_ref == body(api)["external_ref"]) == 1


def test_unknown_fields_are_refused_with_their_path(api):
    b = copy.deepcopy(body(api))
    b["collateral"] = "car"
    b["borrower"]["address"]["country"] = "US"
    b["terms"]["balloon"] = "100.00"
    r = post(api, "/api/v1/loans", b, "k3-" + api["uniq"])
    assert r.status_code == 422
    fields = {e["field"]: e["reason"] for e in r.json()["errors"]}
    assert {"collateral", "borrower.address.country", "terms.balloon"} <= set(fields)
    assert "refused" in fields["collateral"]
    assert count(api["url"], OnboardedLoan,
                 OnboardedLoan.external_ref == b["external_ref"]) == 0


def test_batch_is_all_or_nothing_and_names_each_field(api):
    good, bad = body(api, 1), body(api, 2)
    bad["terms"]["term"] = 999
    bad["funded_amount"] = "1.00"
    before = count(api["url"], Loan)
    r = post(api, "/api/v1/loans:batch", {"loans": [good, bad]}, "k4-" + api["uniq"])
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"loans[1].terms.term"}
    bad["terms"]["term"] = 12
    r = post(api, "/api/v1/loans:batch", {"loans": [good, bad]}, "k5-" + api["uniq"])
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"loans[1].funded_amount"}
    assert count(api["url"], Loan) == before
    bad["funded_amount"] = "2000.00"
    r = post(api, "/api/v1/loans:batch", {"loans": [good, bad]}, "k6-" + api["uniq"])
    assert r.status_code == 201, r.text
    assert [x["external_ref"] for x in r.json()["loans"]] == [good["external_ref"],
                                                               bad["external_ref"]]
    assert count(api["url"], Loan) == before + 2


def test_wrong_key_and_published_schema(api):
    r = api["client"].post("/api/v1/loans", content=json.dumps(body(api)),
                           headers={"Authorization": "Bearer lbk_nope_x", "Idempotency-Key": "x"})
    assert r.status_code == 401
    doc = document()
    assert "/api/v1/loans" in doc["paths"] and "/api/v1/loans:batch" in doc["paths"]
    assert doc["components"]["schemas"]["LoanRequest"]["additionalProperties"] is False


def test_seasoned_loan_with_dated_payments(api):
    from datetime import date

    from sqlalchemy import select

    from domain.onboarding import rows as rules
    from domain.db.tables import Payment
    from domain.db.uow import UnitOfWork
    from domain.onboarding.schema import flatten
    from domain.ledger import journal
    from domain.onboarding import boarding as onboarding
    b = body(api, 7)
    with UnitOfWork(api["url"]) as s:
        product = onboarding.load_products(s)[api["monthly"]]
    row, _ = rules.parse_row(1, flatten(b), date.today())
    first, second, third = rules.schedule_of(row, product.terms).installments[:3]
    from domain.kernel.money import from_minor
    m = lambda minor: f"{from_minor(minor):.2f}"  # noqa: E731
    left = 500000 - first.principal_minor - second.principal_minor
    b["history"] = {"payments": [{"date": str(second.due_date), "amount": m(second.total_minor)},
                                 {"date": str(first.due_date), "amount": m(first.total_minor)}],
                    "current_principal": m(left),
                    "days_past_due": (date.today() - third.due_date).days}
    r = post(api, "/api/v1/loans", b, "k7-" + api["uniq"])
    assert r.status_code == 201, r.text
    with UnitOfWork(api["url"]) as s:
        loan = s.execute(select(Loan).where(Loan.loan_number == r.json()["loan_id"])
                         ).scalars().one()
        pays = s.execute(select(Payment).where(Payment.loan_id == loan.id)
                         .order_by(Payment.received_on)).scalars().all()
        assert [(p.received_on, p.amount_minor) for p in pays] == [
            (first.due_date, first.total_minor), (second.due_date, second.total_minor)]
        assert journal.principal_outstanding(s, loan.id) == left
        assert loan.days_past_due == (date.today() - third.due_date).days
    b["external_ref"] += "-x"
    b["history"]["payments"][0]["amount"] = "0.5x"
    r = post(api, "/api/v1/loans", b, "k8-" + api["uniq"])
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"].startswith("history.payments[0].amount")


def test_a_partner_looks_up_its_boarded_loan_by_its_own_reference(api):
    from urllib.parse import quote
    b = body(api, 8)
    b["external_ref"] = f"LOS/{api['uniq']}/8"  # a reference with slashes, URL-encoded
    r = post(api, "/api/v1/loans", b, "k8-" + api["uniq"])
    assert r.status_code == 201, r.text
    boarded = r.json()
    path = f"/api/v1/loans/{quote(b['external_ref'], safe='')}"
    got = api["client"].get(path, headers=api["headers"]("unused"))
    assert got.status_code == 200, got.text
    loan = got.json()
    assert loan["loan_id"] == boarded["loan_id"] and loan["schedule"] == boarded["schedule"]
    assert loan["external_ref"] == b["external_ref"] and loan["status"] == "active"
    assert loan["funded_amount"] == "5000.00" and loan["funding_date"] == "2026-01-15"
    assert loan["product_code"] == api["monthly"]
    assert loan["principal_outstanding"] == "5000.00"  # nothing paid before boarding
    from jsonschema import Draft202012Validator
    Draft202012Validator(document()["components"]["schemas"]["LoanStatus"]).validate(loan)
    assert api["client"].get("/api/v1/loans/NOPE-" + api["uniq"],
                             headers=api["headers"]("x")).status_code == 404
    _, other = partners.create_partner(api["admin"], f"Other LOS {api['uniq']}", api["url"])
    assert api["client"].get(path, headers={"Authorization": f"Bearer {other}"}
                             ).status_code == 404  # another source's loans are not its own
    assert api["client"].get(path).status_code == 401
    assert "/api/v1/loans/{external_ref}" in document()["paths"]

"""The partner intake API over HTTP (Starlette's test client), on SQLite and PostgreSQL: valid,
invalid (each field), duplicate and wrong-key requests, and malformed bodies (hypothesis)."""
import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from sqlmodel import select
from starlette.testclient import TestClient

from domain.db.origination_tables import BureauPull, IdempotencyRecord
from domain.db.tables import Application, AuditLog
from domain.db.uow import UnitOfWork
from domain.access import partners
from portal.api import api_app
from tests.integration.helpers import count, make_product, make_user

VALID = {
    "product_code": "", "amount": "6000.00", "term": 12, "purpose": "Car repair",
    "external_ref": "PARTNER-1", "consent_credit_check": True,
    "applicant": {
        "first_name": "Ana", "last_name": "Lopez", "date_of_birth": "1988-04-02",
        "ssn_last4": "4321", "email": "ana.lopez@example.test", "phone": "+1 415 555 0100",
        "address": {"line1": "1 Main St", "city": "Springfield", "state": "IL",
                    "postal_code": "62701"},
        "employment": {"status": "employed", "employer": "Acme", "months_employed": 30},
        "monthly_income": "5200.00"},
}


@pytest.fixture
def api(db_url, uniq, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("LENDBOOK_BUREAU", raising=False)
    admin = make_user(db_url, uniq, "admin")
    make_product(db_url, admin, uniq, code=f"API{uniq}".upper())
    _, key = partners.create_partner(admin, f"Partner {uniq}", db_url)
    client = TestClient(api_app(), raise_server_exceptions=False)
    body = copy.deepcopy(VALID)
    body["product_code"] = f"API{uniq}".upper()
    body["applicant"]["email"] = f"ana-{uniq}@example.test"
    return dict(client=client, key=key, body=body, url=db_url, uniq=uniq)


def post(api, body, key="k1", auth=None):
    headers = {"Authorization": f"Bearer {auth or api['key']}"}
    if key is not None:
        headers["Idempotency-Key"] = f"{api['uniq']}-{key}"
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return api["client"].post("/api/v1/applications", content=raw, headers=headers)


def test_a_valid_application_is_decided_and_recorded(api):
    r = post(api, api["body"])
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["status"] == "approved" and out["stage"] == "offer"
    assert out["channel"] == "api" and out["external_ref"] == "PARTNER-1"
    assert out["installment"] == "533.06"  # 6,000 at 11.99%/12 over 12 months: 533.0597...
    with UnitOfWork(api["url"]) as s:
        app = s.get(Application, out["application_id"])
        assert (app.channel, app.amount_minor, app.term) == ("api", 600000, 12)
        assert app.applicant["address"]["postal_code"] == "62701" and app.partner_id
        assert s.exec(select(BureauPull).where(BureauPull.application_id == app.id)).one()
        assert s.exec(select(AuditLog).where(AuditLog.entity == "application",
                                             AuditLog.entity_id == str(app.id))).first()
    got = api["client"].get(f"/api/v1/applications/{out['application_id']}",
                            headers={"Authorization": f"Bearer {api['key']}"})
    assert got.status_code == 200 and got.json()["application_id"] == out["application_id"]


def test_a_retry_with_the_same_key_replays_and_a_different_body_conflicts(api):
    first = post(api, api["body"])
    before = count(api["url"], Application)
    again = post(api, api["body"])
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    changed = copy.deepcopy(api["body"])
    changed["amount"] = "7000.00"
    conflict = post(api, changed)
    assert conflict.status_code == 409
    assert conflict.json()["errors"][0]["field"] == "Idempotency-Key"
    assert count(api["url"], Application) == before


@pytest.mark.parametrize("auth", ["", "lbk_nope_nope", "not-a-key"])
def test_a_wrong_or_missing_key_is_refused_and_changes_nothing(api, auth):
    before = count(api["url"], Application)
    r = api["client"].post("/api/v1/applications", json=api["body"],
                           headers={"Idempotency-Key": "x",
                                    **({"Authorization": f"Bearer {auth}"} if auth else {})})
    assert r.status_code == 401 and r.json()["errors"][0]["field"] == "Authorization"
    assert count(api["url"], Application) == before


FIELD_CASES = [
    (("amount",), "12.345", "amount"), (("amount",), "50000.00", "amount"),
    (("term",), 0, "term"), (("term",), "12", "term"), (("product_code",), "NOPE", "product_code"),
    (("consent_credit_check",), False, "consent_credit_check"),
    (("applicant", "first_name"), "", "applicant.first_name"),
    (("applicant", "date_of_birth"), "2015-01-01", "applicant.date_of_birth"),
    (("applicant", "date_of_birth"), "1990-02-30", "applicant.date_of_birth"),
    (("applicant", "ssn_last4"), "12a4", "applicant.ssn_last4"),
    (("applicant", "email"), "not-an-email", "applicant.email"),
    (("applicant", "phone"), "call me", "applicant.phone"),
    (("applicant", "address", "state"), "ZZ", "applicant.address.state"),
    (("applicant", "address", "postal_code"), "6270", "applicant.address.postal_code"),
    (("applicant", "employment", "status"), "pirate", "applicant.employment.status"),
    (("applicant", "monthly_income"), "-5", "applicant.monthly_income"),
    (("applicant", "favourite_colour"), "blue", "applicant.favourite_colour"),
    (("surprise",), 1, "surprise"),
]


@pytest.mark.parametrize("path,value,field", FIELD_CASES)
def test_each_invalid_field_is_named_and_nothing_is_stored(api, path, value, field):
    body = copy.deepcopy(api["body"])
    target = body
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = value
    before = (count(api["url"], Application), count(api["url"], IdempotencyRecord))
    r = post(api, body, key=f"bad-{field}-{value}")
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]]
    assert (count(api["url"], Application), count(api["url"], IdempotencyRecord)) == before


def test_missing_fields_unreadable_bodies_and_missing_idempotency_key(api):
    body = copy.deepcopy(api["body"])
    del body["applicant"]["address"]["city"]
    r = post(api, body, key="missing-city")
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "applicant.address.city", "reason": "is required"}]
    assert post(api, b"{not json", key="garbage").status_code == 400
    assert post(api, api["body"], key=None).status_code == 400


@pytest.mark.parametrize("ssn,status,reason", [("0000", "referred", "credit history"),
                                               ("6666", "referred", "Identity"),
                                               ("9999", "referred", "Identity")])
def test_bureau_results_route_edge_cases_to_review(api, ssn, status, reason):
    body = copy.deepcopy(api["body"])
    body["applicant"]["ssn_last4"] = ssn
    r = post(api, body, key=f"ssn-{ssn}")
    assert r.status_code == 201 and r.json()["status"] == status
    assert r.json()["stage"] == "underwriting" and reason in r.json()["reasons"][0]


def test_the_published_schema_is_valid_and_is_what_the_api_checks(api):
    doc = api["client"].get("/api/v1/openapi.json").json()
    assert doc["openapi"] == "3.1.0"
    schema = doc["components"]["schemas"]["ApplicationRequest"]
    Draft202012Validator.check_schema(schema)
    assert not list(Draft202012Validator(schema).iter_errors(api["body"]))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                               max_size=4), max_leaves=12)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_malformed_bodies_never_500_and_never_leave_a_partial_record(api, data):
    body = copy.deepcopy(api["body"])
    choice = data.draw(st.sampled_from(["replace", "drop", "whole", "bytes"]))
    if choice == "whole":
        body = data.draw(json_values)
    elif choice == "bytes":
        body = data.draw(st.binary(max_size=200))
    else:
        section = data.draw(st.sampled_from([body, body["applicant"],
                                             body["applicant"]["address"]]))
        name = data.draw(st.sampled_from(sorted(section)))
        if choice == "drop":
            del section[name]
        else:
            section[name] = data.draw(json_values)
    before = count(api["url"], Application)
    r = post(api, body, key=f"fuzz-{data.draw(st.uuids())}")
    assert r.status_code in (200, 201, 400, 409, 413, 422), r.text
    assert "errors" in r.json() or r.status_code in (200, 201)
    assert count(api["url"], Application) == before + (1 if r.status_code == 201 else 0)

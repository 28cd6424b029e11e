"""The field agents' capture API over HTTP (the app's own Starlette routes), on SQLite and
PostgreSQL: a good capture, each kind of bad field, a replayed sync, a reused key with another
body, and the session and role checks."""
import copy
import json

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from domain.db.origination_tables import IdempotencyRecord
from domain.db.tables import Application
from domain.db.uow import UnitOfWork
from domain.access import accounts
from portal.api import api_app
from tests.integration.helpers import count, make_product, make_user
from tests.integration.test_intake_api import FIELD_CASES, VALID

PATH = "/api/v1/agent/applications"
PASSWORD = "correct-horse-battery"  # tests.integration.helpers.make_user's


@pytest.fixture
def agent(db_url, uniq, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("LENDBOOK_BUREAU", raising=False)
    admin = make_user(db_url, uniq, "admin")
    make_product(db_url, admin, uniq, code=f"AG{uniq}".upper())
    me = make_user(db_url, uniq, "field_agent")
    client = TestClient(api_app(), raise_server_exceptions=False)
    client.cookies.set("lb_session", accounts.sign_in(me.label, PASSWORD, db_url))
    body = copy.deepcopy(VALID)
    body.pop("external_ref")
    body["product_code"] = f"AG{uniq}".upper()
    body["applicant"]["email"] = f"ana-agent-{uniq}@example.test"
    return dict(client=client, body=body, url=db_url, uniq=uniq, actor=me)


def post(a, body, key="k1", client=None, headers=None):
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    h = {"Content-Type": "application/json", **(headers or {})}
    if key is not None:
        h["Idempotency-Key"] = f"{a['uniq']}-{key}"
    return (client or a["client"]).post(PATH, content=raw, headers=h)


def mine(a) -> int:
    return count(a["url"], Application, Application.submitted_by == a["actor"].user_id)


def test_a_capture_is_decided_recorded_as_the_agents_and_listed(agent):
    r = post(agent, agent["body"])
    assert r.status_code == 201, r.text
    assert r.headers["Idempotent-Replayed"] == "false"
    out = r.json()
    assert (out["status"], out["stage"], out["channel"]) == ("approved", "offer", "agent")
    with UnitOfWork(agent["url"]) as s:
        app = s.get(Application, out["application_id"])
        assert (app.channel, app.submitted_by, app.partner_id) == \
            ("agent", agent["actor"].user_id, None)
        assert app.applicant["email"] == agent["body"]["applicant"]["email"]
    listed = agent["client"].get(PATH).json()["applications"]
    assert [x["application_id"] for x in listed] == [out["application_id"]]
    assert listed[0]["applicant"] == "Ana Lopez" and listed[0]["amount"] == "6000.00"
    products = agent["client"].get("/api/v1/agent/products").json()["products"]
    assert agent["body"]["product_code"] in [p["code"] for p in products]
    me = agent["client"].get("/api/v1/agent/me").json()
    assert (me["email"], me["role"]) == (agent["actor"].label, "field_agent")


def test_a_replayed_sync_answers_the_same_and_stores_nothing_twice(agent):
    first = post(agent, agent["body"], key="device-uuid-1")
    before = (count(agent["url"], Application), count(agent["url"], IdempotencyRecord))
    again = post(agent, agent["body"], key="device-uuid-1")
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert (count(agent["url"], Application), count(agent["url"], IdempotencyRecord)) == before
    assert mine(agent) == 1


def test_the_same_key_with_another_body_is_a_conflict(agent):
    post(agent, agent["body"], key="device-uuid-2")
    changed = copy.deepcopy(agent["body"])
    changed["amount"] = "7000.00"
    r = post(agent, changed, key="device-uuid-2")
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "Idempotency-Key"
    assert mine(agent) == 1


def test_keys_are_per_agent(agent):
    """Another agent's capture with the same device id is its own application."""
    post(agent, agent["body"], key="shared")
    other = make_user(agent["url"], agent["uniq"], "field_agent", tag="other")
    client = TestClient(api_app(), raise_server_exceptions=False)
    client.cookies.set("lb_session", accounts.sign_in(other.label, PASSWORD, agent["url"]))
    r = post(agent, agent["body"], key="shared", client=client)
    assert r.status_code == 201 and r.headers["Idempotent-Replayed"] == "false"
    assert [x["applicant"] for x in client.get(PATH).json()["applications"]] == ["Ana Lopez"]


AGENT_ONLY_CASES = [
    (("applicant", "email"), "STAFF", "applicant.email"),  # a staff account's e-mail
    (("amount",), "0.00", "amount"),
    (("applicant", "address", "city"), "", "applicant.address.city"),
]


@pytest.mark.parametrize("path,value,field", FIELD_CASES + AGENT_ONLY_CASES)
def test_each_bad_field_is_named_and_nothing_is_stored(agent, path, value, field):
    body = copy.deepcopy(agent["body"])
    target = body
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = value
    if value == "STAFF":  # only the server can know the e-mail is an agent's own account
        target[path[-1]] = agent["actor"].label
    before = (count(agent["url"], Application), count(agent["url"], IdempotencyRecord))
    r = post(agent, body, key=f"bad-{field}-{value}")
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert field in [e["field"] for e in errors] and all(e["reason"] for e in errors)
    assert (count(agent["url"], Application), count(agent["url"], IdempotencyRecord)) == before


def test_a_fixed_capture_under_a_new_key_is_accepted(agent):
    bad = copy.deepcopy(agent["body"])
    bad["applicant"]["address"]["postal_code"] = "123"
    assert post(agent, bad, key="first-try").status_code == 422
    assert post(agent, agent["body"], key="second-try").status_code == 201
    assert mine(agent) == 1


@pytest.mark.parametrize("role", ["borrower", "dealer", "underwriter", "servicer", "admin"])
def test_other_roles_are_refused(agent, role):
    user = make_user(agent["url"], agent["uniq"], role, tag="r")
    client = TestClient(api_app(), raise_server_exceptions=False)
    client.cookies.set("lb_session", accounts.sign_in(user.label, PASSWORD, agent["url"]))
    before = count(agent["url"], Application)
    assert post(agent, agent["body"], key=f"role-{role}", client=client).status_code == 403
    for route in ("/api/v1/agent/me", "/api/v1/agent/products", PATH):
        assert client.get(route).status_code == 403
    assert count(agent["url"], Application) == before


@pytest.mark.parametrize("cookie", [None, "", "not-a-session"])
def test_no_or_unknown_session_is_401(agent, cookie):
    client = TestClient(api_app(), raise_server_exceptions=False)
    if cookie is not None:
        client.cookies.set("lb_session", cookie)
    before = count(agent["url"], Application)
    r = post(agent, agent["body"], key="anon", client=client)
    assert r.status_code == 401 and r.json()["errors"][0]["field"] == "session"
    for route in ("/api/v1/agent/me", "/api/v1/agent/products", PATH):
        assert client.get(route).status_code == 401
    assert count(agent["url"], Application) == before


def test_a_signed_out_session_is_401(agent):
    client = TestClient(api_app(), raise_server_exceptions=False)
    token = accounts.sign_in(agent["actor"].label, PASSWORD, agent["url"])
    client.cookies.set("lb_session", token)
    assert client.get("/api/v1/agent/me").status_code == 200
    accounts.sign_out(token, agent["url"])
    assert client.get("/api/v1/agent/me").status_code == 401


def test_malformed_requests_are_refused(agent):
    assert post(agent, b"{not json", key="garbage").status_code == 400
    assert post(agent, agent["body"], key=None).status_code == 400
    assert post(agent, agent["body"], key="x" * 101).status_code == 400
    assert post(agent, agent["body"], key="form",
                headers={"Content-Type": "text/plain"}).status_code == 415
    assert post(agent, agent["body"], key="evil",
                headers={"Origin": "https://evil.example"}).status_code == 403
    assert post(agent, b"x" * (64 * 1024 + 1), key="big").status_code == 413
    deep = post(agent, b"[" * 20000 + b"]" * 20000, key="deep")  # the partner API's fuzz find
    assert deep.status_code == 400 and deep.json()["errors"][0]["reason"] == "is nested too deeply"
    assert mine(agent) == 0
    ok = post(agent, agent["body"], key="same-origin", headers={"Origin": "http://testserver"})
    assert ok.status_code == 201
    proxied = post(agent, agent["body"], key="same-origin",  # behind a reverse proxy
                   headers={"Origin": "https://lend.example", "Host": "127.0.0.1:3000",
                            "X-Forwarded-Host": "lend.example"})
    assert proxied.status_code == 200 and proxied.json() == ok.json()
    with UnitOfWork(agent["url"]) as s:
        assert s.exec(select(IdempotencyRecord).where(
            IdempotencyRecord.scope == f"agent:{agent['actor'].user_id}")).one()

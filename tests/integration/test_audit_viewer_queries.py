"""The audit viewer's backend on both engines: filters, keyset pages, the field diff, and
the export route (session cookie, admins only, streamed CSV/JSON lines of exactly the
filtered rows, itself audited)."""
import csv
import io
import json

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from domain.db.tables import AuditLog
from domain.db.uow import UnitOfWork
from domain.kernel.errors import PermissionDenied, ValidationError
from domain.access import accounts
from domain.audit import trail as audit
from domain.audit.queries import Filter, diff, search
from portal.api import api_app
from tests.integration.helpers import make_user

PASSWORD = "correct-horse-battery"


@pytest.fixture
def world(db_url, uniq, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    admin = make_user(db_url, uniq, "admin")
    with UnitOfWork(db_url) as s:
        for i in range(7):
            audit.record(s, admin, f"viewer{uniq}.rate_changed", "product", f"v{uniq}",
                         {"rate_bps": 1000 + i, "name": "Same"},
                         {"rate_bps": 1001 + i, "name": "Same"}, f"repricing {uniq} step {i}")
        audit.record(s, admin, f"viewer{uniq}.renamed", "product", f"w{uniq}",
                     {"name": "Old"}, {"name": "=HYPERLINK(1)"}, f"rename {uniq}")
    return dict(url=db_url, uniq=uniq, admin=admin)


def test_filters_and_keyset_pages(world):
    admin, u = world["admin"], world["uniq"]
    f = Filter(action=f"viewer{u}.rate", entity="product", entity_id=f"v{u}")
    first = search(admin, f, limit=3)
    assert len(first.rows) == 3 and first.next_before == first.rows[-1].id
    ids = [r.id for r in first.rows]
    while first.next_before:
        first = search(admin, f, first.next_before, limit=3)
        ids += [r.id for r in first.rows]
    assert len(ids) == 7 and ids == sorted(ids, reverse=True)  # newest first, no repeats
    assert len(search(admin, Filter(text=f"{u} STEP 3")).rows) == 1  # reason, any case
    assert len(search(admin, Filter(actor=admin.label.upper(), action=f"viewer{u}.")).rows) == 8
    assert search(admin, Filter(action=f"viewer{u}_")).rows == []  # _ is literal, not a wildcard
    assert len(search(admin, Filter(action=f"viewer{u}.", since="2000-01-01",
                                    until="2999-12-31")).rows) == 8
    assert search(admin, Filter(action=f"viewer{u}.", until="2000-01-01")).rows == []


def test_bad_filters_are_refused_by_field(world):
    with pytest.raises(ValidationError) as e:
        search(world["admin"], Filter(since="yesterday", entity_id="5"))
    assert e.value.errors == {"since": "a date as YYYY-MM-DD",
                              "entity": "choose the entity the id belongs to"}
    with pytest.raises(ValidationError) as e:
        search(world["admin"], Filter(since="2026-02-02", until="2026-02-01"))
    assert set(e.value.errors) == {"until"}


def test_only_admins_search(world):
    servicer = make_user(world["url"], world["uniq"], "servicer")
    with pytest.raises(PermissionDenied):
        search(servicer, Filter())


def test_diff_marks_changed_fields_first():
    lines = diff({"rate_bps": 1000, "name": "Same", "gone": 1},
                 {"rate_bps": 1100, "name": "Same", "new": [1]})
    assert [(d["field"], d["changed"]) for d in lines] == [
        ("gone", True), ("new", True), ("rate_bps", True), ("name", False)]
    assert lines[2]["before"] == "1000" and lines[2]["after"] == "1100"
    assert lines[0]["after"] == "" and lines[1]["after"] == "[1]"


def _client(world, role="admin"):
    user = world["admin"] if role == "admin" else make_user(world["url"], world["uniq"], role)
    token = accounts.sign_in(user.label, PASSWORD, world["url"])
    client = TestClient(api_app(), raise_server_exceptions=False)
    client.cookies.set("lb_session", token)
    return client


def test_export_csv_and_jsonl_have_exactly_the_filtered_rows(world):
    u, client = world["uniq"], _client(world)
    q = {"action": f"viewer{u}.", "text": f"{u}"}
    r = client.get("/api/v1/audit/export.csv", params=q)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 8 and {x["action"] for x in rows} == {f"viewer{u}.rate_changed",
                                                               f"viewer{u}.renamed"}
    renamed = next(x for x in rows if x["action"].endswith("renamed"))
    assert json.loads(renamed["after"]) == {"name": "=HYPERLINK(1)"}  # JSON cell starts "{"
    assert renamed["chain_seq"] and len(renamed["hash"]) == 64
    lines = client.get("/api/v1/audit/export.jsonl", params={**q, "entity_id": f"v{u}",
                                                             "entity": "product"})
    docs = [json.loads(x) for x in lines.text.splitlines()]
    assert len(docs) == 7 and docs[0]["after"]["rate_bps"] == 1007
    with UnitOfWork(world["url"]) as s:
        exports = list(s.exec(select(AuditLog).where(
            AuditLog.action == "audit.exported", AuditLog.actor_id == world["admin"].user_id)))
    assert [e.after["format"] for e in exports] == ["csv", "jsonl"]
    assert exports[0].after["filter"]["action"] == f"viewer{u}."


def test_export_refuses_strangers_and_bad_input(world):
    anon = TestClient(api_app(), raise_server_exceptions=False)
    assert anon.get("/api/v1/audit/export.csv").status_code == 401
    assert _client(world, "servicer").get("/api/v1/audit/export.csv").status_code == 403
    admin = _client(world)
    bad = admin.get("/api/v1/audit/export.xml")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "format"
    bad = admin.get("/api/v1/audit/export.csv", params={"since": "soon"})
    assert bad.status_code == 400 and bad.json()["errors"][0] == {
        "field": "since", "reason": "a date as YYYY-MM-DD"}

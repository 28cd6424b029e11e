"""GL export at its edges, on SQLite and PostgreSQL: the mapping's versions (published one
used, per product; a past export keeps its own), `lendbook gl-export` / `gl-mapping` round
trips, and the download route (admins only, same bytes, audited)."""
import copy
import csv
import io
import json
from datetime import date

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from domain.ledger import gl, entries as ledger
from cli.main import main as cli
from domain.db.payment_tables import GlExport, GlMappingVersion
from domain.db.tables import AuditLog
from domain.db.uow import UnitOfWork
from domain.kernel.errors import ValidationError
from domain.access import accounts
from domain.ledger import gl_export, gl_mapping
from portal.api import api_app
from tests.integration.helpers import count, make_user
from tests.integration.test_cob import book, make_world, url  # noqa: F401  (url: a fixture)
from tests.integration.test_gl_export import ALL, BOOKED, pay

PASSWORD = "correct-horse-battery"


@pytest.fixture
def world(url):  # noqa: F811
    w = make_world(url, ("MONTHLY", "EQPRIN"))
    w["a"] = book(w, "MONTHLY", 300000, 12, BOOKED)
    w["b"] = book(w, "EQPRIN", 500000, 12, BOOKED)
    pay(w, w["a"], "270.00", date(2026, 2, 10), "feb")
    pay(w, w["b"], "520.00", date(2026, 2, 10), "feb")
    return w


def eqprin_mapping() -> dict:
    m = copy.deepcopy(gl.DEFAULT_MAPPING)
    m["default"][ledger.CASH] = {"code": "1010", "name": "Operating account"}
    m["by_product"] = {"EQPRIN": {ledger.LOANS_RECEIVABLE: {"code": "1305",
                                                            "name": "Equal principal loans"}}}
    return m


def test_the_published_mapping_is_used_per_product_and_a_past_export_keeps_its_own(world):
    w, url, admin = world, world["url"], world["admin"]
    with pytest.raises(ValidationError) as e:
        gl_export.save_mapping_draft(admin, {"default": {}}, url)
    assert f"default.{ledger.CASH}" in e.value.errors
    assert gl_export.current_mapping(admin, url) == (None, gl.DEFAULT)
    before = gl_export.export(admin, "2026-01-01", "2026-01-31", "csv", url)
    assert {x.gl.code for x in before.lines} == {"1000", "1100"}
    v1 = gl_export.save_mapping_draft(admin, eqprin_mapping(), url)
    assert gl_export.current_mapping(admin, url)[0] is None  # a draft is not used
    gl_export.publish_mapping(admin, v1, "first mapping", url)
    r = gl_export.export(admin, "2026-02-01", "2026-02-28", "csv", url)
    assert r.mapping_version == v1 == 1
    assert {(x.product, x.gl.code, x.gl.name) for x in r.lines
            if x.account == ledger.LOANS_RECEIVABLE} == {
        ("MONTHLY", "1100", "Loan principal receivable"),
        ("EQPRIN", "1305", "Equal principal loans")}
    assert {x.gl.code for x in r.lines if x.account == ledger.CASH} == {"1010"}
    # version 2 retires 1; the January export still comes back with the default mapping
    m2 = eqprin_mapping()
    m2["default"][ledger.CASH]["code"] = "1020"
    v2 = gl_mapping.save_draft(admin, m2, url)
    gl_mapping.publish(admin, v2, url=url)
    assert [(v["version"], v["status"]) for v in gl_export.mapping_versions(admin, url)] == \
        [(2, "published"), (1, "retired")]
    assert gl_export.export_file(admin, before.export_id, "csv", url)[2] == before.csv_text
    assert gl_export.export_file(admin, r.export_id, "csv", url)[2] == r.csv_text
    with UnitOfWork(url) as s:
        assert s.get(GlExport, r.export_id).mapping_version_id == s.exec(
            select(GlMappingVersion.id).where(GlMappingVersion.version == 1)).one()
    actions = {a.action for a in audit_rows(url, "gl_mapping")}
    assert actions == {"gl_mapping.drafted", "gl_mapping.published"}
    past = gl_export.exports(admin, url=url)
    assert [(p.export_id, p.mapping_version, p.created_by) for p in past] == [
        (r.export_id, 1, admin.label), (before.export_id, None, admin.label)]


def audit_rows(url, entity):
    with UnitOfWork(url) as s:
        return s.exec(select(AuditLog).where(AuditLog.entity == entity)).all()


def test_cli_round_trip(world, tmp_path, capsys):
    url = world["url"]
    out = tmp_path / "jan.csv"
    args = ["--database-url", url, "gl-export"]
    assert cli([*args, "--from", "2026-01-01", "--to", "2026-01-31", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "GL export 1: 4 lines, 2 entries, debit 8,000.00, credit 8,000.00" in err
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode())))
    assert [r["entry_code"] for r in rows] == ["disbursement"] * 4
    assert cli([*args, "--from", "2026-01-01", "--to", "2026-01-31"]) == 0
    again = capsys.readouterr()
    assert again.out == ",".join(gl.COLUMNS) + "\r\n"
    assert "nothing new to export: 0 lines" in again.err and "2 entries in the range" in again.err
    assert cli([*args, "--from", "2026-01-01", "--to", "2026-12-31", "--format", "json",
                "--dry-run"]) == 0
    dry = capsys.readouterr()
    assert "dry run, nothing recorded" in dry.err
    assert {x["entry_code"] for x in json.loads(dry.out)["lines"]} == {"repayment"}
    assert count(url, GlExport) == 1
    assert cli([*args, "--reprint", "1"]) == 0
    assert capsys.readouterr().out == out.read_bytes().decode()
    assert cli([*args, "--from", "2026-02-01", "--to", "2026-01-01", "--format", "xml"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == ["error: format: must be csv or json",
                   "error: to: must be on or after from (2026-02-01)"]
    # the mapping: show, edit, publish, used by the next export
    assert cli(["--database-url", url, "gl-mapping", "show"]) == 0
    shown = capsys.readouterr()
    assert json.loads(shown.out) == gl.DEFAULT.to_dict() and "built-in default" in shown.err
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(json.dumps(eqprin_mapping()))
    assert cli(["--database-url", url, "gl-mapping", "publish", str(mapping_file)]) == 0
    assert "GL mapping version 1 published" in capsys.readouterr().out
    mapping_file.write_text(json.dumps({"default": {ledger.CASH: {"code": ""}}}))
    assert cli(["--database-url", url, "gl-mapping", "publish", str(mapping_file)]) == 2
    assert f"error: default.{ledger.CASH}.code: must be a non-empty" in capsys.readouterr().err
    assert cli([*args, "--from", "2026-02-01", "--to", "2026-02-28", "--format", "json"]) == 0
    feb = json.loads(capsys.readouterr().out)
    assert feb["export"]["mapping_version"] == 1
    assert {x["gl_account"] for x in feb["lines"] if x["account"] == ledger.CASH} == {"1010"}


def test_download_route_serves_admins_the_same_bytes(world, monkeypatch):
    url = world["url"]
    monkeypatch.setenv("DATABASE_URL", url)
    r = gl_export.export(world["admin"], *ALL, "csv", url)
    client = TestClient(api_app(), raise_server_exceptions=False)
    tokens = {role: accounts.sign_in(make_user(url, "dl", role, tag="dl").label, PASSWORD, url)
              for role in ("admin", "servicer")}

    def get(path, role=None):
        client.cookies.clear()
        if role:
            client.cookies.set("lb_session", tokens[role])
        return client.get(path)
    ok = get(f"/api/v1/gl-exports/{r.export_id}.csv", "admin")
    assert ok.status_code == 200 and ok.content == r.csv_text.encode()
    assert ok.headers["content-type"].startswith("text/csv")
    assert ok.headers["content-disposition"] == \
        f'attachment; filename="gl-export-{r.export_id}.csv"'
    assert ok.headers["cache-control"] == "private, no-store"
    as_json = get(f"/api/v1/gl-exports/{r.export_id}.json", "admin")
    assert json.loads(as_json.content)["totals"]["debit"] == gl.amount(r.totals.debit_minor)
    assert get(f"/api/v1/gl-exports/{r.export_id}.csv").status_code == 401
    refused = get(f"/api/v1/gl-exports/{r.export_id}.csv", "servicer")
    assert refused.status_code == 403 and b"1000-cash-clearing" not in refused.content
    assert get(f"/api/v1/gl-exports/{r.export_id + 99}.csv", "admin").status_code == 404
    assert get(f"/api/v1/gl-exports/{r.export_id}.xlsx", "admin").status_code == 404
    assert count(url, AuditLog, AuditLog.action == "gl_export.downloaded") == 2

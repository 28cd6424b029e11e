"""The audit hash chain on both engines: sealed at commit, tampering, deletion and reordering
each reported as the right first broken link, the CLI's exit codes, and (PostgreSQL) many
concurrent writers that do not fork the chain."""
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import select

from domain.db.migrate import upgrade
from domain.db.tables import AuditLog
from domain.db.uow import UnitOfWork
from domain.audit import trail as audit
from domain.kernel.actor import Actor
from domain.audit.chain import GENESIS, link_hash
from domain.audit.verify import verify

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Actor(1, "admin", "chain-admin@example.test")


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url(request, tmp_path):
    """A database of its own: these tests break the chain on purpose."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'chain.db'}"
        upgrade(url)
        yield url
        return
    import psycopg
    base = request.getfixturevalue("pg_url")
    name = base.rsplit("/", 1)[1] + "_chain"
    admin = psycopg.connect(base.replace("+psycopg", ""), autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    url = base.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    yield url
    from domain.db.engine import get_engine
    get_engine(url).dispose()
    admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.close()


def _write(url, n_transactions=4, per=2):
    for t in range(n_transactions):
        with UnitOfWork(url) as s:
            for k in range(per):
                audit.record(s, ADMIN, "product.updated", "product", t,
                             {"rate_bps": 1199, "name": "Old"},
                             {"rate_bps": 1099 + k, "name": "Névé"}, f"change {t}.{k}")


def _rows(url):
    with UnitOfWork(url) as s:
        return list(s.exec(select(AuditLog).order_by(AuditLog.chain_seq)))


def _tamper(url, sql, params=None):
    """As the database owner: the append-only trigger is switched off around the edit."""
    engine = create_engine(url)
    with engine.begin() as c:
        if engine.dialect.name == "postgresql":
            c.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
            c.execute(text(sql), params or {})
            c.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
        else:
            c.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
            c.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
            c.execute(text(sql), params or {})
    engine.dispose()


def test_rows_are_chained_at_commit_in_id_order(fresh_url):
    _write(fresh_url)
    with UnitOfWork(fresh_url) as s:  # a bulk insert (the bulk paths' way) is sealed too
        audit.insert_many(s, [audit.entry(ADMIN, "payment.reversed", "payment", i, None,
                                          {"amount_minor": 1250 + i}, "R01") for i in range(5)])
    rows = _rows(fresh_url)
    assert [r.chain_seq for r in rows] == list(range(1, 14))
    assert [r.id for r in rows] == sorted(r.id for r in rows)
    prev = GENESIS
    for r in rows:
        assert r.prev_hash == prev
        assert r.hash == link_hash(r.chain_seq, r.id, prev, r.content_sha)
        prev = r.hash
    report = verify(fresh_url)
    assert report.ok and report.verified == 13 and report.broken is None


def test_a_rolled_back_transaction_leaves_no_gap(fresh_url):
    _write(fresh_url, 1, 1)
    with pytest.raises(RuntimeError):
        with UnitOfWork(fresh_url) as s:
            audit.record(s, ADMIN, "x.y", "product", 1, None, {"a": 1}, "then fails")
            raise RuntimeError("boom")
    _write(fresh_url, 1, 1)
    assert [r.chain_seq for r in _rows(fresh_url)] == [1, 2]
    assert verify(fresh_url).ok


def test_the_database_refuses_to_edit_a_sealed_row(fresh_url):
    _write(fresh_url, 1, 1)
    engine = create_engine(fresh_url)
    for sql in ("UPDATE audit_log SET reason = 'forged'",
                "UPDATE audit_log SET hash = 'x', chain_seq = 9",
                "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"):
            with engine.begin() as c:
                c.execute(text(sql))
    engine.dispose()
    assert verify(fresh_url).ok


def test_a_tampered_row_is_the_first_broken_link(fresh_url):
    _write(fresh_url)
    third = _rows(fresh_url)[2]
    _tamper(fresh_url, "UPDATE audit_log SET reason = 'nothing to see' WHERE id = :i",
            {"i": third.id})
    report = verify(fresh_url)
    assert not report.ok
    assert (report.broken.chain_seq, report.broken.id) == (3, third.id)
    assert report.broken.problem == "content hash mismatch"
    assert report.verified == 2


def test_a_tampered_row_with_a_recomputed_content_hash_is_caught_by_its_link(fresh_url):
    _write(fresh_url)
    third = _rows(fresh_url)[2]
    _tamper(fresh_url, "UPDATE audit_log SET content_sha = :c WHERE id = :i",
            {"i": third.id, "c": "f" * 64})
    report = verify(fresh_url)
    assert (report.broken.chain_seq, report.broken.problem) == (3, "content hash mismatch")


def test_a_deleted_row_is_a_gap(fresh_url):
    _write(fresh_url)
    rows = _rows(fresh_url)
    _tamper(fresh_url, "DELETE FROM audit_log WHERE id = :i", {"i": rows[4].id})
    report = verify(fresh_url)
    assert (report.broken.chain_seq, report.broken.id, report.broken.problem) == \
        (5, rows[5].id, "gap")
    assert "chain_seq 5 missing" in report.broken.detail
    assert report.verified == 4


def test_a_reordered_row_breaks_the_prev_hash_link(fresh_url):
    _write(fresh_url)
    rows = _rows(fresh_url)
    a, b = rows[2], rows[3]  # swap the places of chain_seq 3 and 4
    _tamper(fresh_url, "UPDATE audit_log SET chain_seq = -1 WHERE id = :i", {"i": a.id})
    _tamper(fresh_url, "UPDATE audit_log SET chain_seq = 3 WHERE id = :i", {"i": b.id})
    _tamper(fresh_url, "UPDATE audit_log SET chain_seq = 4 WHERE id = :i", {"i": a.id})
    report = verify(fresh_url)
    assert (report.broken.chain_seq, report.broken.id, report.broken.problem) == \
        (3, b.id, "prev_hash mismatch")


def test_a_row_written_around_the_seal_is_reported_then_chained(fresh_url):
    _write(fresh_url, 1, 1)
    engine = create_engine(fresh_url)
    with engine.begin() as c:
        c.execute(text("INSERT INTO audit_log (at, actor_label, action, entity, entity_id, "
                       "reason) VALUES (CURRENT_TIMESTAMP, 'raw', 'raw.insert', 'x', '1', '')"))
        raw_id = c.execute(text("SELECT max(id) FROM audit_log")).scalar()
    engine.dispose()
    report = verify(fresh_url)
    assert report.broken is None and report.unsealed == [raw_id] and not report.ok
    _write(fresh_url, 1, 1)  # the next seal links it (its content hash taken from the row)
    assert verify(fresh_url).ok and verify(fresh_url).verified == 3


def _cli(url, *args):
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "cli.main", "--database-url", url, "audit",
                           *args], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=120)


def test_cli_verify_exit_codes(fresh_url):
    _write(fresh_url, 3, 1)
    ok = _cli(fresh_url, "verify")
    assert ok.returncode == 0, ok.stderr
    assert "3 audit rows verified (chain intact)" in ok.stdout
    assert verify(fresh_url).verified == 4  # the run recorded itself, chained like any row
    second = _rows(fresh_url)[1]
    _tamper(fresh_url, "UPDATE audit_log SET after = NULL WHERE id = :i", {"i": second.id})
    bad = _cli(fresh_url, "verify", "--no-record")
    assert bad.returncode == 1
    assert (f"FIRST BROKEN LINK at chain_seq 2 (audit row id {second.id}): "
            "content hash mismatch") in bad.stderr
    assert "1 audit rows verified" in bad.stderr


def test_concurrent_writers_do_not_fork_the_chain(fresh_url):
    """PostgreSQL: the advisory lock orders the seals; SQLite: its writer lock does."""
    errors, threads = [], []

    def writer(n):
        try:
            for t in range(8):
                with UnitOfWork(fresh_url) as s:
                    for k in range(3):
                        audit.record(s, ADMIN, "load.test", "thread", n, None,
                                     {"t": t, "k": k}, f"writer {n}")
                    s.flush()  # rows in flight while others seal
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    for n in range(6):
        threads.append(threading.Thread(target=writer, args=(n,)))
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert not errors
    report = verify(fresh_url)
    assert report.ok and report.verified == 6 * 8 * 3
    seqs = [r.chain_seq for r in _rows(fresh_url)]
    assert seqs == list(range(1, 145))


def test_the_migration_chains_the_rows_written_before_it(fresh_url):
    """A database at 0008 with audit rows: upgrading seals them in id order."""
    from domain.db.migrate import downgrade
    _write(fresh_url, 2, 2)
    downgrade(fresh_url, "0008")
    upgrade(fresh_url)
    report = verify(fresh_url)
    assert report.ok and report.verified == 4
    assert [r.id for r in _rows(fresh_url)] == sorted(r.id for r in _rows(fresh_url))


def test_the_viewer_status_shows_the_last_verification(fresh_url):
    from domain.audit.queries import chain_status
    from domain.audit.verify import verify_and_record
    assert chain_status(ADMIN, fresh_url) is None
    _write(fresh_url, 2, 1)
    assert verify_and_record(ADMIN, fresh_url).ok
    st = chain_status(ADMIN, fresh_url)
    assert st["ok"] and st["by"] == ADMIN.label and "2 audit rows verified" in st["summary"]
    first = _rows(fresh_url)[0]
    _tamper(fresh_url, "UPDATE audit_log SET actor_label = 'someone else' WHERE id = :i",
            {"i": first.id})
    assert not verify_and_record(ADMIN, fresh_url).ok
    st = chain_status(ADMIN, fresh_url)
    assert not st["ok"]
    assert f"FIRST BROKEN LINK at chain_seq 1 (audit row id {first.id})" in st["summary"]

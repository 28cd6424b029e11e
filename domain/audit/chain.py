"""Tamper evidence for the audit trail: every row is chained to the one before it by a hash.

Format (docs/audit.md):
- content_sha = SHA-256 (hex) of the row's content as canonical JSON: the keys action,
  actor_id, actor_label, after, at, before, entity, entity_id, reason, sorted, compact
  separators (",", ":"), UTF-8, no ASCII escaping; `at` as UTC ISO 8601 with microseconds and
  a "Z"; before/after as stored (money in integer minor units, dates/decimals as strings).
- hash = SHA-256 (hex) of the canonical JSON of {chain_seq, content_sha, id, prev_hash}, and
  prev_hash is the hash of the row at chain_seq - 1 (GENESIS, 64 zeros, for chain_seq 1).

Rows are inserted unsealed (content_sha set, no chain_seq). `seal` runs just before every
commit of a session that wrote audit rows: it takes the chain lock (pg_advisory_xact_lock on
PostgreSQL; SQLite's writer lock is already exclusive), reads the head and links this
transaction's rows in id order, so the lock is held only from seal to commit and concurrent
transactions cannot fork the chain. The append-only trigger allows exactly this one update.
"""
import hashlib
import heapq
import json
from datetime import datetime, timezone

from sqlalchemy import bindparam, event, func, select, text, update
from sqlalchemy.orm import Session

from domain.db import bulk_write
from domain.db.tables import AuditLog

GENESIS = "0" * 64
LOCK_KEY = 7_421_000_010  # pg_advisory_xact_lock key of the audit chain
CONTENT = ("action", "actor_id", "actor_label", "after", "at", "before", "entity",
           "entity_id", "reason")
_FLAG = "lendbook_audit_unsealed"
_STAGED = "lendbook_audit_staged"
STAGE = "lendbook_audit_stage"  # PostgreSQL temporary table of bulk-written audit rows
_LINKS = "lendbook_audit_links"


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                              allow_nan=True)  # one instance: bulk paths hash thousands


def canonical(value: dict) -> bytes:
    return _CANONICAL.encode(value).encode("utf-8")


def _refuse(value):
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _core():
    """The canonical encoder's C core, made once: JSONEncoder.encode builds it on every call,
    a quarter of the cost of a small document (bulk audit rows encode 150k of them for 100k
    loans). None where CPython's accelerator is missing."""
    from json import encoder
    if encoder.c_make_encoder is None:
        return None
    return encoder.c_make_encoder(None, _refuse, encoder.encode_basestring, None, ":", ",",
                                  True, False, True)


_CORE = _core()


def canonical_text(value) -> str:
    """Exactly `_CANONICAL.encode(value)` (tests/unit/test_audit_chain_format.py compares)."""
    if _CORE is None or type(value) is not dict:
        return _CANONICAL.encode(value)
    return "".join(_CORE(value, 0))


def utc_iso(at: datetime) -> str:
    """SQLite hands times back naive (they are stored in UTC); PostgreSQL hands them aware."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def content_sha(row) -> str:
    """row: a dict of values or an AuditLog/Row with the CONTENT fields."""
    get = row.get if isinstance(row, dict) else (lambda k: getattr(row, k))
    doc = {k: get(k) for k in CONTENT}
    doc["at"] = utc_iso(doc["at"])
    doc["reason"] = doc["reason"] or ""
    return hashlib.sha256(canonical(doc)).hexdigest()


def link_hash(chain_seq: int, row_id: int, prev_hash: str, sha: str) -> str:
    """canonical({chain_seq, content_sha, id, prev_hash}) written out: two integers and two
    hex digests need no escaping (tests/unit/test_audit_chain_format.py compares)."""
    doc = (f'{{"chain_seq":{int(chain_seq)},"content_sha":"{sha}","id":{int(row_id)},'
           f'"prev_hash":"{prev_hash}"}}')
    return hashlib.sha256(doc.encode()).hexdigest()


def mark(session: Session) -> None:
    """This session wrote audit rows (bulk paths that insert with Core or COPY call it)."""
    session.info[_FLAG] = True


def stage(session: Session) -> None:
    """PostgreSQL: bulk audit rows of this transaction are written (COPY) to a temporary
    table LIKE audit_log (ids from audit_log's own sequence) instead; `seal` links them and
    inserts them into audit_log already sealed, which costs one INSERT instead of an INSERT
    and an UPDATE per row. The table is dropped at commit or rollback."""
    session.connection().execute(text(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} (LIKE audit_log INCLUDING DEFAULTS) "
        "ON COMMIT DROP"))
    session.info[_STAGED] = True
    session.info[_FLAG] = True


def head(conn) -> tuple[int, str]:
    seq = conn.execute(select(func.max(AuditLog.chain_seq))).scalar()
    if seq is None:
        return 0, GENESIS
    return seq, conn.execute(select(AuditLog.hash).where(AuditLog.chain_seq == seq)).scalar()


def seal(session: Session) -> int:
    """Link every unsealed row visible to this transaction onto the chain head; returns how
    many. Call it last before commit: from here to the commit the chain lock is held. Rows
    are read, linked and written a page at a time, so memory stays flat for any batch."""
    conn = session.connection()
    pg = conn.dialect.name == "postgresql"
    if pg:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
    staged = bool(pg and session.info.get(_STAGED))
    seq, prev = head(conn)
    out, links, done = [], [], 0
    if staged:
        conn.execute(text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {_LINKS} (id bigint PRIMARY "
                          "KEY, seq bigint, prev text, hash text) ON COMMIT DROP"))
    for rid, sha, is_staged in heapq.merge(_unsealed_rows(conn),
                                           _staged_rows(conn) if staged else ()):
        seq += 1
        h = link_hash(seq, rid, prev, sha)
        if is_staged:
            links.append(f"{rid}\t{seq}\t{prev}\t{h}\n")
            if len(links) == _PAGE:
                done += _copy_links(conn, links)
        else:
            out.append({"rid": rid, "seq": seq, "prev": prev, "sha": sha, "h": h})
            if len(out) == _PAGE:
                done += _update_links(conn, out)
        prev = h
    done += _update_links(conn, out)
    if staged:
        done += _copy_links(conn, links)
        _insert_staged(conn)
    return done


def _unsealed_rows(conn):
    """(id, content_sha, False) of audit_log's unsealed rows in id order, a page at a time
    (the pages before are linked meanwhile, so each page is read after them, by id)."""
    last = 0
    while page := conn.execute(select(AuditLog.id, AuditLog.content_sha)
                               .where(AuditLog.chain_seq.is_(None), AuditLog.id > last)
                               .order_by(AuditLog.id).limit(_PAGE)).all():
        missing = [i for i, sha in page if sha is None]  # written around audit.entry
        shas = {r.id: content_sha(r) for r in conn.execute(
            select(AuditLog).where(AuditLog.id.in_(missing)))} if missing else {}
        for rid, sha in page:
            yield rid, sha if sha is not None else shas[rid], False
        last = page[-1][0]


def _update_links(conn, out: list[dict]) -> int:
    n = len(out)
    if not n:
        return 0
    if conn.dialect.name == "postgresql":
        conn.execute(text(
            "UPDATE audit_log a SET chain_seq = v.seq, prev_hash = v.prev, hash = v.h, "
            "content_sha = v.sha FROM unnest(CAST(:rid AS bigint[]), CAST(:seq AS bigint[]), "
            "CAST(:prev AS text[]), CAST(:sha AS text[]), CAST(:h AS text[])) "
            "AS v(rid, seq, prev, sha, h) WHERE a.id = v.rid"),
            {k: [o[k] for o in out] for k in ("rid", "seq", "prev", "sha", "h")})
    else:
        conn.execute(update(AuditLog).where(AuditLog.id == bindparam("rid")).values(
            chain_seq=bindparam("seq"), prev_hash=bindparam("prev"), hash=bindparam("h"),
            content_sha=bindparam("sha")).execution_options(synchronize_session=False), out)
    out.clear()
    return n


_PAGE = 20_000


def _staged_rows(conn):
    """(id, content_sha, True) of the staged rows in id order, fetched a page at a time from
    a cursor (between pages the same connection copies the links of the page before)."""
    conn.execute(text(f"DECLARE lendbook_audit_staged NO SCROLL CURSOR FOR "
                      f"SELECT id, content_sha FROM {STAGE} ORDER BY id"))
    while page := conn.execute(text(f"FETCH {_PAGE} FROM lendbook_audit_staged")).all():
        for rid, sha in page:
            yield rid, sha, True
    conn.execute(text("CLOSE lendbook_audit_staged"))


def _copy_links(conn, links: list[str]) -> int:
    n = len(links)
    if n:
        raw = conn.connection.driver_connection
        with raw.cursor().copy(f"COPY {_LINKS} (id, seq, prev, hash) FROM STDIN") as cp:
            cp.write("".join(links))
        links.clear()
    return n


def _insert_staged(conn) -> None:
    """The staged rows into audit_log with their links (chain_seq, prev_hash, hash)."""
    own = [c.name for c in AuditLog.__table__.c
           if c.name not in ("chain_seq", "prev_hash", "hash")]
    conn.execute(text(
        f"INSERT INTO audit_log ({', '.join(own)}, chain_seq, prev_hash, hash) "
        f"SELECT {', '.join('s.' + c for c in own)}, l.seq, l.prev, l.hash "
        f"FROM {STAGE} s JOIN {_LINKS} l ON l.id = s.id ORDER BY s.id"))
    conn.execute(text(f"TRUNCATE {STAGE}, {_LINKS}"))


@event.listens_for(Session, "after_flush")
def _note_audit_rows(session, _ctx):
    if any(isinstance(o, AuditLog) for o in session.new):
        session.info[_FLAG] = True


@event.listens_for(Session, "before_commit")
def _seal_before_commit(session):
    if session.info.get(_FLAG) or any(isinstance(o, AuditLog) for o in session.new):
        session.flush()
        seal(session)
        session.info.pop(_FLAG, None)
        session.info.pop(_STAGED, None)


@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop(_FLAG, None)
    session.info.pop(_STAGED, None)


bulk_write.stage_through("audit_log", STAGE, stage)

"""audit log hash chain: content_sha, chain_seq, prev_hash, hash; rows already there are sealed

The append-only trigger of audit_log is replaced by one that still refuses every DELETE and
every UPDATE except the single sealing update (an unsealed row gets its chain columns, every
other column unchanged).

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02 11:20:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

CHAIN = ("content_sha", "chain_seq", "prev_hash", "hash")
CONTENT = ("id", "at", "actor_id", "actor_label", "action", "entity", "entity_id", "before",
           "after", "reason")


def upgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    for name in ("content_sha", "prev_hash", "hash"):  # plain ADD COLUMN keeps the triggers
        op.add_column('audit_log', sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=64),
                                             nullable=True))
    op.add_column('audit_log', sa.Column('chain_seq', sa.Integer(), nullable=True))
    op.create_index('ix_audit_log_chain_seq', 'audit_log', ['chain_seq'], unique=True)
    if pg:
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
    _seal_existing()
    if pg:
        same = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in CONTENT
                            if c not in ("before", "after"))
        op.execute(f"""CREATE FUNCTION lendbook_audit_seal_only() RETURNS trigger AS $$
            BEGIN
              IF TG_OP = 'UPDATE' AND OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL
                 AND NEW.hash IS NOT NULL AND {same}
                 AND NEW.before::text IS NOT DISTINCT FROM OLD.before::text
                 AND NEW.after::text IS NOT DISTINCT FROM OLD.after::text
                 AND (OLD.content_sha IS NULL OR NEW.content_sha = OLD.content_sha) THEN
                RETURN NEW;
              END IF;
              RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
            END; $$ LANGUAGE plpgsql""")
        op.execute("CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION lendbook_audit_seal_only()")
    else:
        same = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in CONTENT)
        op.execute(f"""CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            WHEN NOT (OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL
                      AND NEW.hash IS NOT NULL AND {same}
                      AND (OLD.content_sha IS NULL OR NEW.content_sha IS OLD.content_sha))
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""")


# The chain's hashing as it stood when this migration was written (frozen here: a migration
# never imports live code; the format is fixed by tests/unit/test_audit_chain_format.py).
GENESIS = "0" * 64
HASHED = ("action", "actor_id", "actor_label", "after", "at", "before", "entity", "entity_id",
          "reason")  # the content a row's content_sha covers (not its id)


def content_sha(row: dict) -> str:
    import hashlib
    import json
    from datetime import timezone
    doc = {k: row[k] for k in HASHED}
    at = doc["at"] if doc["at"].tzinfo else doc["at"].replace(tzinfo=timezone.utc)
    doc["at"] = at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    doc["reason"] = doc["reason"] or ""
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def link_hash(chain_seq: int, row_id: int, prev_hash: str, sha: str) -> str:
    import hashlib
    doc = (f'{{"chain_seq":{int(chain_seq)},"content_sha":"{sha}","id":{int(row_id)},'
           f'"prev_hash":"{prev_hash}"}}')
    return hashlib.sha256(doc.encode()).hexdigest()


def _seal_existing() -> None:
    """The rows written before the chain existed, linked in id order (triggers are off)."""
    conn = op.get_bind()
    cols = ", ".join(c for c in CONTENT)
    prev, seq, out = GENESIS, 0, []
    for r in conn.execute(sa.text(f"SELECT {cols} FROM audit_log ORDER BY id")).mappings():
        row = dict(r)
        if isinstance(row["at"], str):  # SQLite through plain text()
            from datetime import datetime
            row["at"] = datetime.fromisoformat(row["at"])
        for k in ("before", "after"):
            if isinstance(row[k], str):
                import json
                row[k] = json.loads(row[k])
        seq += 1
        sha = content_sha(row)
        prev = link_hash(seq, row["id"], prev, sha)
        out.append({"rid": row["id"], "seq": seq, "sha": sha, "h": prev,
                    "p": out[-1]["h"] if out else GENESIS})
    if out:
        conn.execute(sa.text("UPDATE audit_log SET content_sha = :sha, chain_seq = :seq, "
                             "prev_hash = :p, hash = :h WHERE id = :rid"), out)


def downgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    if pg:
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION lendbook_audit_seal_only()")
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
    op.drop_index('ix_audit_log_chain_seq', table_name='audit_log')
    for name in reversed(CHAIN):
        op.drop_column('audit_log', name)
    if pg:
        op.execute("CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION lendbook_append_only()")
    else:
        op.execute("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
                   "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")

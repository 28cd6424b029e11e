"""`lendbook audit verify`: walk the audit chain and report the first broken link.

Checked per row, in chain_seq order: the sequence has no gap (a deleted row), prev_hash is
the previous row's hash (a row moved or removed), the content still hashes to content_sha (a
row edited), and hash is the link of (chain_seq, id, prev_hash, content_sha) (chain columns
edited). Committed rows without a chain_seq (written around the seal) are reported too.
"""
from dataclasses import asdict, dataclass

from sqlalchemy import func
from sqlmodel import select

from domain.db.tables import AuditLog
from domain.db.uow import UnitOfWork
from domain.audit import trail as audit
from domain.kernel.actor import Actor
from domain.audit.chain import GENESIS, content_sha, link_hash

BATCH = 5000


@dataclass(frozen=True)
class Break:
    chain_seq: int
    id: int | None
    problem: str  # gap | prev_hash mismatch | content hash mismatch | hash mismatch
    detail: str


@dataclass(frozen=True)
class Report:
    verified: int
    unsealed: list[int]
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None and not self.unsealed

    def lines(self) -> list[str]:
        out = [f"{self.verified} audit rows verified"
               + (" (chain intact)" if self.broken is None else "")]
        if self.broken:
            b = self.broken
            out.append(f"FIRST BROKEN LINK at chain_seq {b.chain_seq}"
                       + (f" (audit row id {b.id})" if b.id is not None else "")
                       + f": {b.problem}: {b.detail}")
        if self.unsealed:
            shown = ", ".join(map(str, self.unsealed[:20]))
            more = f" and {len(self.unsealed) - 20} more" if len(self.unsealed) > 20 else ""
            out.append(f"{len(self.unsealed)} committed rows are not in the chain (unsealed): "
                       f"ids {shown}{more}")
        return out


def _check(r, expected_seq: int, prev: str) -> Break | None:
    if r.chain_seq != expected_seq:
        missing = (f"chain_seq {expected_seq}" if r.chain_seq == expected_seq + 1
                   else f"chain_seq {expected_seq}..{r.chain_seq - 1}")
        return Break(expected_seq, r.id, "gap",
                     f"{missing} missing (a deleted row); the next row present is chain_seq "
                     f"{r.chain_seq} (id {r.id})")
    if r.prev_hash != prev:
        return Break(r.chain_seq, r.id, "prev_hash mismatch",
                     f"prev_hash {str(r.prev_hash)[:12]}… is not the hash {prev[:12]}… of "
                     f"chain_seq {r.chain_seq - 1} (a row removed, moved or reordered)")
    actual = content_sha(r)
    if actual != r.content_sha:
        return Break(r.chain_seq, r.id, "content hash mismatch",
                     f"the row's content hashes to {actual[:12]}…, sealed as "
                     f"{str(r.content_sha)[:12]}… (the row was edited after sealing)")
    link = link_hash(r.chain_seq, r.id, r.prev_hash, r.content_sha)
    if link != r.hash:
        return Break(r.chain_seq, r.id, "hash mismatch",
                     f"the link hashes to {link[:12]}…, stored {str(r.hash)[:12]}… "
                     "(chain columns edited)")
    return None


def verify(url: str | None = None) -> Report:
    """The whole chain, in keyset batches (no OFFSET), stopping at the first break."""
    verified, seq, prev = 0, 0, GENESIS
    with UnitOfWork(url) as s:
        conn = s.connection()
        while True:
            rows = conn.execute(select(AuditLog).where(AuditLog.chain_seq > seq)
                                .order_by(AuditLog.chain_seq).limit(BATCH)).all()
            if not rows:
                break
            for r in rows:
                broken = _check(r, seq + 1, prev)
                if broken:
                    return Report(verified, _unsealed(conn), broken)
                verified, seq, prev = verified + 1, r.chain_seq, r.hash
        return Report(verified, _unsealed(conn), None)


def _unsealed(conn) -> list[int]:
    return list(conn.execute(select(AuditLog.id).where(AuditLog.chain_seq.is_(None))
                             .order_by(AuditLog.id)).scalars())


def verify_and_record(actor: Actor, url: str | None = None) -> Report:
    """Verify, then append the outcome to the trail itself (the viewer's chain status)."""
    report = verify(url)
    after = {"verified": report.verified, "unsealed": len(report.unsealed),
             "broken": asdict(report.broken) if report.broken else None}
    with UnitOfWork(url) as s:
        audit.record(s, actor, "audit.chain_verified" if report.ok else "audit.chain_broken",
                     "audit_log", "chain", None, after, "; ".join(report.lines()))
    return report


def last_status(session) -> dict | None:
    """The latest verification recorded: when, by whom, and its outcome."""
    row = session.exec(select(AuditLog).where(
        AuditLog.action.in_(("audit.chain_verified", "audit.chain_broken")))
        .order_by(AuditLog.id.desc()).limit(1)).first()
    if row is None:
        return None
    return {"at": row.at, "by": row.actor_label, "ok": row.action == "audit.chain_verified",
            "summary": row.reason, "head": session.exec(select(func.max(AuditLog.chain_seq)))
            .one()}

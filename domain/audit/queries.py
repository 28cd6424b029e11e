"""Read access to the audit trail, for admins only: filtered search (newest first, keyset
pages: `id < before`, never OFFSET), a field-by-field diff of a row, and a streamed export
of a filter as CSV or JSON lines (each export audited)."""
import csv
import io
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlmodel import select

from domain.db.tables import AuditLog
from domain.db.uow import UnitOfWork
from domain.kernel.errors import ValidationError
from domain.audit import trail as audit
from domain.kernel.actor import Actor
from domain.audit.chain import utc_iso
from domain.audit.verify import last_status

PAGE = 50
EXPORT_BATCH = 2000
EXPORT_FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}
COLUMNS = ("id", "chain_seq", "at", "actor_id", "actor_label", "action", "entity",
           "entity_id", "reason", "before", "after", "hash")


@dataclass(frozen=True)
class Filter:
    """Every field optional (""): actor (name/e-mail contains), action (prefix), entity and
    entity_id (exact), since/until (dates, UTC, inclusive), text (the reason contains)."""
    actor: str = ""
    action: str = ""
    entity: str = ""
    entity_id: str = ""
    since: str = ""
    until: str = ""
    text: str = ""

    @classmethod
    def of(cls, values: dict) -> "Filter":
        return cls(**{k: str(values.get(k) or "").strip() for k in cls.__dataclass_fields__})


def _day(value: str, field: str, errors: dict) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[field] = "a date as YYYY-MM-DD"
        return None


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(q, f: Filter):
    errors: dict = {}
    since, until = _day(f.since, "since", errors), _day(f.until, "until", errors)
    if since and until and since > until:
        errors["until"] = "on or after the 'from' date"
    if f.entity_id and not f.entity:
        errors["entity"] = "choose the entity the id belongs to"
    for name in ("actor", "action", "entity", "entity_id", "text"):
        if len(getattr(f, name)) > 300:
            errors[name] = "at most 300 characters"
    if errors:
        raise ValidationError(errors)
    if f.actor:
        q = q.where(AuditLog.actor_label.ilike(f"%{_like(f.actor)}%", escape="\\"))
    if f.action:
        q = q.where(AuditLog.action.like(f"{_like(f.action)}%", escape="\\"))
    if f.entity:
        q = q.where(AuditLog.entity == f.entity)
    if f.entity_id:
        q = q.where(AuditLog.entity_id == f.entity_id)
    if since:
        q = q.where(AuditLog.at >= datetime.combine(since, time(), timezone.utc))
    if until:
        q = q.where(AuditLog.at < datetime.combine(until + timedelta(days=1), time(),
                                                     timezone.utc))
    if f.text:
        q = q.where(AuditLog.reason.ilike(f"%{_like(f.text)}%", escape="\\"))
    return q


@dataclass(frozen=True)
class Page:
    rows: list
    next_before: int | None  # pass as `before` for the next (older) page; None: last page


def search(actor: Actor, f: Filter, before: int | None = None, limit: int = PAGE,
           url: str | None = None) -> Page:
    actor.require_permission("audit.view")
    q = _where(select(AuditLog), f).order_by(AuditLog.id.desc()).limit(limit + 1)
    if before is not None:
        q = q.where(AuditLog.id < before)
    with UnitOfWork(url) as s:
        rows = list(s.exec(q))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].id if more else None)


def get(actor: Actor, row_id: int, url: str | None = None) -> AuditLog | None:
    actor.require_permission("audit.view")
    with UnitOfWork(url) as s:
        return s.get(AuditLog, row_id)


def diff(before: dict | None, after: dict | None) -> list[dict]:
    """One line per field in either side: its old and new value (JSON text) and whether it
    changed; changed fields first, then the rest, each group in name order."""
    before, after = before or {}, after or {}
    out = []
    for k in sorted(set(before) | set(after)):
        old = json.dumps(before[k], default=str, ensure_ascii=False) if k in before else ""
        new = json.dumps(after[k], default=str, ensure_ascii=False) if k in after else ""
        out.append({"field": str(k), "before": old, "after": new,
                    "changed": k not in before or k not in after or before[k] != after[k]})
    return sorted(out, key=lambda d: not d["changed"])


def chain_status(actor: Actor, url: str | None = None) -> dict | None:
    actor.require_permission("audit.view")
    with UnitOfWork(url) as s:
        return last_status(s)


def _plain_row(r) -> dict:
    return {"id": r.id, "chain_seq": r.chain_seq, "at": utc_iso(r.at), "actor_id": r.actor_id,
            "actor_label": r.actor_label, "action": r.action, "entity": r.entity,
            "entity_id": r.entity_id, "reason": r.reason, "before": r.before,
            "after": r.after, "hash": r.hash}


def export(actor: Actor, f: Filter, fmt: str, url: str | None = None):
    """(file name, media type, iterator of text chunks). The export is audited (who, which
    filter) before the first byte; rows are read in keyset batches while streaming."""
    actor.require_permission("audit.view")
    actor.require_permission("export.data")
    if fmt not in EXPORT_FORMATS:
        raise ValidationError({"format": "csv or jsonl"})
    _where(select(AuditLog), f)  # a bad filter is refused before anything is recorded
    with UnitOfWork(url) as s:
        audit.record(s, actor, "audit.exported", "audit_log", "export", None,
                     {"format": fmt, "filter": asdict(f)}, f"audit export as {fmt}")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"audit-{stamp}.{fmt}", EXPORT_FORMATS[fmt], _stream(actor, f, fmt, url)


def _stream(actor: Actor, f: Filter, fmt: str, url: str | None):
    if fmt == "csv":
        yield _csv_line(COLUMNS)
    before = None
    while True:
        page = search(actor, f, before, EXPORT_BATCH, url)
        chunk = []
        for r in page.rows:
            d = _plain_row(r)
            if fmt == "csv":
                chunk.append(_csv_line([_cell(d[c]) for c in COLUMNS]))
            else:
                chunk.append(json.dumps(d, ensure_ascii=False, default=str) + "\n")
        if chunk:
            yield "".join(chunk)
        if page.next_before is None:
            return
        before = page.next_before


def _cell(v) -> str:
    if v is None:
        return ""
    return json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, (dict, list)) else str(v)


def _csv_line(values) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow([_safe(v) for v in values])
    return buf.getvalue()


def _safe(v: str) -> str:
    """No spreadsheet formulas from audit text (CSV injection)."""
    numeric = v.lstrip("-").replace(".", "", 1).isdigit()
    return "'" + v if v[:1] in ("=", "+", "-", "@") and not numeric else v

"""GL export: the journal's postings, mapped through the GL mapping, as CSV or JSON lines for
the lender's general ledger. Each journal entry is exported once: an export records itself
(`gl_export`) and the entries it took (`gl_exported_entry`, keyed by the entry) in one
transaction, so a later or concurrent export of an overlapping range takes only what is new.
Everything is set-based SQL: one select for the lines, one insert-from-select for the entries.
"""
import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, exists, func, insert, literal, select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from domain.ledger import gl, entries as ledger
from domain.db.payment_tables import GlExport, GlExportedEntry, GlMappingVersion
from domain.db.tables import AppUser, JournalEntry, Loan, Posting, Product, utcnow
from domain.db.uow import UnitOfWork
from domain.kernel.errors import Conflict, NotFound, ValidationError
from domain.audit import trail as audit
from domain.ledger import gl_mapping, journal
from domain.kernel.actor import Actor
from domain.ledger.gl_mapping import (
    current as current_mapping,
    publish as publish_mapping,
    save_draft as save_mapping_draft,
    versions as mapping_versions,
)

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


@dataclass(frozen=True)
class ExportResult:
    export_id: int | None  # None: a dry run, or nothing new in the range (nothing recorded)
    fmt: str
    lines: list[gl.GlLine]
    csv_text: str
    json_text: str
    totals: gl.Totals
    skipped_already_exported: int  # entries in the range that earlier exports took
    mapping_version: int | None  # None: the built-in default mapping
    exported_at: datetime
    dry_run: bool

    @property
    def text(self) -> str:
        return self.csv_text if self.fmt == "csv" else self.json_text


@dataclass(frozen=True)
class ReconRow:
    account: str
    name: str
    ledger_minor: int  # net of the journal's postings in the range (the trial balance)
    exported_minor: int  # net of those postings taken by exports
    unexported_minor: int

    @property
    def matches(self) -> bool:
        return self.ledger_minor == self.exported_minor


@dataclass(frozen=True)
class ExportRow:
    export_id: int
    from_date: date
    to_date: date
    lines: int
    entries: int
    debit_minor: int
    credit_minor: int
    mapping_version: int | None
    created_by: str
    created_at: datetime


def export(actor: Actor, from_date, to_date, fmt: str = "csv", url: str | None = None,
           dry_run: bool = False) -> ExportResult:
    """Export the postings of journal entries effective from `from_date` to `to_date`
    (inclusive) that no export has taken yet. A dry run returns the same lines and records
    nothing."""
    actor.require_permission("export.data")
    start, end, fmt = gl.parse_request(from_date, to_date, fmt)
    exported_at = utcnow().replace(microsecond=0)
    in_range = JournalEntry.effective_date.between(start, end)
    with UnitOfWork(url) as s:
        version_row, mapping = gl_mapping.published(s)
        version = version_row.version if version_row else None
        skipped = s.exec(select(func.count()).select_from(GlExportedEntry)
                         .join(JournalEntry, JournalEntry.id == GlExportedEntry.entry_id)
                         .where(in_range)).one()
        pending = and_(in_range, ~_taken())
        lines = _lines(s, pending, mapping, exported_at)
        csv_text = gl.to_csv(lines)
        t = gl.totals(lines)
        if dry_run or not lines:
            meta = _meta(None, start, end, version, exported_at)
            return ExportResult(None, fmt, lines, csv_text, gl.to_json(lines, meta), t,
                                skipped, version, exported_at, dry_run)
        row = GlExport(from_date=start, to_date=end,
                       mapping_version_id=version_row.id if version_row else None,
                       line_count=t.lines, debit_total_minor=t.debit_minor,
                       credit_total_minor=t.credit_minor,
                       sha256=hashlib.sha256(csv_text.encode()).hexdigest(),
                       created_by=actor.user_id, created_at=exported_at)
        s.add(row)
        s.flush()
        _take(s, row.id, pending, {line.entry_id for line in lines})
        audit.record(s, actor, "gl_export.created", "gl_export", row.id, None, {
            "from": start, "to": end, "lines": t.lines, "entries": t.entries,
            "debit_minor": t.debit_minor, "credit_minor": t.credit_minor,
            "mapping_version": version, "sha256": row.sha256,
            "skipped_already_exported": skipped})
        meta = _meta(row.id, start, end, version, exported_at)
        return ExportResult(row.id, fmt, lines, csv_text, gl.to_json(lines, meta), t, skipped,
                            version, exported_at, False)


def _taken():
    return exists().where(GlExportedEntry.entry_id == JournalEntry.id)


def _take(s, export_id: int, pending, expected: set[str]) -> None:
    """Record the entries as taken by this export, by one insert-from-select over the same
    condition the lines were read with. If the journal changed in between (another export
    took some of them, or new entries arrived in the range) the sets differ and nothing is
    recorded; the entry's primary key refuses a second taker outright."""
    changed = Conflict("the journal changed while exporting (another export, or new entries "
                       "in the range); nothing was recorded: run the export again")
    try:
        s.execute(insert(GlExportedEntry).from_select(
            ["entry_id", "export_id"],
            core_select(JournalEntry.id, literal(export_id)).where(pending)))
    except IntegrityError:
        raise changed from None
    taken = set(s.exec(select(GlExportedEntry.entry_id)
                       .where(GlExportedEntry.export_id == export_id)))
    if taken != expected:
        raise changed


def _lines(s, criterion, mapping: gl.GlMapping, exported_at: datetime) -> list[gl.GlLine]:
    """One select: each posting of the entries meeting `criterion`, with its loan and
    product, in a stable order (date, recorded, entry, posting)."""
    rows = s.exec(select(JournalEntry.id, JournalEntry.code, JournalEntry.effective_date,
                         JournalEntry.memo, JournalEntry.recorded_at, Posting.account,
                         Posting.amount_minor, Loan.loan_number, Product.code)
                  .join(Posting, Posting.entry_id == JournalEntry.id)
                  .outerjoin(Loan, Loan.id == Posting.loan_id)
                  .outerjoin(Product, Product.id == Loan.product_id)
                  .where(criterion)
                  .order_by(JournalEntry.effective_date, JournalEntry.recorded_at,
                            JournalEntry.id, Posting.id))
    return [gl.GlLine(entry_id, code, on, account, mapping.account_for(account, product),
                      product or "", loan or "", int(amount), memo, recorded, exported_at)
            for entry_id, code, on, memo, recorded, account, amount, loan, product in rows]


def _meta(export_id, start: date, end: date, version, exported_at: datetime) -> dict:
    return {"id": export_id, "from": start.isoformat(), "to": end.isoformat(),
            "mapping_version": version, "exported_at": gl.timestamp(exported_at)}


def reconcile(actor: Actor, from_date=None, to_date=None,
              url: str | None = None) -> list[ReconRow]:
    """Per ledger account: the journal's net over the range (the trial balance; with no dates,
    of the whole history) beside the net of what exports took of it."""
    actor.require_permission("gl.manage")
    start, end = gl.parse_range(from_date, to_date, required=False)
    with UnitOfWork(url) as s:
        tb = journal.trial_balance(s, from_date=start, to_date=end)
        q = (select(Posting.account, func.sum(Posting.amount_minor))
             .join(JournalEntry, JournalEntry.id == Posting.entry_id)
             .where(_taken()).group_by(Posting.account))
        if start:
            q = q.where(JournalEntry.effective_date >= start)
        if end:
            q = q.where(JournalEntry.effective_date <= end)
        exported = {a: int(n) for a, n in s.exec(q)}
    return [ReconRow(a, ledger.ACCOUNT_NAMES[a], tb.get(a, 0), exported.get(a, 0),
                     tb.get(a, 0) - exported.get(a, 0)) for a in ledger.ACCOUNTS]


def exports(actor: Actor, limit: int = 50, url: str | None = None) -> list[ExportRow]:
    """Past exports, newest first, with who ran them and how many entries each took."""
    actor.require_permission("export.data")
    entries = (core_select(GlExportedEntry.export_id, func.count().label("n"))
               .group_by(GlExportedEntry.export_id).subquery())
    with UnitOfWork(url) as s:
        rows = s.exec(select(GlExport, AppUser.email, GlMappingVersion.version, entries.c.n)
                      .outerjoin(AppUser, AppUser.id == GlExport.created_by)
                      .outerjoin(GlMappingVersion,
                                 GlMappingVersion.id == GlExport.mapping_version_id)
                      .outerjoin(entries, entries.c.export_id == GlExport.id)
                      .order_by(GlExport.id.desc()).limit(limit))
        return [ExportRow(e.id, e.from_date, e.to_date, e.line_count, int(n or 0),
                          e.debit_total_minor, e.credit_total_minor, version,
                          email or "system", e.created_at) for e, email, version, n in rows]


def export_file(actor: Actor, export_id: int, fmt: str = "csv",
                url: str | None = None) -> tuple[str, str, str]:
    """A past export again, as (filename, media type, text): its entries, its mapping
    version, its time, so the CSV is the same bytes as the first time (checked against the
    recorded SHA-256). Audited."""
    actor.require_permission("export.data")
    if fmt not in gl.FORMATS:
        raise ValidationError({"format": "must be csv or json"})
    with UnitOfWork(url) as s:
        row = s.get(GlExport, export_id)
        if row is None:
            raise NotFound(f"GL export {export_id}")
        mapping = gl_mapping.by_id(s, row.mapping_version_id)
        version = s.get(GlMappingVersion, row.mapping_version_id).version \
            if row.mapping_version_id else None
        mine = JournalEntry.id.in_(select(GlExportedEntry.entry_id)
                                   .where(GlExportedEntry.export_id == export_id))
        lines = _lines(s, mine, mapping, row.created_at)
        csv_text = gl.to_csv(lines)
        if hashlib.sha256(csv_text.encode()).hexdigest() != row.sha256:
            raise Conflict(f"GL export {export_id} no longer reproduces its recorded SHA-256")
        audit.record(s, actor, "gl_export.downloaded", "gl_export", export_id, None,
                     {"format": fmt})
    text = csv_text if fmt == "csv" else gl.to_json(
        lines, _meta(export_id, row.from_date, row.to_date, version, row.created_at))
    return f"gl-export-{export_id}.{fmt}", MEDIA_TYPES[fmt], text

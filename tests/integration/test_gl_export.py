"""GL export on SQLite and PostgreSQL: a booked, paid, reversed and accrued book exports to
the cent of the trial balance; each journal entry is exported once (a repeat takes nothing, an
overlapping range only what is new, a concurrent export cannot take the same entries); a dry
run records nothing; the mapping is versioned and used per product.

Exports are book-wide, so each test gets its own empty database (test_cob's `url`)."""
import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from domain.ledger import gl, entries as ledger
from domain.db.payment_tables import GlExport, GlExportedEntry
from domain.db.tables import AuditLog, JournalEntry, Posting
from domain.db.uow import UnitOfWork
from domain.kernel.errors import Conflict, PermissionDenied, ValidationError
from domain.servicing import cob, payments
from domain.ledger import gl_export, journal
from domain.kernel.actor import SYSTEM
from tests.integration.helpers import count
from tests.integration.test_cob import book, make_world, url  # noqa: F401  (url: a fixture)

BOOKED = date(2026, 1, 10)
TODAY = date(2026, 11, 22)
ALL = ("2000-01-01", "2099-12-31")


def pay(w, loan, amount: str, on: date, key: str):
    return payments.record_payment(w["servicer"], loan.loan_number, amount, on,
                                   f"{loan.loan_number}-{key}", url=w["url"], today=TODAY)


def build_book(url, through=date(2026, 3, 31)) -> dict:
    """Three loans on two products: paid, one payment reversed (R01, with the NSF fee), one
    never paid (late fee), daily accrual by close of business through `through`."""
    w = make_world(url, ("MONTHLY", "EQPRIN"))
    w["a"] = book(w, "MONTHLY", 300000, 12, BOOKED)
    w["b"] = book(w, "EQPRIN", 500000, 12, BOOKED)
    w["c"] = book(w, "MONTHLY", 150000, 6, BOOKED)
    pay(w, w["a"], "270.00", date(2026, 2, 10), "feb")
    pay(w, w["b"], "520.00", date(2026, 2, 10), "feb")
    march = pay(w, w["a"], "270.00", date(2026, 3, 10), "mar")
    payments.reverse_payment(w["servicer"], march.payment_id, "bank return", "R01",
                             date(2026, 3, 14), url)
    cob.run_cob(through, SYSTEM, url)
    return w


def entry_ids(result) -> set[str]:
    return {line.entry_id for line in result.lines}


def test_full_history_reconciles_with_the_trial_balance_and_is_taken_once(url):
    w = build_book(url)
    r = gl_export.export(w["admin"], *ALL, "csv", url)
    with UnitOfWork(url) as s:
        tb = journal.trial_balance(s)
        postings = s.exec(select(Posting)).all()
        entries = s.exec(select(JournalEntry.id)).all()
    assert {c for c in ("accrual", "repayment", "reversal", "fee", "disbursement")} <= \
        {line.entry_code for line in r.lines}
    assert r.totals.by_account == {a: n for a, n in tb.items()}  # to the cent, per account
    assert r.totals.debit_minor == r.totals.credit_minor > 0
    assert (r.totals.lines, r.totals.entries) == (len(postings), len(entries))
    assert r.export_id is not None and r.skipped_already_exported == 0
    # the CSV says the same: parsed back, per account and in total
    rows = list(csv.DictReader(io.StringIO(r.csv_text)))
    net: dict[str, Decimal] = {}
    for row in rows:
        net[row["account"]] = net.get(row["account"], 0) + Decimal(row["debit"]) \
            - Decimal(row["credit"])
        assert Decimal(row["debit"]) == 0 or Decimal(row["credit"]) == 0
    assert {a: int(v * 100) for a, v in net.items()} == tb
    doc = json.loads(r.json_text)
    assert doc["totals"]["debit"] == doc["totals"]["credit"] == gl.amount(r.totals.debit_minor)
    assert doc["export"]["id"] == r.export_id and len(doc["lines"]) == len(rows)
    # recorded: the export, each entry once, the audit
    assert count(url, GlExportedEntry, GlExportedEntry.export_id == r.export_id) == len(entries)
    with UnitOfWork(url) as s:
        row = s.get(GlExport, r.export_id)
        assert (row.line_count, row.debit_total_minor, row.created_by) == \
            (len(postings), r.totals.debit_minor, w["admin"].user_id)
    assert count(url, AuditLog, AuditLog.action == "gl_export.created") == 1
    recon = gl_export.reconcile(w["admin"], url=url)
    assert all(x.matches and x.unexported_minor == 0 for x in recon)
    assert {x.account: x.ledger_minor for x in recon} == {a: tb.get(a, 0)
                                                          for a in ledger.ACCOUNTS}
    # the same range again: nothing new, nothing recorded
    again = gl_export.export(w["admin"], *ALL, "json", url)
    assert (again.lines, again.export_id, again.skipped_already_exported) == \
        ([], None, len(entries))
    assert json.loads(again.json_text)["lines"] == []
    assert count(url, GlExport) == 1
    # a past export comes back byte for byte
    name, media, text = gl_export.export_file(w["admin"], r.export_id, "csv", url)
    assert (name, media, text) == (f"gl-export-{r.export_id}.csv", "text/csv; charset=utf-8",
                                   r.csv_text)
    assert json.loads(gl_export.export_file(w["admin"], r.export_id, "json", url)[2]) == doc


def test_an_overlapping_range_takes_only_new_entries(url):
    w = build_book(url)
    first = gl_export.export(w["admin"], "2026-01-01", "2026-02-15", "csv", url)
    second = gl_export.export(w["admin"], "2026-02-01", "2026-03-31", "csv", url)
    assert first.lines and second.lines and not entry_ids(first) & entry_ids(second)
    with UnitOfWork(url) as s:
        feb_early = s.exec(select(JournalEntry.id).where(
            JournalEntry.effective_date.between(date(2026, 2, 1), date(2026, 2, 15)))).all()
        all_q1 = set(s.exec(select(JournalEntry.id).where(
            JournalEntry.effective_date <= date(2026, 3, 31))).all())
    assert second.skipped_already_exported == len(feb_early) > 0
    assert entry_ids(first) | entry_ids(second) == all_q1
    assert min(line.effective_date for line in second.lines) > date(2026, 2, 15)
    # a payment backdated into the exported period: the next export takes just its entries
    pay(w, w["c"], "100.00", date(2026, 2, 5), "late-news")
    third = gl_export.export(w["admin"], "2026-01-01", "2026-03-31", "csv", url)
    assert {line.entry_code for line in third.lines} == {"repayment"}
    assert third.totals.debit_minor == third.totals.credit_minor == 10000
    recon = gl_export.reconcile(w["admin"], "2026-01-01", "2026-03-31", url)
    assert all(x.matches for x in recon)
    # entries after the range are not exported yet: the full history does not reconcile
    cob.run_cob(date(2026, 4, 5), SYSTEM, url)
    later = gl_export.reconcile(w["admin"], url=url)
    assert any(x.unexported_minor for x in later)
    assert sum(x.unexported_minor for x in later) == 0


def test_a_dry_run_shows_the_lines_and_records_nothing(url):
    w = build_book(url, through=date(2026, 2, 20))
    audits = count(url, AuditLog)
    dry = gl_export.export(w["admin"], *ALL, "json", url, dry_run=True)
    assert dry.dry_run and dry.export_id is None and dry.lines
    assert json.loads(dry.json_text)["export"]["id"] is None
    assert (count(url, GlExport), count(url, GlExportedEntry), count(url, AuditLog)) == \
        (0, 0, audits)
    real = gl_export.export(w["admin"], *ALL, "csv", url)
    assert [(x.entry_id, x.account, x.amount_minor) for x in real.lines] == \
        [(x.entry_id, x.account, x.amount_minor) for x in dry.lines]


def test_a_concurrent_export_cannot_take_the_same_entries(url, monkeypatch):
    """Another export commits between this one reading its lines and recording them: this
    one records nothing; the entry's primary key refuses a second taker outright."""
    w = build_book(url, through=date(2026, 1, 31))
    real_lines, raced = gl_export._lines, []

    def lines_then_race(*args):
        found = real_lines(*args)
        if not raced:
            raced.append(None)  # the racing export reads its lines through here too
            raced[0] = gl_export.export(w["admin"], *ALL, "csv", url)
        return found
    monkeypatch.setattr(gl_export, "_lines", lines_then_race)
    with pytest.raises(Conflict, match="the journal changed while exporting"):
        gl_export.export(w["admin"], *ALL, "csv", url)
    monkeypatch.undo()
    entries = count(url, JournalEntry)
    assert count(url, GlExport) == 1
    assert count(url, GlExportedEntry, GlExportedEntry.export_id == raced[0].export_id) == \
        entries
    with pytest.raises(IntegrityError):
        with UnitOfWork(url) as s:
            s.add(GlExportedEntry(entry_id=raced[0].lines[0].entry_id,
                                  export_id=raced[0].export_id))
    assert count(url, GlExportedEntry) == entries


def test_bad_ranges_and_other_roles_are_refused(db_url, uniq):
    from tests.integration.helpers import make_user
    admin = make_user(db_url, uniq, "admin")
    cases = [((None, "2026-01-31", "csv"), {"from": "is required (YYYY-MM-DD)"}),
             (("2026-01-01", "31/01/2026", "csv"),
              {"to": "'31/01/2026' is not a date (YYYY-MM-DD)"}),
             (("2026-02-01", "2026-01-31", "csv"), {"to": "must be on or after from "
                                                          "(2026-02-01)"}),
             (("2026-01-01", "2026-01-31", "xml"), {"format": "must be csv or json"})]
    before = count(db_url, GlExport)
    for args, errors in cases:
        with pytest.raises(ValidationError) as e:
            gl_export.export(admin, *args, url=db_url)
        assert e.value.errors == errors
    with pytest.raises(ValidationError) as e:
        gl_export.reconcile(admin, "2026-02-01", "2026-01-31", db_url)
    assert list(e.value.errors) == ["to"]
    for role in ("servicer", "underwriter", "borrower"):
        other = make_user(db_url, uniq, role, tag="gl")
        for call in (lambda: gl_export.export(other, *ALL, url=db_url),
                     lambda: gl_export.reconcile(other, url=db_url),
                     lambda: gl_export.exports(other, url=db_url),
                     lambda: gl_export.save_mapping_draft(other, gl.DEFAULT_MAPPING, db_url)):
            with pytest.raises(PermissionDenied):
                call()
    assert count(db_url, GlExport) == before

"""The one journal writer: every money path (payments, close of business, onboarding, bank
returns) writes through `domain.ledger.journal`, and an unbalanced entry is refused on each of
them with nothing written: the whole unit of work rolls back."""
from datetime import date

import pytest
from sqlalchemy import Integer, String, cast, literal, null, select, union_all

from domain.db.bulk_write import BulkWriter
from domain.db.tables import CobRun, JournalEntry, Loan, Payment, PaymentReversal, Posting
from domain.db.uow import UnitOfWork
from domain.kernel.actor import SYSTEM
from domain.ledger import entries as ledger
from domain.ledger import journal
from domain.nacha.parse import parse
from domain.nacha.returns import build_return_file
from domain.onboarding import boarding as onboarding
from domain.payments import ach_files
from domain.servicing import allocation_rows, cob, payments
from tests.integration.helpers import count
from tests.integration.onboarding_support import good_rows, numbered
from tests.integration.onboarding_support import world as onboarding_world
from tests.integration.test_ach_files import AT, build_world, make_file, mine
from tests.integration.test_cob import book, make_world, url  # noqa: F401

ON = date(2026, 3, 10)


def forged(entry_id="forged-1", loan_id=None, on=ON, lines=None) -> ledger.Entry:
    """An entry that skipped its own check (as a hand-assembled row would): the writer must
    still refuse it."""
    e = object.__new__(ledger.Entry)
    values = dict(entry_id=entry_id, code=ledger.REPAYMENT, effective_date=on, loan_id=loan_id,
                  lines=lines or (ledger.Line(ledger.CASH, 10000),
                                  ledger.Line(ledger.LOANS_RECEIVABLE, -9999)), memo="forged")
    for k, v in values.items():
        object.__setattr__(e, k, v)
    return e


def journal_size(url) -> tuple[int, int]:
    return count(url, JournalEntry), count(url, Posting)


def test_the_entry_check_refuses_each_kind_of_bad_entry():
    with pytest.raises(ledger.UnbalancedEntry, match="does not balance"):
        ledger.check(forged())
    with pytest.raises(ledger.UnbalancedEntry, match="unknown account"):
        ledger.check(forged(lines=(ledger.Line("9999-nowhere", 5), ledger.Line(ledger.CASH, -5))))
    with pytest.raises(ledger.UnbalancedEntry, match="two lines"):
        ledger.check(forged(lines=(ledger.Line(ledger.CASH, 0),)))


def test_few_entries_back_end_refuses_and_writes_nothing(db_url):
    before = journal_size(db_url)
    good = ledger.Entry("writer-good-%s" % id(object()), ledger.REFUND, ON, None,
                        (ledger.Line(ledger.SUSPENSE, 5), ledger.Line(ledger.CASH, -5)))
    with pytest.raises(ledger.UnbalancedEntry):
        with UnitOfWork(db_url) as s:
            journal.write(s, [good, forged("writer-bad")])
    assert journal_size(db_url) == before  # the good entry went back with the bad one


def test_a_replay_changes_nothing(db_url, uniq):
    e = ledger.Entry(f"replay-{uniq}", ledger.REFUND, ON, None,
                     (ledger.Line(ledger.SUSPENSE, 5), ledger.Line(ledger.CASH, -5)))
    with UnitOfWork(db_url) as s:
        assert journal.write(s, [e, e]) == 1  # the same id twice in one call: once
    before = journal_size(db_url)
    with UnitOfWork(db_url) as s:
        assert journal.write(s, [e]) == 0
    assert journal_size(db_url) == before


def test_bulk_back_end_refuses_before_a_row_is_queued(db_url):
    with UnitOfWork(db_url) as s:
        w = BulkWriter(s)
        with pytest.raises(ledger.UnbalancedEntry):
            journal.write(s, [forged("bulk-bad")], into=w)
        assert w.pending == [] and w.counts == {}
        w.close()
        s.rollback()


def test_set_based_back_end_checks_what_sql_wrote(db_url, uniq):
    before = journal_size(db_url)
    rows = union_all(
        select(literal(f"sel-{uniq}", String), literal(ledger.CASH, String),
               cast(null(), Integer).label("loan_id"), literal(100)),
        select(literal(f"sel-{uniq}", String), literal(ledger.SUSPENSE, String),
               cast(null(), Integer), literal(-99)))
    with pytest.raises(ledger.UnbalancedEntry, match="does not balance"):
        with UnitOfWork(db_url) as s:
            journal.write_selected(s, f"sel-{uniq}", ledger.FEE, ON, "bad", rows)
    assert journal_size(db_url) == before


def test_payment_path_refuses_an_unbalanced_entry(url, monkeypatch):
    w = make_world(url)
    loan = book(w, "MONTHLY", 300000, 12, date(2026, 1, 5))
    before = journal_size(url), count(url, Payment)
    monkeypatch.setattr(allocation_rows, "repayment_entry",
                        lambda entry_id, loan_id, on, parts, memo:
                        forged(entry_id, loan_id, on))
    with pytest.raises(ledger.UnbalancedEntry):
        payments.record_payment(w["servicer"], loan.loan_number, "100.00", date(2026, 2, 5),
                                "forged-payment", url=url)
    assert (journal_size(url), count(url, Payment)) == before


def test_close_of_business_refuses_an_unbalanced_entry(url, monkeypatch):
    w = make_world(url)
    book(w, "MONTHLY", 300000, 12, date(2026, 1, 5))
    before = journal_size(url)
    lopsided = lambda debit, credit: union_all(  # noqa: E731  the credit side twice over
        select(literal(debit, String).label("account"), literal(1).label("sign")),
        select(literal(credit, String), literal(-2))).subquery("side")
    monkeypatch.setattr(cob, "_sign_rows", lopsided)
    with pytest.raises(ledger.UnbalancedEntry):
        cob.close_date(date(2026, 1, 20), SYSTEM, url)
    assert journal_size(url) == before
    assert count(url, CobRun) == 0


def test_onboarding_refuses_an_unbalanced_entry(db_url, uniq, monkeypatch):
    w = onboarding_world(db_url, uniq)
    rows = good_rows(w, n=3)
    before = journal_size(db_url), count(db_url, Loan)
    real = ledger.disbursement
    monkeypatch.setattr(ledger, "disbursement", lambda *a, **k: forged(real(*a, **k).entry_id))
    with pytest.raises(ledger.UnbalancedEntry):
        onboarding.board(numbered(rows), source=f"BAD-{uniq}", method="api", actor=w["admin"],
                         url=db_url)
    assert (journal_size(db_url), count(db_url, Loan)) == before


def test_a_bank_return_refuses_an_unbalanced_correction(fresh_db, uniq, monkeypatch):
    w = build_world(fresh_db(), uniq, monkeypatch)  # its own database: the file stays sent
    f, _ = make_file(w)
    ret = build_return_file(parse(f.text), [(mine(w, f)[0].trace_number, "R03")],
                            created_at=AT)
    before = journal_size(w["url"]), count(w["url"], PaymentReversal)
    monkeypatch.setattr(allocation_rows, "correction",
                        lambda entry_id, loan_id, on, parts, memo:
                        forged(entry_id, loan_id, on))
    with pytest.raises(ledger.UnbalancedEntry):
        ach_files.process_return_file(w["servicer"], ret, "ret.ach", date(2026, 3, 12),
                                      w["url"])
    assert (journal_size(w["url"]), count(w["url"], PaymentReversal)) == before


def test_journal_writer_is_the_only_writer_of_the_journal():
    """No module outside domain/ledger/journal.py inserts journal rows (set-based or not)."""
    import pathlib
    import re
    root = pathlib.Path(__file__).resolve().parents[2]
    pattern = re.compile(r"\b(JournalEntry|Posting)\(|insert\((JE|PO|JournalEntry|Posting)\b"
                         r"|add(_dicts)?\((JournalEntry|Posting)\.__table__")
    found = [str(p.relative_to(root)) for base in ("domain", "portal", "admin", "cli")
             for p in (root / base).rglob("*.py")
             if p.name != "journal.py" and p.parent.name != "db" and pattern.search(p.read_text())]
    assert found == []

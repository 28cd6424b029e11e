"""The set-based reference check that replaces PostgreSQL's per-row foreign-key triggers
during a bulk write (domain.db.bulk_checks): it refuses an orphan row, locks the
pre-existing parents as the triggers would, hands the session back in origin mode, and is
really what boarding uses; with LENDBOOK_BULK_FK_CHECK=triggers the triggers check instead."""
import gc
import sys

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from domain.db.migrate import upgrade
from domain.db.tables import Installment, JournalEntry, Loan, Payment
from domain.db.uow import UnitOfWork
from domain.db import bulk_checks, bulk_write
from domain.onboarding import boarding as onboarding, book as onboarding_book
from domain.db.batch_gc import BATCH_THRESHOLDS
from domain.db.bulk_checks import BrokenReference, ReferentialCheck
from tests.integration.onboarding_support import good_rows, numbered, world

INSERT = text("INSERT INTO installment (loan_id, schedule_version, number, due_date, "
              "principal_minor, interest_minor, fee_minor) "
              "VALUES (:loan, 99, 1, '2027-01-01', 100, 1, 0)")


@pytest.fixture
def w(pg_url, uniq):
    upgrade(pg_url)
    return world(pg_url, uniq)


def _loan_id(w) -> int:
    report = onboarding.board(numbered(good_rows(w, 1)), source=f"CHK-{w['uniq']}",
                              method="api", actor=w["servicer"], url=w["url"])
    assert report.status == "booked", report.issues
    with UnitOfWork(w["url"]) as s:
        return s.execute(select(Loan.id).where(
            Loan.loan_number == report.loans[0][2])).scalar_one()


def test_an_orphan_row_fails_the_batch_and_nothing_stays(w):
    with pytest.raises(BrokenReference, match=r"installment\.loan_id: 1 value\(s\) with no "
                                              r"loan row, e\.g\. \[987654321\]"):
        with UnitOfWork(w["url"]) as s:
            check = ReferentialCheck(s, [Installment.__table__])
            assert check.on  # the test role is a superuser: the triggers are off
            assert s.execute(text("SHOW session_replication_role")).scalar() == "replica"
            s.execute(INSERT, {"loan": 987654321})  # no trigger refuses it now
            check.verify(s, {"installment"}, {}, {"installment": 1})
    with UnitOfWork(w["url"]) as s:
        assert s.execute(select(Installment.number).where(
            Installment.loan_id == 987654321)).first() is None


def test_pre_existing_parents_are_locked_and_the_session_is_back_in_origin_mode(w):
    loan_id = _loan_id(w)
    dsn = w["url"].replace("postgresql+psycopg://", "postgresql://")
    with UnitOfWork(w["url"]) as s:
        check = ReferentialCheck(s, [Payment.__table__])
        user = s.execute(select(Loan.borrower_id).where(Loan.id == loan_id)).scalar_one()
        s.execute(text("INSERT INTO payment (loan_id, idempotency_key, amount_minor, "
                       "received_on, method, reason, recorded_by, journal_entry_id, "
                       "recorded_at, channel) VALUES (:loan, :key, 100, '2027-01-01', "
                       "'manual', '', :user, 'pay-x', now(), 'servicer')"),
                  {"loan": loan_id, "key": f"lock-{w['uniq']}", "user": user})
        check.verify(s, {"payment"}, {}, {"payment": 1})
        assert check.checked == 2  # loan_id and recorded_by
        assert s.execute(text("SHOW session_replication_role")).scalar() == "origin"
        with psycopg.connect(dsn, autocommit=True) as other:  # FOR KEY SHARE is held
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("SELECT 1 FROM loan WHERE id = %s FOR UPDATE NOWAIT", (loan_id,))
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("SELECT 1 FROM app_user WHERE id = %s FOR UPDATE NOWAIT",
                              (user,))
        s.rollback()


@pytest.mark.parametrize("under", ["a loan id the batch did not draw", "an existing loan"])
def test_a_row_keyed_by_a_parent_outside_the_batch_fails_it(w, under):
    """installment has no id of its own: the batch's rows are those under its new loans, and
    this transaction's rows there must be all it wrote, so a row under an older id (a gap
    in the sequence, or a loan that was booked before) is not left unchecked."""
    loan_id = _loan_id(w)
    with pytest.raises(BrokenReference, match=r"installment: 1 row\(s\) written, 0 of them "
                                              r"under this batch's new loan rows"):
        with UnitOfWork(w["url"]) as s:
            check = ReferentialCheck(s, [Loan.__table__, Installment.__table__])
            assert check.anchors["installment"][:2] == ("loan_id", "loan")
            s.execute(INSERT, {"loan": loan_id if under == "an existing loan" else 0})
            check.verify(s, {"installment"}, {}, {"installment": 1})


def test_a_journal_entry_is_found_by_its_loan_and_one_without_a_loan_needs_none(w):
    """journal_entry has a text id: its batch rows are those under the batch's new loans,
    counted against the rows written with a loan; an entry without one refers to nothing."""
    loan_id = _loan_id(w)
    entry = text("INSERT INTO journal_entry (id, code, loan_id, effective_date, memo, "
                 "recorded_at) VALUES (:id, 'accrual', :loan, '2027-01-01', '', now())")
    with UnitOfWork(w["url"]) as s:
        check = ReferentialCheck(s, [Loan.__table__, JournalEntry.__table__])
        assert check.anchors["journal_entry"][:2] == ("loan_id", "loan")
        s.execute(entry, {"id": f"none-{w['uniq']}", "loan": None})
        check.verify(s, {"journal_entry"}, {}, {"journal_entry": 0})
        s.rollback()
    with pytest.raises(BrokenReference, match=r"journal_entry: 1 row\(s\) written, 0 of "
                                              r"them under this batch's new loan rows"):
        with UnitOfWork(w["url"]) as s:
            check = ReferentialCheck(s, [Loan.__table__, JournalEntry.__table__])
            s.execute(entry, {"id": f"old-{w['uniq']}", "loan": loan_id})
            check.verify(s, {"journal_entry"}, {}, {"journal_entry": 1})


def test_the_writer_counts_only_rows_with_an_anchor(w):
    from domain.db.bulk_write import BulkWriter
    with UnitOfWork(w["url"]) as s:
        writer = BulkWriter(s)
        writer.anchors = {"journal_entry": "loan_id"}
        writer.add(JournalEntry.__table__, ("id", "loan_id"), [("a", 5), ("b", None), ("c", 0)])
        writer.add(Loan.__table__, ("id",), [(1,), (2,)])
        assert writer.counts == {"journal_entry": 2, "loan": 2}
        s.rollback()


def test_boarding_verifies_every_foreign_key_of_what_it_wrote(w, monkeypatch):
    seen, before = [], sys.getswitchinterval()

    class Spy(ReferentialCheck):
        def verify(self, s, written, keys, counts):
            super().verify(s, written, keys, counts)
            seen.append((self.on, set(written), self.checked,
                         s.execute(text("SHOW session_replication_role")).scalar()))

    switching, collector, copy = [], [], bulk_write.BulkWriter._copy
    gc_before = gc.get_threshold()

    def spy_copy(self, blocks):
        switching.append(sys.getswitchinterval())
        collector.append(gc.get_threshold())
        copy(self, blocks)

    monkeypatch.setattr(bulk_write.BulkWriter, "_copy", spy_copy)

    monkeypatch.setattr(onboarding_book, "ReferentialCheck", Spy)
    rows = good_rows(w, 6)
    rows[1]["payments_to_date"] = "50.00"
    report = onboarding.board(numbered(rows), source=f"SPY-{w['uniq']}", method="file",
                              actor=w["servicer"], url=w["url"])
    assert report.status == "booked" and report.rows_booked == 6, report.issues
    (on, written, checked, mode), = seen
    assert on and mode == "origin"
    assert {"loan", "installment", "posting", "journal_entry", "payment",
            "payment_allocation", "onboarded_loan", "onboarding_row"} <= written
    fks = sum(len(t.foreign_keys) for t in
              (t.__table__ for t in onboarding_book.WRITES) if t.name in written)
    assert checked == fks
    # the COPY thread got the finer GIL hand-over while it ran; the process's value is back
    assert switching and set(switching) == {min(before, bulk_write._SWITCH)}
    assert sys.getswitchinterval() == before
    # and under the batch's collector thresholds (domain.db.batch_gc), restored after
    assert set(collector) == {tuple(max(a, b) for a, b in zip(BATCH_THRESHOLDS, gc_before))}
    assert gc.get_threshold() == gc_before


def test_with_the_triggers_mode_postgresql_checks_each_row_itself(w, monkeypatch):
    monkeypatch.setenv("LENDBOOK_BULK_FK_CHECK", "triggers")
    with pytest.raises(IntegrityError, match="installment_loan_id_fkey"):
        with UnitOfWork(w["url"]) as s:
            check = ReferentialCheck(s, [Installment.__table__])
            assert not check.on
            assert s.execute(text("SHOW session_replication_role")).scalar() == "origin"
            s.execute(INSERT, {"loan": 987654322})
    report = onboarding.board(numbered(good_rows(w, 3)), source=f"TRG-{w['uniq']}",
                              method="file", actor=w["servicer"], url=w["url"])
    assert report.status == "booked" and report.rows_booked == 3, report.issues

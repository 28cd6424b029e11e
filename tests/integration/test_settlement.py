"""Bank-file debits nobody returned settle in close of business (and so through `lendbook
cob`), on the rule the docs state: from the day after the 2nd banking day following the
settlement date (the entry's effective date: the later of draft date and file date)."""
from datetime import date, datetime, timezone

from sqlmodel import select

from cli.main import main
from domain.audit import trail
from domain.db.payment_tables import CollectionAttempt
from domain.db.tables import Loan
from domain.db.uow import UnitOfWork
from domain.nacha.parse import parse
from domain.nacha.returns import build_return_file
from domain.payments import ach_files, collections
from tests.integration.test_ach_files import build_world, mine


def statuses(url, numbers, installment):
    with UnitOfWork(url) as s:
        return [s.exec(select(CollectionAttempt.status).join(
            Loan, Loan.id == CollectionAttempt.loan_id).where(
            Loan.loan_number == n, CollectionAttempt.installment_number == installment,
            CollectionAttempt.presentment == 1)).one() for n in numbers]


def cob(url, day, capsys):
    assert main(["--database-url", url, "cob", "--date", day]) == 0
    capsys.readouterr()


def test_cob_settles_debits_past_their_return_window(fresh_db, uniq, monkeypatch, capsys):
    url = fresh_db()
    w = build_world(url, uniq, monkeypatch)  # installment 1 debits written 2026-02-10 (Tue)
    a, b, c = w["loans"]
    with UnitOfWork(url) as s:
        sent = s.exec(select(CollectionAttempt).where(CollectionAttempt.status == "submitted",
                                                      CollectionAttempt.installment_number == 1)
                      ).all()
        file_text = s.get(ach_files.AchFile, sent[0].ach_file_id).content
    first = {e.individual_id: e for b_ in parse(file_text).batches for e in b_.entries}
    back = build_return_file(parse(file_text), [(first[c].trace_number, "R01")],
                             created_at=datetime(2026, 2, 11, 9, tzinfo=timezone.utc))
    ach_files.process_return_file(w["servicer"], back, "r.ach", date(2026, 2, 11), url)
    cob(url, "2026-02-12", capsys)  # Thu: the 2nd banking day after Tue 02-10, returns due
    assert statuses(url, (a, b, c), 1) == ["submitted", "submitted", "returned"]
    cob(url, "2026-02-13", capsys)
    assert statuses(url, (a, b, c), 1) == ["succeeded", "succeeded", "returned"]
    with UnitOfWork(url) as s:
        settled = [r for r in trail.trail(s, "collection_attempt", limit=1000)
                   if r.action == "collection.settled"]
    assert len(settled) == 2 and settled[0].after == {"status": "succeeded"}
    cob(url, "2026-02-14", capsys)  # a rerun settles nothing twice
    with UnitOfWork(url) as s:
        assert len([r for r in trail.trail(s, "collection_attempt", limit=1000)
                    if r.action == "collection.settled"]) == 2

    # installment 2 (draft 03-10) written late, on Fri 03-13: effective 03-13, so settled
    # from Wed 03-18 (Mon 16, Tue 17 are its two banking days), not 3 days after 03-10
    collections.schedule_drafts(date(2026, 3, 13), url)
    f = ach_files.generate_debit_file(w["servicer"], date(2026, 3, 13), url)
    assert {a, b} <= {e.individual_id for e in mine(w, f)}
    cob(url, "2026-03-17", capsys)
    assert statuses(url, (a, b), 2) == ["submitted", "submitted"]
    cob(url, "2026-03-18", capsys)
    assert statuses(url, (a, b), 2) == ["succeeded", "succeeded"]

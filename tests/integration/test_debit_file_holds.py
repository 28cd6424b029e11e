"""Issue 18 item 9 (b) on SQLite and PostgreSQL: writing a debit file never fails as a whole
for one loan's entries. The reported shape: borrower A's loan (payoff 6,312.93 on 2026-01-20)
with two 6,000.00 entries queued, and another borrower's 50.00: the file is written with the
50.00 and A's first entry; A's second is held back with its reason, audited, the borrower
told, the servicer shown it (Bank files page list, `ach-debits` output)."""
from datetime import date

from sqlmodel import select

from domain.db.payment_tables import AchFile, CollectionAttempt, Notice
from domain.db.tables import AuditLog, Loan
from domain.db.uow import UnitOfWork
from domain.nacha.parse import parse
from domain.payments import ach_files, collection_runs, queued
from domain.servicing import notices, payments
from tests.integration.test_queued_payments import (DAY, PAYOFF, attempts, audits, pay,
                                                    world)  # noqa: F401 (the fixture)


def queue_unchecked(w, who, amount_minor, key, draft=DAY, purpose="one_time"):
    """An attempt queued without the check (as before it existed, or by a path that skips
    it): the debit file must cope."""
    with UnitOfWork(w["url"]) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == w[who]["loan"])).one()
        a = CollectionAttempt(loan_id=loan.id, instrument_id=w[who]["inst"], purpose=purpose,
                              idempotency_key=key, rail="nacha", amount_minor=amount_minor,
                              draft_date=draft)
        s.add(a)
        s.flush()
        return a.id


def test_debit_file_holds_back_what_a_loan_cannot_take_and_writes_the_rest(world):
    w = world
    first = pay(w, "a", "6000.00", "tab-1").attempt_id
    second = queue_unchecked(w, "a", 600000, "tab-2-before-the-check")
    other = pay(w, "b", "50.00", "other").attempt_id
    f = ach_files.generate_debit_file(w["servicer"], DAY, w["url"])
    assert (f.entry_count, f.total_minor) == (2, 605000)
    entries = [(e.individual_id, e.amount_minor) for b in parse(f.text).batches
               for e in b.entries]
    assert sorted(entries) == sorted([(w["a"]["loan"], 600000), (w["b"]["loan"], 5000)])
    reason = ("6,000.00 exceeds the payoff of 312.93 on 2026-01-20 (after any earlier "
              "entries of this loan in the file)")
    assert [(h.attempt_id, h.amount_minor, h.reason) for h in f.held] == \
        [(second, 600000, reason)]
    by_id = {a.id: a for a in attempts(w, "a") + attempts(w, "b")}
    assert (by_id[first].status, by_id[first].ach_file_id) == ("submitted", f.file_id)
    assert by_id[other].status == "submitted" and by_id[other].trace_number
    held = by_id[second]
    assert (held.status, held.ach_file_id, held.trace_number, held.payment_id) == \
        ("held", None, None, None)
    assert held.failure_reason == f"held back: {reason}"
    assert collection_runs.amounts(w["a"]["actor"], w["a"]["loan"], DAY, w["url"])[1] == 31293
    [log] = audits(w, "collection.held", second)
    assert (log.before["status"], log.after["status"], log.reason) == ("scheduled", "held",
                                                                       reason)
    with UnitOfWork(w["url"]) as s:
        assert s.get(AchFile, f.file_id).summary == {"held_back": 1}
        notice = s.exec(select(Notice).where(Notice.user_id == w["a"]["actor"].user_id,
                                             Notice.kind == "payment_held")).one()
        [file_log] = s.exec(select(AuditLog).where(AuditLog.action == "ach.debit_file",
                                                   AuditLog.entity_id == str(f.file_id)))
    assert "Nothing was taken from your account" in notice.body
    assert file_log.after["held_back"] == [{"attempt_id": second, "loan": w["a"]["loan"],
                                            "amount_minor": 600000, "reason": reason}]
    rows = queued.held_back(w["servicer"], url=w["url"])  # the Bank files page's list
    assert [(r.attempt_id, r.loan_number, r.reason) for r in rows] == \
        [(second, w["a"]["loan"], reason)]
    [item] = notices.servicer_queue(w["servicer"], url=w["url"])  # the servicing console's
    assert (item.kind_label, item.loan_number, item.subject) == (
        "Bank file exception", w["a"]["loan"],
        f"Held back from the debit file: 6,000.00 on loan {w['a']['loan']}")
    assert reason in item.body and "the borrower was told" in item.body
    assert ach_files.generate_debit_file(w["servicer"], DAY, w["url"]) is None  # not re-sent


def test_entries_of_a_closed_loan_or_refused_by_posting_are_held_and_nothing_half_done(world):
    w = world
    closed = pay(w, "b", "20.00", "queued-then-paid-off").attempt_id
    payoff_b = collection_runs.amounts(w["b"]["actor"], w["b"]["loan"], DAY, w["url"])[1]
    payments.record_payment(w["servicer"], w["b"]["loan"], f"{payoff_b / 100:.2f}", DAY,
                            "cheque-payoff", url=w["url"], payoff=True, today=DAY)
    early = queue_unchecked(w, "a", 10000, "drafted-before-funding", date(2026, 1, 5),
                            purpose="autopay")
    f = ach_files.generate_debit_file(w["servicer"], DAY, w["url"])
    assert f.file_id is None and f.entry_count == 0  # nothing left to write: no file
    why = {h.attempt_id: h.reason for h in f.held}
    assert why[closed] == f"loan {w['b']['loan']} is paid off"
    assert why[early].startswith("received on must be between funding and today")
    with UnitOfWork(w["url"]) as s:  # the refused posting left nothing behind
        a = s.get(CollectionAttempt, early)
        assert (a.status, a.payment_id) == ("held", None)
        assert s.exec(select(AchFile).where(AchFile.direction == "outgoing")).all() == []
    assert collection_runs.amounts(w["a"]["actor"], w["a"]["loan"], DAY, w["url"])[1] == PAYOFF


def test_a_held_back_entry_is_cancelled_by_staff_with_a_reason(world):
    w = world
    held = queue_unchecked(w, "a", 700000, "held-later")
    f = ach_files.generate_debit_file(w["servicer"], DAY, w["url"])
    assert f.file_id is None and [h.attempt_id for h in f.held] == [held]
    assert queued.listing(w["a"]["actor"], w["a"]["loan"], url=w["url"])[0].status == "held"
    assert len(notices.servicer_queue(w["servicer"], url=w["url"])) == 1
    staff = queued.cancel(w["servicer"], held, "borrower asked by phone", url=w["url"])
    assert staff.status == "cancelled" and queued.held_back(w["servicer"], url=w["url"]) == []
    assert notices.servicer_queue(w["servicer"], url=w["url"]) == []  # closed with it
    [item] = notices.servicer_queue(w["servicer"], "resolved", url=w["url"])
    assert item.resolution == f"payment {held} cancelled by staff: borrower asked by phone"
    [log] = audits(w, "collection.cancelled", held)
    assert (log.before["status"], log.after["failure_reason"]) == \
        ("held", "cancelled by staff: borrower asked by phone")


def test_cli_lists_and_cancels_a_queued_payment(world, capsys):
    from cli.main import main
    w = world
    first = pay(w, "a", "6000.00", "tab-1").attempt_id
    assert main(["--database-url", w["url"], "queued", w["a"]["loan"]]) == 0
    out = capsys.readouterr().out
    assert f"{first}" in out and "6,000.00" in out and "scheduled" in out
    assert main(["--database-url", w["url"], "cancel-payment", str(first)]) == 2
    assert "reason" in capsys.readouterr().err
    assert main(["--database-url", w["url"], "cancel-payment", str(first),
                 "--reason", "borrower asked"]) == 0
    assert "cancelled" in capsys.readouterr().err
    assert main(["--database-url", w["url"], "cancel-payment", str(first),
                 "--reason", "again"]) == 0
    assert "already cancelled" in capsys.readouterr().err
    assert attempts(w, "a")[0].status == "cancelled"

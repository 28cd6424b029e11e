"""Issue 18 item 9 (a, c) on SQLite and PostgreSQL: queued payments checked together against
the payoff (two tabs at once included), and cancelling a queued payment until it is in a file
(the debit file's holding back: test_debit_file_holds.py).

The reported figures: a loan of 6,292.63 at 12% booked 2026-01-10 has a payoff of 6,312.93
on 2026-01-20 (principal 6,292.63 + 20.30 interest accrued); its borrower queues 6,000.00
twice; another borrower queues 50.00."""
import threading
import time
from datetime import date

import pytest
from sqlmodel import select

from domain.db.payment_tables import CollectionAttempt
from domain.db.tables import AuditLog, Loan
from domain.db.uow import UnitOfWork
from domain.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from domain.origination import applications as origination
from domain.payments import ach_files, collection_runs, instruments, queued
from tests.integration.helpers import make_product, make_user

BOOKED, DAY = date(2026, 1, 10), date(2026, 1, 20)
PAYOFF = 631293


@pytest.fixture
def world(fresh_db, uniq, monkeypatch):
    """A fresh database (the debit file holds only these loans): borrower A's loan with the
    reported payoff, borrower B's small loan, each with a bank account on the bank-file rail."""
    monkeypatch.setenv("LENDBOOK_DOCUMENT_KEY", "a-test-document-key-of-some-length")
    url = fresh_db()
    admin = make_user(url, uniq, "admin")
    w = dict(url=url, servicer=make_user(url, uniq, "servicer"),
             underwriter=make_user(url, uniq, "underwriter"))
    product = make_product(url, admin, uniq, annual_rate="12")
    for who, amount, account in (("a", "6292.63", "000123456789"),
                                 ("b", "1200", "000111111116")):
        borrower = make_user(url, uniq, "borrower", tag=who)
        app = origination.submit_application(borrower, product, amount, "12", "90000", url=url)
        number = origination.accept_offer(borrower, app.id, url, on=BOOKED)
        inst = instruments.add_bank_account(borrower, number, f"Borrower {who}", "110000000",
                                            account, url=url)
        w[who] = dict(actor=borrower, loan=number, inst=inst)
    return w


def pay(w, who, amount, key):
    b = w[who]
    return collection_runs.pay_now(b["actor"], b["loan"], b["inst"], "custom", amount,
                                   key, None, today=DAY, url=w["url"])


def attempts(w, who):
    with UnitOfWork(w["url"]) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == w[who]["loan"])).one()
        return list(s.exec(select(CollectionAttempt).where(CollectionAttempt.loan_id == loan.id)
                           .order_by(CollectionAttempt.id)))


def audits(w, action, attempt_id):
    with UnitOfWork(w["url"]) as s:
        return list(s.exec(select(AuditLog).where(AuditLog.action == action,
                                                  AuditLog.entity_id == str(attempt_id))))


def test_queued_payments_are_checked_together_against_the_payoff(world):
    w = world
    assert collection_runs.amounts(w["a"]["actor"], w["a"]["loan"], DAY, w["url"])[1] == PAYOFF
    first = pay(w, "a", "6000.00", "tab-1")
    assert first.status == "scheduled"
    with pytest.raises(ValidationError) as e:  # each alone fits; together 12,000.00 do not
        pay(w, "a", "6000.00", "tab-2")
    assert e.value.errors == {"amount": (
        "with 6,000.00 already queued and not yet sent, 6,000.00 would exceed the payoff of "
        "6,312.93 on 2026-01-20: at most 312.93 can be queued (cancel a queued payment to "
        "pay more)")}
    with pytest.raises(ValidationError):
        pay(w, "a", "312.94", "tab-3")
    assert pay(w, "a", "312.93", "tab-4").status == "scheduled"  # exactly the payoff: taken
    assert [a.amount_minor for a in attempts(w, "a")] == [600000, 31293]
    assert pay(w, "b", "50.00", "other").status == "scheduled"  # another loan: its own room


def test_two_tabs_at_once_cannot_both_queue(world, monkeypatch):
    """Both threads read the queued total and sleep before inserting: without the loan's lock
    both would see nothing queued and both would pass."""
    w = world
    real = queued.queued_minor

    def slow(s, loan_id):
        total = real(s, loan_id)
        time.sleep(0.4)
        return total
    monkeypatch.setattr(queued, "queued_minor", slow)
    start, results = threading.Barrier(2), {}

    def tab(key):
        start.wait()
        try:
            results[key] = pay(w, "a", "6000.00", key).status
        except ValidationError as e:
            results[key] = e.errors["amount"]
    threads = [threading.Thread(target=tab, args=(k,)) for k in ("left", "right")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    passed, refused = sorted(results.values())  # "scheduled" sorts before "with ..."
    assert passed == "scheduled" and refused.startswith("with 6,000.00 already queued")
    assert [a.amount_minor for a in attempts(w, "a")] == [600000]


def test_borrower_and_staff_cancel_until_the_file_is_written(world):
    w = world
    a_actor = w["a"]["actor"]
    first = pay(w, "a", "6000.00", "tab-1").attempt_id
    with pytest.raises(NotFound):  # another borrower's payment: not even seen
        queued.cancel(w["b"]["actor"], first, url=w["url"])
    with pytest.raises(PermissionDenied):  # staff without payment.reverse
        queued.cancel(w["underwriter"], first, "wrong", url=w["url"])
    done = queued.cancel(a_actor, first, "typed it twice", url=w["url"])
    assert (done.status, done.already) == ("cancelled", False)
    again = queued.cancel(a_actor, first, url=w["url"])  # idempotent: nothing more
    assert (again.status, again.already) == ("cancelled", True)
    [log] = audits(w, "collection.cancelled", first)
    assert (log.actor_label, log.before["status"], log.after["status"], log.reason) == \
        (a_actor.label, "scheduled", "cancelled", "typed it twice")
    assert log.after["failure_reason"] == "cancelled by the borrower: typed it twice"
    assert pay(w, "a", "6000.00", "tab-2").status == "scheduled"  # the room is free again
    second = attempts(w, "a")[-1].id
    with pytest.raises(ValidationError) as e:
        queued.cancel(w["servicer"], second, " ", url=w["url"])
    assert list(e.value.errors) == ["reason"]
    assert [r.attempt_id for r in queued.listing(w["servicer"], w["a"]["loan"],
                                                 url=w["url"])] == [second]
    kept = pay(w, "b", "50.00", "other").attempt_id
    f = ach_files.generate_debit_file(w["servicer"], DAY, w["url"])
    with pytest.raises(Conflict) as e:  # in a file: refused, saying which
        queued.cancel(w["servicer"], second, "borrower called", url=w["url"])
    assert f"it is in bank file {f.filename} written 2026-01-20" in str(e.value)
    with pytest.raises(Conflict):
        queued.cancel(w["b"]["actor"], kept, url=w["url"])
    assert queued.listing(a_actor, w["a"]["loan"], url=w["url"]) == []


def test_a_processor_payment_is_not_cancelled_here(world):
    """The collection job charges Stripe attempts outside any lock: a cancel could cross a
    charge in flight, so only bank-file payments are cancelled."""
    from domain.db.payment_tables import PaymentInstrument
    w = world
    with UnitOfWork(w["url"]) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == w["a"]["loan"])).one()
        card = PaymentInstrument(borrower_id=loan.borrower_id, rail="stripe", kind="card",
                                 provider_ref=f"pm_{w['a']['loan']}", last4="4242")
        s.add(card)
        s.flush()
        a = CollectionAttempt(loan_id=loan.id, instrument_id=card.id, purpose="autopay",
                              idempotency_key="card-draft", rail="stripe", amount_minor=5000,
                              draft_date=DAY)
        s.add(a)
        s.flush()
        attempt_id = a.id
    with pytest.raises(Conflict) as e:
        queued.cancel(w["a"]["actor"], attempt_id, url=w["url"])
    assert "card processor" in str(e.value)
    assert attempts(w, "a")[0].status == "scheduled"

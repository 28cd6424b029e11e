"""The loan's payment history (payments with allocation, channel and status, and collection
attempts that never posted), its filters, payment receipts (domain and HTTP) and the
borrower's notices, on SQLite and PostgreSQL."""
from datetime import date

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from domain.db.payment_tables import CollectionAttempt, Notice
from domain.db.tables import AuditLog, Loan
from domain.db.uow import UnitOfWork
from domain.kernel.errors import NotFound, ValidationError
from domain.access import accounts
from domain.payments import autopay, collection_runs, collections, instruments, payment_methods
from domain.servicing import notices, payments, queries, receipts
from domain.origination import applications as origination
from tests.integration.helpers import make_product, make_user

BOOKED = date(2026, 1, 10)  # monthly: due 10 Feb, 10 Mar, ...
ROUTING = "110000000"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def world(db_url, uniq, monkeypatch, tmp_path):
    """A loan with every kind of history line: a posted and a reversed staff payment, an
    autopay draft returned R01 (its re-presentment cancelled when a later R03 stops autopay),
    a draft sent and pending, a one-time payment queued for the bank file and one failed."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("LENDBOOK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LENDBOOK_DOCUMENT_KEY", "a-test-document-key-of-some-length")
    admin = make_user(db_url, uniq, "admin")
    borrower = make_user(db_url, uniq, "borrower")
    other = make_user(db_url, uniq, "borrower", tag="other")
    product = make_product(db_url, admin, uniq, annual_rate="12",
                           settings=(("nsf_fee_minor", "25.00"),))
    app = origination.submit_application(borrower, product, "1200", "12", "50000", url=db_url)
    number = origination.accept_offer(borrower, app.id, db_url, on=BOOKED)
    w = dict(url=db_url, uniq=uniq, admin=admin, borrower=borrower, other=other, number=number)

    posted = payments.record_payment(admin, number, "50.00", date(2026, 1, 20), f"a-{uniq}",
                                     "Cheque 1042", db_url, today=date(2026, 1, 20))
    wrong = payments.record_payment(admin, number, "20.00", date(2026, 1, 25), f"b-{uniq}",
                                    url=db_url, today=date(2026, 1, 25))
    payments.reverse_payment(admin, wrong.payment_id, "posting error", "", date(2026, 1, 26),
                             db_url)
    inst = instruments.add_bank_account(borrower, number, "Pat Doe", ROUTING, "000123456789",
                                        url=db_url)
    autopay.enrol(borrower, number, inst, 0, accepted_mandate=True, today=date(2026, 2, 1),
                  url=db_url)
    collections.schedule_drafts(date(2026, 3, 10), db_url)
    feb, mar = attempts(w)
    with UnitOfWork(db_url) as s:
        collections.post_sent(s, s.get(CollectionAttempt, feb.id), date(2026, 2, 10))
    with UnitOfWork(db_url) as s:
        out = collections.fail(s, s.get(CollectionAttempt, feb.id), "R01", "Insufficient funds",
                               date(2026, 2, 12))
    with UnitOfWork(db_url) as s:
        collections.post_sent(s, s.get(CollectionAttempt, mar.id), date(2026, 3, 10))
    today = date(2026, 3, 11)
    failed = collection_runs.pay_now(borrower, number, inst, "custom", "40.00", f"f-{uniq}",
                                     None, today, db_url)
    with UnitOfWork(db_url) as s:
        collections.fail(s, s.get(CollectionAttempt, failed.attempt_id), "R03", "No account",
                         date(2026, 3, 12))
    # the R03 disabled that account (and cancelled what was queued on it): a second one
    second = instruments.add_bank_account(borrower, number, "Pat Doe", ROUTING, "000555566667",
                                          url=db_url)
    queued = collection_runs.pay_now(borrower, number, second, "custom", "30.00", f"q-{uniq}",
                                     None, today, db_url)
    feb, mar = attempts(w)[:2]
    w.update(posted=posted.payment_id, reversed=wrong.payment_id, returned=feb.payment_id,
             pending=mar.payment_id, retry=out.retry_attempt_id, queued=queued.attempt_id,
             failed=failed.attempt_id)
    return w


def attempts(w):
    with UnitOfWork(w["url"]) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == w["number"])).one()
        return list(s.exec(select(CollectionAttempt).where(CollectionAttempt.loan_id == loan.id)
                           .order_by(CollectionAttempt.id)))


def by_status(rows):
    return {r.status: r for r in rows}


def test_history_shows_every_payment_and_attempt_with_its_allocation_and_status(world):
    w = world
    rows = queries.payment_history(w["borrower"], w["number"], url=w["url"])
    assert [(r.on, r.status, r.amount_minor) for r in rows] == [
        (date(2026, 3, 11), "scheduled", 3000), (date(2026, 3, 11), "failed", 4000),
        (date(2026, 3, 10), "pending", rows[2].amount_minor),
        (date(2026, 2, 18), "cancelled", rows[3].amount_minor),
        (date(2026, 2, 10), "returned", rows[4].amount_minor),
        (date(2026, 1, 25), "reversed", 2000), (date(2026, 1, 20), "posted", 5000)]
    st = by_status(rows)
    for status in ("posted", "pending", "returned", "reversed"):  # allocation by component
        r = st[status]
        assert r.payment_id and r.principal_minor > 0
        assert r.principal_minor + r.interest_minor + r.fee_minor + r.advance_minor \
            == r.amount_minor
    assert (st["posted"].payment_id, st["posted"].channel, st["posted"].note) == \
        (w["posted"], "servicer", "Cheque 1042")
    assert st["posted"].attempt_id is None and st["posted"].instrument == ""
    assert st["reversed"].return_code == "" and st["reversed"].return_text == "posting error"
    assert st["reversed"].reversed_on == date(2026, 1, 26)
    ret = st["returned"]
    assert (ret.payment_id, ret.return_code, ret.return_text, ret.channel) == \
        (w["returned"], "R01", "Insufficient funds", "ach")
    assert ret.reversed_on == date(2026, 2, 12) and ret.instrument.endswith("ending 6789")
    assert (st["pending"].payment_id, st["pending"].method) == (w["pending"], "regular")
    assert (st["scheduled"].attempt_id, st["scheduled"].method, st["scheduled"].payment_id) \
        == (w["queued"], "one_time", None)
    assert st["scheduled"].channel == "nacha" and st["scheduled"].principal_minor == 0
    assert (st["failed"].attempt_id, st["failed"].return_code, st["failed"].return_text) == \
        (w["failed"], "R03", "No account / unable to locate account")
    assert (st["cancelled"].attempt_id, st["cancelled"].method) == (w["retry"], "retry")
    # staff see the same lines
    staff = queries.payment_history(w["admin"], w["number"], url=w["url"])
    assert staff == rows


def test_history_filters_by_status_and_dates_and_refuses_bad_filters(world):
    w = world

    def h(**kw):
        return [(r.status, r.on) for r in queries.payment_history(
            w["admin"], w["number"], url=w["url"], **kw)]
    assert h(status="returned") == [("returned", date(2026, 2, 10))]
    assert h(status="scheduled") == [("scheduled", date(2026, 3, 11))]
    assert [s for s, _ in h(since=date(2026, 3, 1))] == ["scheduled", "failed", "pending"]
    assert h(until=date(2026, 1, 31)) == [("reversed", date(2026, 1, 25)),
                                          ("posted", date(2026, 1, 20))]
    assert h(since=date(2026, 2, 1), until=date(2026, 2, 28), status="cancelled") == [
        ("cancelled", date(2026, 2, 18))]
    assert h(status="posted", since=date(2026, 2, 1)) == []
    with pytest.raises(ValidationError) as e:
        h(status="settled")
    assert "status" in e.value.errors
    with pytest.raises(ValidationError) as e:
        h(since=date(2026, 3, 1), until=date(2026, 2, 1))
    assert "until" in e.value.errors


def test_another_borrower_sees_neither_history_nor_receipts(world):
    w = world
    with pytest.raises(NotFound):
        queries.payment_history(w["other"], w["number"], url=w["url"])
    with pytest.raises(NotFound):
        receipts.receipt(w["other"], w["posted"], url=w["url"])
    with pytest.raises(NotFound):
        receipts.receipt(w["borrower"], 10_000_000, url=w["url"])


def test_receipts_carry_the_allocation_and_status(world):
    w = world
    r = receipts.receipt(w["borrower"], w["posted"], today=date(2026, 3, 12), url=w["url"])
    assert (r.loan_number, r.amount_minor, r.status, r.channel, r.note) == \
        (w["number"], 5000, "posted", "servicer", "Cheque 1042")
    assert r.lines and r.lines[0].installment == 1
    assert sum(x.total_minor for x in r.lines) == 5000
    returned = receipts.receipt(w["admin"], w["returned"], url=w["url"])
    assert (returned.status, returned.return_code, returned.return_text) == \
        ("returned", "R01", "Insufficient funds")
    assert sum(x.total_minor for x in returned.lines) == returned.amount_minor
    name, pdf = receipts.receipt_pdf(w["borrower"], w["pending"], url=w["url"])
    assert name == f"receipt-{w['number']}-{w['pending']}.pdf" and pdf.startswith(b"%PDF-")
    # the same inputs make the same bytes
    assert receipts.receipt_pdf(w["borrower"], w["posted"], date(2026, 3, 12), w["url"]) == \
        receipts.receipt_pdf(w["borrower"], w["posted"], date(2026, 3, 12), w["url"])


def test_receipt_download_needs_the_session_of_the_borrower_or_staff(world):
    w = world
    from portal.api import api_app
    client = TestClient(api_app(), raise_server_exceptions=False)
    path = f"/api/v1/receipts/{w['posted']}"
    assert client.get(path).status_code == 401
    make_user(w["url"], w["uniq"], "servicer", tag="desk")
    for email, expected in ((w["borrower"].label, 200), (w["other"].label, 404),
                            (f"desk-servicer-{w['uniq']}@example.test", 200)):
        client.cookies.clear()
        client.cookies.set("lb_session", accounts.sign_in(email, PASSWORD, w["url"]))
        r = client.get(path)
        assert r.status_code == expected, (email, r.text)
        if expected == 200:
            assert r.headers["content-type"] == "application/pdf"
            assert r.content.startswith(b"%PDF-") and "no-store" in r.headers["cache-control"]
        else:
            assert r.json()["errors"][0]["field"] == "payment_id"
            assert client.get("/api/v1/receipts/99999999").json() == r.json()


def test_unread_notices_and_mark_read_is_the_borrowers_own_and_audited(world):
    w = world
    unread = notices.unread(w["borrower"], w["number"], w["url"])
    assert [n.kind for n in unread] == ["autopay_disabled", "payment_returned"]
    assert all(n.loan_number == w["number"] for n in unread)
    assert "R03" in unread[0].body and "R01" in unread[1].body
    assert notices.unread(w["other"], w["number"], w["url"]) == []
    with pytest.raises(NotFound):
        notices.mark_read(w["other"], unread[0].id, w["url"])
    with pytest.raises(NotFound):
        notices.mark_read(w["admin"], unread[0].id, w["url"])
    assert notices.mark_read(w["borrower"], unread[0].id, w["url"]) is True
    assert notices.mark_read(w["borrower"], unread[0].id, w["url"]) is False
    assert [n.id for n in notices.unread(w["borrower"], w["number"], w["url"])] == \
        [unread[1].id]
    with UnitOfWork(w["url"]) as s:
        assert s.get(Notice, unread[0].id).read_at is not None
        (log,) = s.exec(select(AuditLog).where(AuditLog.entity == "notice",
                                               AuditLog.entity_id == str(unread[0].id))).all()
    assert (log.action, log.actor_id) == ("notice.read", w["borrower"].user_id)
    assert log.before["read_at"] is None and log.after["read_at"]


def test_payment_methods_offer_active_instruments_only(world):
    w = world
    # the world's first account was disabled by the R03 return: only the second is offered
    assert [m.label for m in payment_methods.methods(w["borrower"], w["number"], w["url"])] \
        == ["Bank account checking ending 6667"]
    new = instruments.add_bank_account(w["borrower"], w["number"], "Pat Doe", ROUTING,
                                       "000987654321", "savings", url=w["url"])
    m = payment_methods.methods(w["admin"], w["number"], w["url"])[0]  # newest first
    assert (m.id, m.label, m.kind, m.rail) == (new, "Bank account savings ending 4321",
                                               "us_bank_account", "nacha")
    with pytest.raises(NotFound):
        payment_methods.methods(w["other"], w["number"], w["url"])
    assert payment_methods.lender_name(w["url"])
    assert instruments.bank_account_errors("Pat", ROUTING, "1234", "checking") == {}

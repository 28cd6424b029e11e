"""Autopay enrolment and the collection cycle on the bank-file rail: drafts created set-based
and exactly once, posted when sent, reversed exactly on a return with fee, retry or stop."""
from datetime import date

import pytest
from sqlmodel import select

from domain.ledger import entries as ledger
from domain.db.payment_tables import AutopayEnrolment, CollectionAttempt, Notice, \
    PaymentInstrument
from domain.db.tables import AuditLog, Installment, Loan
from domain.db.uow import UnitOfWork
from domain.kernel.errors import NotFound, ValidationError
from domain.payments import autopay, collections, instruments
from domain.ledger import journal
from domain.servicing import loan_state
from domain.origination import applications as origination
from tests.integration.helpers import count, make_product, make_user

BOOKED = date(2026, 1, 10)  # monthly: due 10 Feb, 10 Mar, 10 Apr ...
ROUTING = "110000000"


@pytest.fixture
def world(db_url, uniq, monkeypatch, tmp_path):
    monkeypatch.setenv("LENDBOOK_DOCUMENT_KEY", "a-test-document-key-of-some-length")
    admin = make_user(db_url, uniq, "admin")
    borrower = make_user(db_url, uniq, "borrower")
    other = make_user(db_url, uniq, "borrower", tag="other")
    product = make_product(db_url, admin, uniq, annual_rate="12",
                           settings=(("nsf_fee_minor", "25.00"),))
    app = origination.submit_application(borrower, product, "1200", "12", "50000", url=db_url)
    number = origination.accept_offer(borrower, app.id, db_url, on=BOOKED)
    return dict(url=db_url, borrower=borrower, other=other, number=number)


def enrol(w, offset=-2, on=date(2026, 3, 1), **kw):
    inst = instruments.add_bank_account(w["borrower"], w["number"], "Pat Doe", ROUTING,
                                        "000123456789", "checking", url=w["url"])
    view = autopay.enrol(w["borrower"], w["number"], inst, offset, accepted_mandate=True,
                         ip="203.0.113.9", user_agent="pytest", today=on, url=w["url"], **kw)
    return inst, view


def attempts(w):
    with UnitOfWork(w["url"]) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == w["number"])).one()
        return list(s.exec(select(CollectionAttempt).where(CollectionAttempt.loan_id == loan.id)
                           .order_by(CollectionAttempt.id))), loan


def drafted(w, on):
    """Drafts created for this world's loan by a run on `on` (the database is shared)."""
    before = len(attempts(w)[0])
    collections.schedule_drafts(on, w["url"])
    return len(attempts(w)[0]) - before


def balances(w):
    with UnitOfWork(w["url"]) as s:
        loan = s.exec(select(Loan).where(Loan.loan_number == w["number"])).one()
        st = loan_state.load(s, loan)
        return ([(i.number, i.paid_minor) for i in st.installments],
                {a: journal.account_balance(s, a, loan.id) for a in ledger.ACCOUNTS})


def test_enrolment_refuses_bad_input_and_other_borrowers(world):
    w = world
    with pytest.raises(ValidationError) as e:
        instruments.add_bank_account(w["borrower"], w["number"], "", "110000001", "12",
                                     "chequing", url=w["url"])
    assert set(e.value.errors) == {"holder_name", "routing_number", "account_number",
                                   "account_type"}
    with pytest.raises(NotFound):
        instruments.add_bank_account(w["other"], w["number"], "Eve", ROUTING, "000123456789",
                                     url=w["url"])
    inst = instruments.add_bank_account(w["borrower"], w["number"], "Pat Doe", ROUTING,
                                        "000123456789", url=w["url"])
    for kwargs, field in ((dict(draft_offset_days=-11), "draft_offset_days"),
                          (dict(amount_mode="fixed", fixed_amount="0"), "fixed_amount"),
                          (dict(amount_mode="weekly"), "amount_mode")):
        with pytest.raises(ValidationError) as e:
            autopay.enrol(w["borrower"], w["number"], inst, accepted_mandate=True,
                          url=w["url"], **kwargs)
        assert field in e.value.errors
    with pytest.raises(ValidationError) as e:
        autopay.enrol(w["borrower"], w["number"], inst, accepted_mandate=False, url=w["url"])
    assert "mandate" in e.value.errors
    assert count(w["url"], AutopayEnrolment, AutopayEnrolment.instrument_id == inst) == 0
    with UnitOfWork(w["url"]) as s:  # only the last four digits are readable
        row = s.get(PaymentInstrument, inst)
        assert row.last4 == "6789" and "000123456789" not in row.account_number_sealed
        assert instruments.unseal_account(row) == "000123456789"


def test_drafts_are_created_once_per_installment_from_the_enrolment_on(world):
    w = world
    _, view = enrol(w, offset=-2, on=date(2026, 3, 1))
    assert "2 days before the due date" in view.mandate_text and view.version == 1
    assert drafted(w, date(2026, 4, 8)) == 2
    assert drafted(w, date(2026, 4, 8)) == 0
    rows, loan = attempts(w)
    with UnitOfWork(w["url"]) as s:
        due = {i.number: i.principal_minor + i.interest_minor for i in s.exec(
            select(Installment).where(Installment.loan_id == loan.id))}
    # Feb's draft (8 Feb) falls before the enrolment: not drafted; Mar and Apr are
    assert [(a.installment_number, a.draft_date, a.amount_minor, a.status) for a in rows] == [
        (2, date(2026, 3, 8), due[2], "scheduled"), (3, date(2026, 4, 8), due[3], "scheduled")]
    assert rows[0].idempotency_key == collections.attempt_key(loan.id, 1, 2, 1)


def test_a_return_reverses_exactly_posts_the_fee_and_re_presents_twice(world):
    w = world
    enrol(w, offset=0, on=date(2026, 2, 1))
    collections.schedule_drafts(date(2026, 2, 10), w["url"])
    before = balances(w)
    (first,), _ = attempts(w)
    with UnitOfWork(w["url"]) as s:
        collections.post_sent(s, s.get(CollectionAttempt, first.id), date(2026, 2, 10),
                              trace_number=f"99999999{first.id:07d}")
    assert balances(w) != before
    with UnitOfWork(w["url"]) as s:
        out = collections.fail(s, s.get(CollectionAttempt, first.id), "R01",
                               "Insufficient funds", date(2026, 2, 12))
    assert out.status == "returned" and out.fee and out.retry_attempt_id
    paid, after = balances(w)
    assert paid == before[0]
    fee = 2500
    assert after[ledger.FEES_RECEIVABLE] == before[1][ledger.FEES_RECEIVABLE] + fee
    assert after[ledger.FEE_INCOME] == before[1][ledger.FEE_INCOME] - fee
    for account in (ledger.LOANS_RECEIVABLE, ledger.INTEREST_RECEIVABLE, ledger.CASH):
        assert after[account] == before[1][account]
    # the same return again changes nothing
    with UnitOfWork(w["url"]) as s:
        again = collections.fail(s, s.get(CollectionAttempt, first.id), "R01", "again",
                                 date(2026, 2, 12))
    assert again.retry_attempt_id is None and balances(w) == (paid, after)
    # re-presented twice at most: three tries in all
    retry_id, seen = out.retry_attempt_id, []
    while retry_id:
        with UnitOfWork(w["url"]) as s:
            a = s.get(CollectionAttempt, retry_id)
            seen.append((a.presentment, a.status, a.draft_date > date(2026, 2, 12)))
            collections.post_sent(s, a, a.draft_date)
        with UnitOfWork(w["url"]) as s:
            retry_id = collections.fail(s, s.get(CollectionAttempt, retry_id), "R09",
                                        "Uncollected funds", a.draft_date).retry_attempt_id
    assert seen == [(2, "scheduled", True), (3, "scheduled", True)]
    _, final = balances(w)
    assert final[ledger.FEES_RECEIVABLE] == before[1][ledger.FEES_RECEIVABLE] + 3 * fee
    with UnitOfWork(w["url"]) as s:
        notices = s.exec(select(Notice).where(Notice.user_id == w["borrower"].user_id)).all()
    assert len(notices) == 3 and "returned" in notices[0].subject


def test_account_closed_stops_autopay_cancels_drafts_and_tells_the_borrower(world):
    w = world
    inst, _ = enrol(w, offset=0, on=date(2026, 2, 1))
    collections.schedule_drafts(date(2026, 3, 10), w["url"])
    (feb, mar), _ = attempts(w)
    with UnitOfWork(w["url"]) as s:
        collections.post_sent(s, s.get(CollectionAttempt, feb.id), date(2026, 2, 10))
    with UnitOfWork(w["url"]) as s:
        out = collections.fail(s, s.get(CollectionAttempt, feb.id), "R02", "Account closed",
                               date(2026, 2, 13))
    assert out.autopay_disabled and not out.fee and out.retry_attempt_id is None
    (feb, mar), _ = attempts(w)
    assert (feb.status, mar.status) == ("returned", "cancelled")
    with UnitOfWork(w["url"]) as s:
        assert s.get(PaymentInstrument, inst).status == "disabled"
        enr = s.exec(select(AutopayEnrolment).where(AutopayEnrolment.instrument_id == inst)).one()
        assert enr.status == "disabled"
        (notice,) = s.exec(select(Notice).where(Notice.user_id == w["borrower"].user_id)).all()
    assert "Autopay stopped" in notice.subject and "R02" in notice.body
    assert drafted(w, date(2026, 5, 10)) == 0


def test_pause_resume_cancel_are_audited_and_respected(world):
    w = world
    enrol(w, offset=0, on=date(2026, 2, 1))
    autopay.pause(w["borrower"], w["number"], date(2026, 3, 15), "short month",
                  today=date(2026, 2, 5), url=w["url"])
    assert drafted(w, date(2026, 3, 10)) == 0
    # the pause ended: what fell due in it (10 Feb, 10 Mar) stays skipped; April drafts
    assert drafted(w, date(2026, 3, 16)) == 0
    assert drafted(w, date(2026, 4, 10)) == 1
    view = autopay.change(w["borrower"], w["number"], amount_mode="fixed",
                          fixed_amount="150.00", accepted_mandate=True, url=w["url"])
    assert view.fixed_amount_minor == 15000 and "150.00" in view.mandate_text
    autopay.cancel(w["borrower"], w["number"], "paying by hand", url=w["url"])
    with pytest.raises(ValidationError):
        autopay.resume(w["borrower"], w["number"], url=w["url"])
    with UnitOfWork(w["url"]) as s:
        actions = [a.action for a in s.exec(select(AuditLog).where(
            AuditLog.entity == "autopay_enrolment", AuditLog.entity_id == w["number"])
            .order_by(AuditLog.id))]
    assert actions == ["autopay.enrolled", "autopay.paused", "autopay.resumed",
                       "autopay.changed", "autopay.cancelled"]


def test_the_lenders_autopay_disclosure_is_part_of_the_accepted_mandate(world, uniq):
    """A published autopay disclosure (portal branding) is stored with the acceptance, after
    the authorization text, exactly as the page showed it; without one the text is unchanged."""
    from domain.configuration import branding_versions as branding
    w = world
    admin = make_user(w["url"], uniq, "admin", tag="brand")
    text = f"Acme {uniq}: debits appear as ACME LOAN on your statement."
    v = branding.save_draft(admin, {"name": "Acme Lending", "primary": "#1d3557",
                                    "accent": "#e63946", "disclosures": {"autopay": text}},
                            url=w["url"])
    branding.publish(admin, v, "autopay disclosure", url=w["url"])
    try:
        inst, view = enrol(w, offset=0, on=date(2026, 2, 1))
        with UnitOfWork(w["url"]) as s:
            stored = s.get(PaymentInstrument, inst).mandate_text
        assert stored.endswith("\n\n" + text) and stored.startswith("By enrolling in autopay")
        assert view.mandate_text == stored
        shown = autopay.mandate_text("x", "L", "us_bank_account", "installment", None, 0, text)
        assert shown.endswith(text)
        assert autopay.mandate_text("x", "L", "card", "installment", None, 0) == \
            autopay.mandate_text("x", "L", "card", "installment", None, 0, "  ")
    finally:  # later tests share the database: publish a version without it
        v2 = branding.save_draft(admin, {"name": "Lendbook", "primary": "#1d3557",
                                         "accent": "#e63946"}, url=w["url"])
        branding.publish(admin, v2, "reset", url=w["url"])
